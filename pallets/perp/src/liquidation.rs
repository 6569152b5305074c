//! Liquidation: closing an account under maintenance against the book within its band, the
//! insurance fund's takeover of the rest, the penalty, bad debt and deleveraging.
use crate::{
	margin::{add, notional},
	*,
};
use alloc::vec::Vec;
use bourse_primitives::orderbook::{quote_amount, MarketId, Price, Side, PRICE_SCALE};
use frame_support::{ensure, pallet_prelude::DispatchResult, traits::Get};
use sp_runtime::{helpers_128bit::multiply_by_rational_with_rounding, DispatchError, Rounding};

/// Most positions looked at when choosing whom to deleverage.
pub(crate) const ADL_SCAN: usize = 1_000;

/// What one liquidation did, for its weight.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct LiquidationWork {
	/// Resting orders the close against the book filled or removed (expired on the way).
	pub fills: u32,
	/// Positions read to choose whom to deleverage.
	pub scanned: u32,
	/// Positions deleveraged.
	pub deleveraged: u32,
	/// Markets the liquidated account trades (funding settled and margin valued in each).
	pub markets: u32,
}

impl<T: Config> Pallet<T> {
	pub(crate) fn do_liquidate(
		liquidator: &T::AccountId,
		who: &T::AccountId,
		market: MarketId,
	) -> Result<LiquidationWork, DispatchError> {
		ensure!(*who != Self::insurance_fund(), Error::<T>::InsuranceFundNotLiquidatable);
		let markets = Self::markets_traded(who);
		Self::settle_all_funding(who)?;
		let position = Positions::<T>::get(who, market).ok_or(Error::<T>::NoPosition)?;
		ensure!(Self::is_liquidatable(who, market)?, Error::<T>::NotLiquidatable);
		let perp = Self::perp(market)?;
		let mark = Self::mark_price(market, &perp);
		ensure!(mark > 0, Error::<T>::NoIndexPrice);
		if !Self::is_fresh(market) {
			// Liquidations go on with the last good index, and say so.
			Self::deposit_event(Event::StalePriceUsed {
				market,
				index_price: perp.index_price,
				observed_at: Prices::<T>::get(market).index_observed_at,
			});
		}
		let tick = pallet_orderbook::Pallet::<T>::market(market)
			.ok_or(Error::<T>::NotPerpMarket)?
			.tick_size;
		let size = position.size.unsigned_abs();
		let (side, worst) = Self::liquidation_limit(who, market, &position, &perp, mark, tick)?;

		// 1. Against the book, within the band: the engine's plan, settled here as a
		// liquidation. The account's own resting orders met on the way are cancelled (they
		// cannot stop it). At a stale index no maker may take on exposure (each would be
		// cancelled as `CannotSettle`): the insurance fund takes the whole position over.
		let (closed_on_book, book_steps) = if Self::is_fresh(market) {
			let on_book = pallet_orderbook::Pallet::<T>::close_for_liquidation(
				who,
				market,
				side,
				size,
				worst,
				<T as pallet_orderbook::Config>::MaxFillsPerOrder::get(),
			)?;
			// A maker that could not settle did a fill's work and a removal.
			let steps =
				on_book.fills.saturating_add(on_book.removed).saturating_add(on_book.rejected);
			(on_book.filled, steps)
		} else {
			(0, 0)
		};
		let mut work = LiquidationWork { fills: book_steps, markets, ..Default::default() };
		// 2. The rest is taken over by the insurance fund at mark.
		let rest = size - closed_on_book;
		let insurance = Self::insurance_fund();
		if rest > 0 {
			let delta = rest as i128;
			let (mine, theirs) = if position.size > 0 { (-delta, delta) } else { (delta, -delta) };
			Self::apply_trade(who, market, mine, mark, 0)?;
			Self::apply_trade(&insurance, market, theirs, mark, 0)?;
		}

		// 3. Penalty on the closed notional: half to the liquidator, half to the fund.
		let closed_value = quote_amount(mark, size).ok_or(Error::<T>::Overflow)?;
		let closed_value = i128::try_from(closed_value).map_err(|_| Error::<T>::Overflow)?;
		let penalty = margin::ppm_ceil(closed_value, perp.liquidation_fee_ppm)?;
		let available = Self::margin_balance(who, market).max(0);
		let penalty = penalty.min(available);
		let to_liquidator = penalty / 2;
		Self::credit(who, market, -penalty)?;
		Self::add_collateral(liquidator, to_liquidator)?;
		Self::add_collateral(&insurance, penalty - to_liquidator)?;

		// 4. Bad debt: the fund covers it; what it cannot is deleveraged.
		Self::cover_bad_debt(who, market, position.size.signum(), &mut work)?;
		Self::release_isolated_if_flat(who, market)?;
		Self::deposit_event(Event::Liquidated {
			who: who.clone(),
			market,
			liquidator: liquidator.clone(),
			closed_on_book,
			taken_by_insurance: rest,
			penalty: penalty as u128,
		});
		Ok(work)
	}

	/// The side and worst price of a liquidation's close against the book: no farther from
	/// mark than the maintenance margin (the 10% band was twice the maintenance margin, so a
	/// liquidator bidding at its edge turned most of such a close into bad debt), and never
	/// beyond the bankruptcy price, where the backing margin (other positions at mark) would
	/// reach zero. A liquidator who buys the position so gains at most the account's own
	/// remaining equity, never the insurance fund's money; what the book cannot take there
	/// goes to the fund at mark. Rounded on the tick grid toward mark.
	fn liquidation_limit(
		who: &T::AccountId,
		market: MarketId,
		position: &Position,
		perp: &PerpMarket,
		mark: Price,
		tick: Price,
	) -> Result<(Side, Price), DispatchError> {
		let size = position.size.unsigned_abs();
		let band = mark.saturating_mul(perp.maintenance_margin_ppm as u128) / 1_000_000;
		let equity = Self::position_health(who, market)?.equity;
		// Closing `size` at mark - offset (long) or mark + offset (short) costs `equity`.
		let offset = margin::mul_div(equity, PRICE_SCALE, size)?;
		let mark_signed = i128::try_from(mark).map_err(|_| Error::<T>::Overflow)?;
		let highest = <T as pallet_orderbook::Config>::MaxPrice::get() / tick * tick;
		let on_grid = |price: i128, up: bool| -> Price {
			let price = price.max(0) as u128;
			let rounded = if up { price.div_ceil(tick) } else { price / tick };
			rounded.saturating_mul(tick).clamp(tick, highest)
		};
		Ok(if position.size > 0 {
			let band_edge = mark_signed - band as i128;
			let bankruptcy = mark_signed.saturating_sub(offset);
			(Side::Sell, on_grid(band_edge.max(bankruptcy), true))
		} else {
			let band_edge = mark_signed + band as i128;
			let bankruptcy = mark_signed.saturating_add(offset);
			(Side::Buy, on_grid(band_edge.min(bankruptcy), false))
		})
	}

	/// When the margin that backed the closed position (cross: the collateral, once no
	/// position is left; isolated: the position's margin) is negative, the insurance fund
	/// covers it; beyond the fund, the most profitable opposite positions in `market` are
	/// deleveraged until the debt is covered; what is still left the fund takes over as a
	/// deficit (negative collateral).
	pub(crate) fn cover_bad_debt(
		who: &T::AccountId,
		market: MarketId,
		liquidated_sign: i128,
		work: &mut LiquidationWork,
	) -> DispatchResult {
		let debt = -Self::margin_balance(who, market);
		let closed = match Self::margin_mode(who) {
			margin::MarginMode::Cross => {
				AccountMarkets::<T>::get(who).iter().all(|m| Positions::<T>::get(who, m).is_none())
			},
			margin::MarginMode::Isolated => !Positions::<T>::contains_key(who, market),
		};
		if debt <= 0 || !closed {
			return Ok(());
		}
		let insurance = Self::insurance_fund();
		let from_fund = Collateral::<T>::get(&insurance).max(0).min(debt);
		Self::add_collateral(&insurance, -from_fund)?;
		Self::credit(who, market, from_fund)?;
		if from_fund > 0 {
			Self::deposit_event(Event::BadDebtCovered {
				who: who.clone(),
				amount: from_fund as u128,
			});
		}
		let remaining = debt - from_fund;
		if remaining > 0 {
			let uncovered = Self::auto_deleverage(market, -liquidated_sign, remaining, work)?;
			Self::credit(who, market, remaining - uncovered)?;
			// What nobody could cover is the fund's: a flat account never keeps a debt that
			// a later deposit would silently pay.
			if uncovered > 0 {
				Self::add_collateral(&insurance, -uncovered)?;
				Self::credit(who, market, uncovered)?;
				Self::deposit_event(Event::DeficitTakenOver {
					who: who.clone(),
					amount: uncovered as u128,
				});
			}
		}
		Ok(())
	}

	/// Takes up to `debt` of unrealised profit from the positions of `market` on the side
	/// `sign` (the opposite of the liquidated position: they gained what it lost), highest
	/// unrealised PnL times leverage first (as Hyperliquid and dYdX rank), closing them at mark
	/// against the insurance fund, which so unwinds what it took over. Candidates come from
	/// that market side's [`PositionHolders`], at most `ADL_SCAN` of them. Leverage is the
	/// position's notional over the margin balance backing it plus its PnL. Returns what is
	/// still uncovered.
	fn auto_deleverage(
		market: MarketId,
		sign: i128,
		mut debt: i128,
		work: &mut LiquidationWork,
	) -> Result<i128, DispatchError> {
		let perp = Self::perp(market)?;
		let mark = Self::mark_price(market, &perp);
		let fund = Self::insurance_fund();
		// Bounded scan: at most `ADL_SCAN` positions are looked at per liquidation.
		let mut winners: Vec<(u128, i128, T::AccountId, Position)> =
			PositionHolders::<T>::iter_key_prefix((market, sign > 0))
				.take(ADL_SCAN)
				.inspect(|_| work.scanned += 1)
				.filter(|who| *who != fund)
				.filter_map(|who| {
					let p = Positions::<T>::get(&who, market)?;
					let value = notional(p.size, mark).ok()?;
					let profit = add(p.quote_balance, value).ok()?;
					(profit > 0).then_some(())?;
					let equity = Self::margin_balance(&who, market).saturating_add(profit).max(1);
					// Ranking only (moves no value): saturating is fine here.
					let score = multiply_by_rational_with_rounding(
						profit.unsigned_abs(),
						value.unsigned_abs(),
						equity.unsigned_abs(),
						Rounding::Down,
					)
					.unwrap_or(u128::MAX);
					Some((score, profit, who, p))
				})
				.collect();
		winners.sort_by_key(|w| core::cmp::Reverse(w.0));
		for (_, profit, who, position) in
			winners.into_iter().take(<T as Config>::MaxDeleverage::get() as usize)
		{
			if debt <= 0 {
				break;
			}
			let taken = profit.min(debt);
			// Close the position at mark (realising its profit), then take `taken` of it.
			let delta = -position.size;
			let counter = Self::insurance_fund();
			Self::apply_trade(&who, market, delta, mark, 0)?;
			Self::apply_trade(&counter, market, -delta, mark, 0)?;
			Self::credit(&who, market, -taken)?;
			Self::release_isolated_if_flat(&who, market)?;
			debt -= taken;
			work.deleveraged += 1;
			Self::deposit_event(Event::AutoDeleveraged {
				who,
				market,
				quantity: position.size.unsigned_abs(),
			});
		}
		Ok(debt)
	}
}
