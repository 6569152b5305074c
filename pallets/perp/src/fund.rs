//! The insurance fund's positions and the end of a market.
//!
//! * **Unwinding.** Positions the fund took over from liquidations are sold back to the book
//!   over time: every block, one market (round-robin) in which the fund holds a position gets
//!   an immediate-or-cancel order of the fund against the book, of at most
//!   [`Config::FundUnwindFills`] resting orders, no farther from mark than the maintenance
//!   margin (the band liquidations use). What the book does not take waits for later blocks.
//! * **Settlement.** Once a perp market is closed on the order book, anyone may call
//!   `settle_closed_market`: each call closes up to [`MAX_SETTLE_PER_CALL`] positions at the
//!   market's last index price (frozen when it closed), realising their PnL and funding into
//!   their margin. A position that ends under water is covered like a liquidation's bad
//!   debt (the fund, then deleveraging; one deleveraging per call). Settling every position
//!   at one price is zero-sum.
use crate::*;
use bourse_primitives::orderbook::{MarketId, MarketStatus, SelfTradePrevention, Side};
use frame_support::{pallet_prelude::*, traits::Get};
use sp_runtime::DispatchError;

/// Most positions one `settle_closed_market` call closes.
pub const MAX_SETTLE_PER_CALL: u32 = 8;

impl<T: Config> Pallet<T> {
	/// Unwinds the fund's position in this block's market, if any (see the module docs).
	pub(crate) fn unwind_fund(now: u32) {
		let markets = MarketIds::<T>::get();
		if markets.is_empty() {
			return;
		}
		let market = markets[now as usize % markets.len()];
		let fund = Self::insurance_fund();
		let Some(position) = Positions::<T>::get(&fund, market) else { return };
		let Some(book) = pallet_orderbook::Pallet::<T>::market(market) else { return };
		let Some(perp) = PerpMarkets::<T>::get(market) else { return };
		let mark = Self::mark_price(market, &perp);
		// At a stale index the makers it would meet cannot take on exposure (their orders
		// would be cancelled as `CannotSettle`): the fund waits for a fresh price.
		if book.status == MarketStatus::Closed || mark == 0 || !Self::is_fresh(market) {
			return;
		}
		let tick = book.tick_size.max(1);
		let band = mark.saturating_mul(perp.maintenance_margin_ppm as u128) / 1_000_000;
		let (side, worst) = if position.size > 0 {
			(Side::Sell, mark.saturating_sub(band).div_ceil(tick).saturating_mul(tick).max(tick))
		} else {
			(Side::Buy, mark.saturating_add(band) / tick * tick)
		};
		// All or nothing: a failed attempt leaves no partial state.
		let result = frame_support::storage::with_storage_layer(|| {
			pallet_orderbook::Pallet::<T>::place_ioc(
				&fund,
				market,
				side,
				position.size.unsigned_abs(),
				worst,
				SelfTradePrevention::CancelMaker,
				T::FundUnwindFills::get(),
			)
		});
		match result {
			Ok(outcome) if outcome.filled > 0 => Self::deposit_event(Event::FundUnwound {
				market,
				quantity: outcome.filled,
				remaining: Positions::<T>::get(&fund, market).map_or(0, |p| p.size),
			}),
			Ok(_) => {},
			Err(e) => log::debug!(target: "runtime::perp", "fund unwind in market {market}: {e:?}"),
		}
	}

	/// Closes up to `max` positions of the closed `market` at its last index price; returns
	/// how many it closed and the work their bad debt took.
	pub(crate) fn do_settle_closed_market(
		market: MarketId,
		max: u32,
	) -> Result<(u32, liquidation::LiquidationWork), DispatchError> {
		let book =
			pallet_orderbook::Pallet::<T>::market(market).ok_or(Error::<T>::MarketNotFound)?;
		ensure!(book.status == MarketStatus::Closed, Error::<T>::MarketNotClosed);
		let perp = PerpMarkets::<T>::get(market).ok_or(Error::<T>::MarketNotFound)?;
		ensure!(perp.index_price > 0, Error::<T>::NoIndexPrice);
		let max = max.clamp(1, MAX_SETTLE_PER_CALL) as usize;
		// Deleveraging for bad debt closes at mark: the same price as everyone else.
		Prices::<T>::mutate(market, |p| p.mark = perp.index_price);
		let holders: alloc::vec::Vec<(bool, T::AccountId)> = [true, false]
			.into_iter()
			.flat_map(|long| {
				PositionHolders::<T>::iter_key_prefix((market, long)).map(move |w| (long, w))
			})
			.take(max)
			.collect();
		ensure!(!holders.is_empty(), Error::<T>::NoPosition);
		let mut work = liquidation::LiquidationWork::default();
		let mut settled = 0u32;
		for (long, who) in holders.iter() {
			// One deleveraging scan per call at most (it bounds the call's weight): the rest
			// waits for the next call.
			if work.scanned > 0 {
				break;
			}
			settled += 1;
			let Some(position) = Positions::<T>::get(who, market) else { continue };
			Self::apply_trade(who, market, -position.size, perp.index_price, 0)?;
			let sign = if *long { 1 } else { -1 };
			Self::cover_bad_debt(who, market, sign, &mut work)?;
			Self::release_isolated_if_flat(who, market)?;
			Self::deposit_event(Event::PositionSettled {
				who: who.clone(),
				market,
				size: position.size,
				price: perp.index_price,
			});
		}
		Ok((settled, work))
	}
}
