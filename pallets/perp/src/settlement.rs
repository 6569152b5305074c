//! Perp fills as position changes, order margin, liquidation and deleveraging.
use crate::{
	margin::{add, notional},
	*,
};
use alloc::vec::Vec;
use bourse_primitives::orderbook::{quote_amount, Fill, MarketId, Price, Side, PRICE_SCALE};
use frame_support::{ensure, pallet_prelude::DispatchResult, traits::Get};
use pallet_orderbook::{
	settlement::{SettleError, TakerRole},
	Settlement,
};
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

/// What one trade does to a position: returns the realised PnL (moved into collateral).
fn trade(position: &mut Position, delta: i128, price: Price) -> Result<i128, DispatchError> {
	let quote = |q: i128| -> Result<i128, DispatchError> {
		let amount = quote_amount(price, q.unsigned_abs())
			.ok_or(DispatchError::Arithmetic(sp_runtime::ArithmeticError::Overflow))?;
		i128::try_from(amount)
			.map_err(|_| DispatchError::Arithmetic(sp_runtime::ArithmeticError::Overflow))
	};
	let old = position.size;
	let new = old
		.checked_add(delta)
		.ok_or(DispatchError::Arithmetic(sp_runtime::ArithmeticError::Overflow))?;
	let mut realized = 0;
	if old != 0 && (new == 0 || new.signum() != old.signum()) {
		// Close the old size at `price`: its quote balance plus the closing flow is realised.
		let closing_flow = if old > 0 { quote(old)? } else { -quote(old)? };
		realized = add(position.quote_balance, closing_flow)?;
		// Open whatever is left beyond zero at `price`.
		position.quote_balance = if new > 0 {
			-quote(new)?
		} else if new < 0 {
			quote(new)?
		} else {
			0
		};
	} else if delta > 0 {
		position.quote_balance = add(position.quote_balance, -quote(delta)?)?;
	} else {
		position.quote_balance = add(position.quote_balance, quote(delta)?)?;
	}
	position.size = new;
	position.realized_pnl = add(position.realized_pnl, realized)?;
	Ok(realized)
}

impl<T: Config> Pallet<T> {
	fn perp(market: MarketId) -> Result<PerpMarket, DispatchError> {
		Ok(PerpMarkets::<T>::get(market).ok_or(Error::<T>::NotPerpMarket)?)
	}

	pub(crate) fn track_market(who: &T::AccountId, market: MarketId) -> DispatchResult {
		AccountMarkets::<T>::try_mutate(who, |markets| {
			if !markets.contains(&market) {
				markets.try_push(market).map_err(|_| Error::<T>::TooManyPositions)?;
			}
			Ok(())
		})
	}

	fn untrack_if_idle(who: &T::AccountId, market: MarketId) {
		if Positions::<T>::get(who, market).is_none()
			&& ReservedNotional::<T>::get(who, market) == 0
		{
			AccountMarkets::<T>::mutate(who, |markets| markets.retain(|m| *m != market));
		}
	}

	/// Applies a trade of `delta` at `price` to `who`'s position, settling funding first.
	/// Returns whether the position grew in absolute size.
	pub(crate) fn apply_trade(
		who: &T::AccountId,
		market: MarketId,
		delta: i128,
		price: Price,
		fee: u128,
	) -> Result<bool, DispatchError> {
		Self::track_market(who, market)?;
		Self::settle_funding(who, market)?;
		let perp = Self::perp(market)?;
		let mut position = Positions::<T>::get(who, market).unwrap_or(Position {
			funding_snapshot: perp.cumulative_funding,
			..Default::default()
		});
		let was_open = position.size != 0;
		let old_sign = position.size.signum();
		let before = position.size.unsigned_abs();
		let realized = trade(&mut position, delta, price)?;
		// A flip (long to short or back) opens a new position on the other side: it needs
		// initial margin even when it is not larger than the old one.
		let flipped = was_open && position.size != 0 && position.size.signum() != old_sign;
		let grew = position.size.unsigned_abs() > before || flipped;
		// The fund is exempt: it must always be able to take a position over (its size is
		// bounded by the open interest of bounded positions).
		ensure!(
			position.size.unsigned_abs() <= <T as Config>::MaxPositionSize::get()
				|| *who == Self::insurance_fund(),
			Error::<T>::PositionTooLarge
		);
		let fee = i128::try_from(fee).map_err(|_| Error::<T>::Overflow)?;
		Self::credit(who, market, realized.checked_sub(fee).ok_or(Error::<T>::Overflow)?)?;
		if fee > 0 {
			// Fees of every market, spot and perp, accrue to the order book's fee entries.
			let fee = u128::try_from(fee).map_err(|_| Error::<T>::Overflow)?;
			pallet_orderbook::Pallet::<T>::credit_fee(T::CollateralAsset::get(), fee)?;
		}
		// Open interest counts long sizes.
		let long_before = (position.size - delta).max(0).unsigned_abs();
		let long_after = position.size.max(0).unsigned_abs();
		PerpMarkets::<T>::try_mutate(market, |p| -> DispatchResult {
			if let Some(p) = p {
				p.open_interest = p
					.open_interest
					.checked_add(long_after)
					.and_then(|oi| oi.checked_sub(long_before))
					.ok_or(Error::<T>::Overflow)?;
			}
			Ok(())
		})?;
		Self::note_change(&(b"position", who, market, position.size, position.quote_balance));
		Self::deposit_event(Event::PositionUpdated {
			who: who.clone(),
			market,
			size: position.size,
			quote_balance: position.quote_balance,
			realized_pnl: position.realized_pnl,
		});
		match (was_open, position.size != 0) {
			(false, true) => OpenPositions::<T>::mutate(|n| *n += 1),
			(true, false) => OpenPositions::<T>::mutate(|n| *n = n.saturating_sub(1)),
			_ => {},
		}
		let new_sign = position.size.signum();
		if new_sign != old_sign {
			if old_sign != 0 {
				PositionHolders::<T>::remove((market, old_sign > 0), who);
			}
			if new_sign != 0 {
				PositionHolders::<T>::insert((market, new_sign > 0), who, ());
			}
		}
		if position.size == 0 {
			Positions::<T>::remove(who, market);
			Self::untrack_if_idle(who, market);
		} else {
			Positions::<T>::insert(who, market, position);
		}
		Ok(grew)
	}

	fn notional_of(
		side: Side,
		base: u128,
		quote: u128,
		price: Option<Price>,
	) -> Result<u128, DispatchError> {
		Ok(match side {
			Side::Buy => quote,
			Side::Sell => quote_amount(price.ok_or(Error::<T>::Overflow)?, base)
				.ok_or(Error::<T>::Overflow)?,
		})
	}

	/// Liquidates `who` in `market` (see the crate docs for the procedure).
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

impl<T: Config> Settlement<T::AccountId> for Pallet<T> {
	fn escrow(
		market: MarketId,
		who: &T::AccountId,
		side: Side,
		base: u128,
		quote: u128,
		price: Option<Price>,
		may_rest: bool,
	) -> Result<frame_support::weights::Weight, DispatchError> {
		let notional = Self::notional_of(side, base, quote, price)?;
		Self::perp(market)?;
		Self::track_market(who, market)?;
		// Charged whether or not the margin check below runs (simpler, and an upper bound).
		let extra = Self::valuation_extra(who);
		ReservedNotional::<T>::try_mutate(who, market, |r| -> DispatchResult {
			*r = r.checked_add(notional).ok_or(Error::<T>::Overflow)?;
			Ok(())
		})?;
		// An order that trades at once and can only reduce the position needs no new margin
		// (else an under-margined account, or its liquidation, could never close). One that
		// may rest is margined: resting "reducing" orders could add up past the position, or
		// outlive it, and then fail every taker that reaches them for free.
		let size = Positions::<T>::get(who, market).map_or(0, |p| p.size);
		let quantity = match side {
			Side::Sell => base,
			Side::Buy => price.map_or(u128::MAX, |p| quote.saturating_mul(PRICE_SCALE) / p.max(1)),
		};
		let reducing = match side {
			Side::Sell => size > 0 && quantity <= size.unsigned_abs(),
			Side::Buy => size < 0 && quantity <= size.unsigned_abs(),
		};
		if reducing && !may_rest {
			return Ok(extra);
		}
		// A resting order reduces only when it is the account's only one on its side of the
		// market: two resting sells that each fit a long add up past it (and would open a
		// short nobody margined). The account's order index is one read.
		let reducing = reducing && {
			let account = pallet_orderbook::Pallet::<T>::trading_account(who);
			let others = account.refs().any(|r| r.market == market && r.side == side);
			!others
		};
		let extra = extra.saturating_add(T::DbWeight::get().reads(1));
		// No new exposure against a stale index (reducing is always possible).
		if !reducing {
			Self::ensure_fresh(market)?;
		}
		// Resting orders are margined from free collateral (the account level).
		Self::ensure_account_initial_margin(who, Error::<T>::InsufficientMargin)?;
		Ok(extra)
	}

	fn max_escrow_extra() -> frame_support::weights::Weight {
		// Valuing every market, and the account's order index.
		Self::max_valuation_extra().saturating_add(T::DbWeight::get().reads(1))
	}

	fn release(
		market: MarketId,
		who: &T::AccountId,
		side: Side,
		base: u128,
		quote: u128,
		price: Option<Price>,
	) -> DispatchResult {
		let notional = Self::notional_of(side, base, quote, price)?;
		ReservedNotional::<T>::mutate(who, market, |r| *r = r.saturating_sub(notional));
		Self::untrack_if_idle(who, market);
		Ok(())
	}

	fn order_weight(fills: u32) -> frame_support::weights::Weight {
		Self::perp_order_weight(fills)
	}

	fn max_fill_extra() -> frame_support::weights::Weight {
		Self::max_fill_valuation_extra()
	}

	/// Errors name the side that caused them: the order book cancels a maker that cannot
	/// settle (its margin would break, its position would pass the bounds) and goes on.
	fn settle(
		fill: &Fill<T::AccountId>,
		taker: TakerRole,
	) -> Result<frame_support::weights::Weight, SettleError> {
		let blame = |who: &T::AccountId| {
			let maker = *who == fill.maker;
			move |e: DispatchError| {
				if maker {
					SettleError::Maker(e)
				} else {
					SettleError::Taker(e)
				}
			}
		};
		// The maker's resting margin for the filled part is no longer reserved.
		ReservedNotional::<T>::mutate(&fill.maker, fill.market, |r| {
			*r = r.saturating_sub(fill.quote)
		});
		let q = i128::try_from(fill.quantity)
			.map_err(|_| SettleError::Taker(Error::<T>::Overflow.into()))?;
		let (buyer, seller, buyer_fee, seller_fee) = match fill.taker_side {
			Side::Buy => (&fill.taker, &fill.maker, fill.taker_fee, fill.maker_fee),
			Side::Sell => (&fill.maker, &fill.taker, fill.maker_fee, fill.taker_fee),
		};
		let buyer_grew = Self::apply_trade(buyer, fill.market, q, fill.price, buyer_fee)
			.map_err(blame(buyer))?;
		let seller_grew = Self::apply_trade(seller, fill.market, -q, fill.price, seller_fee)
			.map_err(blame(seller))?;
		// A fill that grows a position (or flips it to the other side) must leave its owner
		// above initial margin (an isolated position is first topped up from free collateral).
		// Reducing is allowed below margin (else an under-margined trader could not get out),
		// but never into bankruptcy: a long selling far below mark to a friend would hand the
		// friend a loss the vault pays. The account under liquidation is bounded by its
		// liquidation price instead, and the fund takes on what it must.
		let liquidating = (taker == TakerRole::Liquidation).then_some(&fill.taker);
		let fund = Self::insurance_fund();
		for (who, grew) in [(buyer, buyer_grew), (seller, seller_grew)] {
			if grew {
				// No new exposure at a stale index, however the order was placed (a resting
				// order may have been placed while the index was fresh, or as reducing). The
				// fund is exempt: it must take over what liquidations leave.
				if *who != fund && !Self::is_fresh(fill.market) {
					return Err(blame(who)(Error::<T>::StalePrice.into()));
				}
				Self::top_up_isolated(who, fill.market).map_err(blame(who))?;
				Self::ensure_initial_margin(who, fill.market).map_err(blame(who))?;
			} else if liquidating != Some(who) && *who != fund {
				Self::ensure_solvent(who, fill.market).map_err(blame(who))?;
			}
		}
		// A closed isolated position returns its margin, except to an account under
		// liquidation: the penalty is taken from that margin first.
		for who in [buyer, seller] {
			if liquidating != Some(who) {
				Self::release_isolated_if_flat(who, fill.market).map_err(blame(who))?;
			}
		}
		Ok(Self::valuation_extra(&fill.maker).saturating_add(Self::valuation_extra(&fill.taker)))
	}
}
