//! Valuation: mark price, funding, equity and margin requirements, per account (cross margin)
//! or per position (isolated margin).
//!
//! **Judged at two prices.** The mark follows the book (within a band around the index, see
//! [`crate::pricing`]), which resting orders can lean on; the index follows the oracle, which
//! traders cannot. So every decision that a pushed price could flip in the pusher's favour is
//! taken at both: a fill that grows a position, a resting order's margin, a withdrawal and a
//! margin removal need initial margin at the index *and* at the mark; a position is
//! liquidated only when under maintenance at the index *and* at the mark. Views (positions,
//! margin ratio, liquidation price) show the mark.
use crate::*;
use alloc::vec::Vec;
use bourse_primitives::orderbook::{MarketId, Price, PRICE_SCALE};
use frame_support::{ensure, pallet_prelude::DispatchResult};
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding, ArithmeticError, DispatchError, Rounding,
};

/// Margin state of an account (cross) or of one isolated position.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Health {
	/// Collateral + unrealised PnL + unsettled funding.
	pub equity: i128,
	/// Initial margin of positions plus resting orders.
	pub initial_requirement: i128,
	/// Maintenance margin of positions.
	pub maintenance_requirement: i128,
}

pub use bourse_primitives::perp::{MarginMode, PositionInfo as PositionView};

/// Which price values positions.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PriceBasis {
	/// This block's mark (follows the book, within the mark band).
	Mark,
	/// The oracle's index (no order moves it).
	Index,
}

/// Both bases, for decisions taken at each (see the module docs).
pub const BOTH_BASES: [PriceBasis; 2] = [PriceBasis::Index, PriceBasis::Mark];

fn overflow() -> DispatchError {
	ArithmeticError::Overflow.into()
}

/// `a + b`, an error on overflow.
pub fn add(a: i128, b: i128) -> Result<i128, DispatchError> {
	a.checked_add(b).ok_or_else(overflow)
}

/// `|a| * b / c` with the sign of `a`, rounded toward zero (exact on the tick and lot grid),
/// computed without an intermediate overflow; an error if the result does not fit.
pub(crate) fn mul_div(a: i128, b: u128, c: u128) -> Result<i128, DispatchError> {
	let abs = multiply_by_rational_with_rounding(a.unsigned_abs(), b, c, Rounding::Down)
		.ok_or_else(overflow)?;
	let abs = i128::try_from(abs).map_err(|_| overflow())?;
	Ok(if a < 0 { -abs } else { abs })
}

/// `size * price / PRICE_SCALE` with sign; an error if it does not fit.
pub fn notional(size: i128, price: Price) -> Result<i128, DispatchError> {
	mul_div(size, price, PRICE_SCALE)
}

/// `value * ppm / 1e6` of a non-negative `value`, rounded up (requirements); an error if
/// `value` is negative or the result does not fit.
pub fn ppm_ceil(value: i128, ppm: u32) -> Result<i128, DispatchError> {
	let value = u128::try_from(value).map_err(|_| overflow())?;
	let product = multiply_by_rational_with_rounding(value, ppm as u128, 1_000_000, Rounding::Up)
		.ok_or_else(overflow)?;
	i128::try_from(product).map_err(|_| overflow())
}

impl<T: Config> Pallet<T> {
	/// Funding a position owes (negative) or earns since its snapshot: longs pay when the
	/// cumulative index rises.
	pub fn accrued_funding(position: &Position, perp: &PerpMarket) -> Result<i128, DispatchError> {
		let moved =
			perp.cumulative_funding.checked_sub(position.funding_snapshot).ok_or_else(overflow)?;
		let owed = mul_div(position.size, moved.unsigned_abs(), PRICE_SCALE)?;
		// Longs pay when the index rose: the sign is that of size times the move, negated.
		Ok(if moved < 0 { owed } else { -owed })
	}

	/// Moves accrued funding of `who`'s position in `market` into its margin balance.
	pub(crate) fn settle_funding(who: &T::AccountId, market: MarketId) -> DispatchResult {
		let Some(mut position) = Positions::<T>::get(who, market) else { return Ok(()) };
		let perp = PerpMarkets::<T>::get(market).ok_or(Error::<T>::MarketNotFound)?;
		let accrued = Self::accrued_funding(&position, &perp)?;
		if accrued != 0 {
			Self::credit(who, market, accrued)?;
		}
		position.funding_snapshot = perp.cumulative_funding;
		Positions::<T>::insert(who, market, position);
		Ok(())
	}

	/// Settles funding of every position of `who`.
	pub(crate) fn settle_all_funding(who: &T::AccountId) -> DispatchResult {
		for market in AccountMarkets::<T>::get(who).iter() {
			Self::settle_funding(who, *market)?;
		}
		Ok(())
	}

	/// How `who`'s collateral backs its positions. The insurance fund is always cross: its
	/// collateral is the fund.
	pub fn margin_mode(who: &T::AccountId) -> MarginMode {
		if *who == Self::insurance_fund() {
			return MarginMode::Cross;
		}
		MarginModes::<T>::get(who)
	}

	/// The balance backing `who`'s position in `market`: its collateral (cross) or the
	/// position's isolated margin.
	pub fn margin_balance(who: &T::AccountId, market: MarketId) -> i128 {
		match Self::margin_mode(who) {
			MarginMode::Cross => Collateral::<T>::get(who),
			MarginMode::Isolated => IsolatedMargin::<T>::get(who, market),
		}
	}

	/// Adds `amount` (negative: takes) to the balance backing `who`'s position in `market`.
	pub(crate) fn credit(who: &T::AccountId, market: MarketId, amount: i128) -> DispatchResult {
		match Self::margin_mode(who) {
			MarginMode::Cross => Self::add_collateral(who, amount),
			MarginMode::Isolated => {
				let margin = Self::add_isolated(who, market, amount)?;
				Self::note_change(&(b"isolated", who, market, margin));
				Ok(())
			},
		}
	}

	/// Adds `amount` (negative: takes) to `who`'s collateral; an error on overflow.
	pub(crate) fn add_collateral(who: &T::AccountId, amount: i128) -> DispatchResult {
		let balance = Collateral::<T>::try_mutate(who, |c| -> Result<i128, DispatchError> {
			*c = add(*c, amount)?;
			Ok(*c)
		})?;
		Self::note_change(&(b"collateral", who, balance));
		Ok(())
	}

	/// Folds a perp state change into the checkpoint's trading-state digest.
	pub(crate) fn note_change(change: &impl codec::Encode) {
		use bourse_primitives::checkpoint::OnTradingStateChange;
		<T as pallet_orderbook::Config>::OnStateChange::note_change(&change.encode());
	}

	/// The price `basis` names in `market`.
	pub fn valuation_price(market: MarketId, perp: &PerpMarket, basis: PriceBasis) -> Price {
		match basis {
			PriceBasis::Mark => Self::mark_price(market, perp),
			PriceBasis::Index => perp.index_price,
		}
	}

	/// Adds a position's unrealised PnL, funding and requirements at `basis` to `health`.
	fn add_position(
		health: &mut Health,
		who: &T::AccountId,
		market: MarketId,
		perp: &PerpMarket,
		basis: PriceBasis,
	) -> DispatchResult {
		let Some(position) = Positions::<T>::get(who, market) else { return Ok(()) };
		let mark = Self::valuation_price(market, perp, basis);
		ensure!(mark > 0 || position.size == 0, Error::<T>::NoIndexPrice);
		let value = notional(position.size.abs(), mark)?;
		let pnl = add(position.quote_balance, notional(position.size, mark)?)?;
		let equity = add(pnl, Self::accrued_funding(&position, perp)?)?;
		health.equity = add(health.equity, equity)?;
		health.initial_requirement =
			add(health.initial_requirement, ppm_ceil(value, perp.initial_margin_ppm)?)?;
		health.maintenance_requirement =
			add(health.maintenance_requirement, ppm_ceil(value, perp.maintenance_margin_ppm)?)?;
		Ok(())
	}

	/// Account-level health. Cross: collateral plus every position against all requirements
	/// (resting orders at initial margin). Isolated: free collateral against the initial
	/// margin of resting orders (positions are judged one by one, see
	/// [`Self::position_health`]).
	pub fn health(who: &T::AccountId) -> Result<Health, DispatchError> {
		Self::health_at(who, PriceBasis::Mark)
	}

	/// [`Self::health`] with positions valued at `basis`.
	pub fn health_at(who: &T::AccountId, basis: PriceBasis) -> Result<Health, DispatchError> {
		let cross = Self::margin_mode(who) == MarginMode::Cross;
		let mut health = Health { equity: Collateral::<T>::get(who), ..Default::default() };
		for market in AccountMarkets::<T>::get(who).iter() {
			let perp = PerpMarkets::<T>::get(market).ok_or(Error::<T>::MarketNotFound)?;
			let reserved =
				i128::try_from(ReservedNotional::<T>::get(who, market)).map_err(|_| overflow())?;
			health.initial_requirement =
				add(health.initial_requirement, ppm_ceil(reserved, perp.initial_margin_ppm)?)?;
			if cross {
				Self::add_position(&mut health, who, *market, &perp, basis)?;
			}
		}
		Ok(health)
	}

	/// Health of the margin that backs `who`'s position in `market`: the account's (cross) or
	/// the position's own (isolated).
	pub fn position_health(who: &T::AccountId, market: MarketId) -> Result<Health, DispatchError> {
		Self::position_health_at(who, market, PriceBasis::Mark)
	}

	/// [`Self::position_health`] with positions valued at `basis`.
	pub fn position_health_at(
		who: &T::AccountId,
		market: MarketId,
		basis: PriceBasis,
	) -> Result<Health, DispatchError> {
		if Self::margin_mode(who) == MarginMode::Cross {
			return Self::health_at(who, basis);
		}
		let perp = PerpMarkets::<T>::get(market).ok_or(Error::<T>::MarketNotFound)?;
		let mut health =
			Health { equity: IsolatedMargin::<T>::get(who, market), ..Default::default() };
		Self::add_position(&mut health, who, market, &perp, basis)?;
		Ok(health)
	}

	/// Refuses with `error` unless `who`'s account covers initial margin at both the index
	/// and the mark (free collateral against resting orders when isolated).
	pub(crate) fn ensure_account_initial_margin(
		who: &T::AccountId,
		error: Error<T>,
	) -> DispatchResult {
		for basis in BOTH_BASES {
			let health = Self::health_at(who, basis)?;
			if health.equity < health.initial_requirement {
				return Err(error.into());
			}
		}
		Ok(())
	}

	/// Refuses with `error` unless the margin backing `who`'s position in `market` covers its
	/// initial margin at both the index and the mark.
	pub(crate) fn ensure_position_initial_margin(
		who: &T::AccountId,
		market: MarketId,
		error: Error<T>,
	) -> DispatchResult {
		for basis in BOTH_BASES {
			let health = Self::position_health_at(who, market, basis)?;
			if health.equity < health.initial_requirement {
				return Err(error.into());
			}
		}
		Ok(())
	}

	/// Refuses unless `who` covers initial margin at both the index and the mark: the account,
	/// and (isolated) the position in `market`.
	pub(crate) fn ensure_initial_margin(who: &T::AccountId, market: MarketId) -> DispatchResult {
		Self::ensure_account_initial_margin(who, Error::<T>::InsufficientMargin)?;
		if Self::margin_mode(who) == MarginMode::Isolated {
			Self::ensure_position_initial_margin(who, market, Error::<T>::InsufficientMargin)?;
		}
		Ok(())
	}

	/// Refuses unless the margin backing `who`'s position in `market` (its equity at mark) is
	/// at least zero: a trade that only reduces a position may leave it under margin, never
	/// bankrupt (a loss nobody holds would be paid out of the vault).
	pub(crate) fn ensure_solvent(who: &T::AccountId, market: MarketId) -> DispatchResult {
		ensure!(Self::position_health(who, market)?.equity >= 0, Error::<T>::WouldGoBankrupt);
		Ok(())
	}

	/// Isolated: tops the position's margin up to its initial requirement from free collateral
	/// (the account check that follows refuses if the collateral is not there).
	pub(crate) fn top_up_isolated(who: &T::AccountId, market: MarketId) -> DispatchResult {
		if Self::margin_mode(who) != MarginMode::Isolated {
			return Ok(());
		}
		// Enough for both prices it is judged at.
		let mut missing = 0;
		for basis in BOTH_BASES {
			let health = Self::position_health_at(who, market, basis)?;
			let short =
				health.initial_requirement.checked_sub(health.equity).ok_or_else(overflow)?;
			missing = missing.max(short);
		}
		if missing > 0 {
			Self::add_collateral(who, -missing)?;
			Self::change_isolated(who, market, missing)?;
		}
		Ok(())
	}

	/// Isolated: once the position in `market` is closed, its margin returns to collateral.
	pub(crate) fn release_isolated_if_flat(who: &T::AccountId, market: MarketId) -> DispatchResult {
		if Self::margin_mode(who) != MarginMode::Isolated
			|| Positions::<T>::contains_key(who, market)
		{
			return Ok(());
		}
		let margin = IsolatedMargin::<T>::take(who, market);
		if margin != 0 {
			Self::note_change(&(b"isolated", who, market, 0i128));
			Self::add_collateral(who, margin)?;
			Self::deposit_event(Event::IsolatedMarginChanged {
				who: who.clone(),
				market,
				margin: 0,
			});
		}
		Ok(())
	}

	/// Adds `amount` (negative: takes) to an isolated margin; the caller moves it from or to
	/// collateral.
	pub(crate) fn change_isolated(
		who: &T::AccountId,
		market: MarketId,
		amount: i128,
	) -> DispatchResult {
		let margin = Self::add_isolated(who, market, amount)?;
		Self::note_change(&(b"isolated", who, market, margin));
		Self::deposit_event(Event::IsolatedMarginChanged { who: who.clone(), market, margin });
		Ok(())
	}

	/// Adds `amount` to the stored isolated margin; a zero margin is not kept in storage.
	fn add_isolated(
		who: &T::AccountId,
		market: MarketId,
		amount: i128,
	) -> Result<i128, DispatchError> {
		IsolatedMargin::<T>::try_mutate_exists(who, market, |m| -> Result<i128, DispatchError> {
			let margin = add(m.unwrap_or(0), amount)?;
			*m = (margin != 0).then_some(margin);
			Ok(margin)
		})
	}

	/// Whether `who` may be liquidated in `market`: under maintenance margin at both the index
	/// and the mark, so no resting order (which can lean on the mark, never on the index)
	/// makes a position that is healthy at the index liquidatable. Never the insurance fund: it
	/// backstops liquidations and unwinds its positions itself.
	pub fn is_liquidatable(who: &T::AccountId, market: MarketId) -> Result<bool, DispatchError> {
		if *who == Self::insurance_fund() {
			return Ok(false);
		}
		for basis in BOTH_BASES {
			let health = Self::position_health_at(who, market, basis)?;
			if health.equity >= health.maintenance_requirement {
				return Ok(false);
			}
		}
		Ok(true)
	}

	pub(crate) fn position_views(who: &T::AccountId) -> Vec<PositionView> {
		let isolated = Self::margin_mode(who) == MarginMode::Isolated;
		AccountMarkets::<T>::get(who)
			.iter()
			.filter_map(|market| {
				let position = Positions::<T>::get(who, market)?;
				let health = Self::position_health(who, *market).unwrap_or_default();
				let ratio = if health.maintenance_requirement > 0 {
					// Beyond u64 (a ratio no margin reaches) reads as "none", never wrapped.
					u64::try_from(
						health.equity.max(0).saturating_mul(1_000_000)
							/ health.maintenance_requirement,
					)
					.unwrap_or(u64::MAX)
				} else {
					u64::MAX
				};
				let perp = PerpMarkets::<T>::get(market)?;
				let mark = Self::mark_price(*market, &perp);
				let unrealized = notional(position.size, mark)
					.and_then(|value| add(position.quote_balance, value))
					.unwrap_or_default();
				// Equity moves by size * Δp; maintenance by |size| * Δp * mm. Solve for Δp where
				// they meet: (equity - mm_req) + Δp * (size - |size| * mm) / SCALE = 0.
				let slope = position.size.saturating_mul(1_000_000).saturating_sub(
					position.size.abs().saturating_mul(perp.maintenance_margin_ppm as i128),
				);
				let buffer = (health.equity.saturating_sub(health.maintenance_requirement))
					.saturating_mul(PRICE_SCALE as i128)
					.saturating_mul(1_000_000);
				let liquidation_price = (slope != 0)
					.then(|| (mark as i128).saturating_sub(buffer / slope))
					.filter(|p| *p > 0)
					.map(|p| p as Price);
				Some(PositionView {
					market: *market,
					position_size: position.size,
					entry_price: position.entry_price(),
					mark_price: mark,
					unrealized_pnl: unrealized,
					accrued_funding: Self::accrued_funding(&position, &perp).unwrap_or_default(),
					realized_pnl: position.realized_pnl,
					margin_ratio_ppm: ratio,
					liquidation_price,
					isolated_margin: isolated.then(|| IsolatedMargin::<T>::get(who, market)),
				})
			})
			.collect()
	}
}
