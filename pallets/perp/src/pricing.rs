//! Index, mark and funding prices, refreshed once per block before any transaction.
//!
//! For each perp market, `on_initialize`:
//! 1. **Index.** Takes the oracle's price ([`Config::Oracle`]: in the runtime, pallet-oracle's
//!    median of the validators' latest observations). It moves the index at most
//!    [`Config::MaxIndexMovePpm`] per block (a larger jump is reached over several blocks and
//!    says so in `IndexPriceClamped`). An observation older than [`Config::MaxOracleAge`] is
//!    not used: the index keeps its last good value and is *stale* (see below).
//! 2. **Premium.** With the impact bid `ib` and impact ask `ia` (the prices at which
//!    [`Config::ImpactNotional`] of quote would fill on each side, see
//!    `pallet_orderbook::Pallet::impact_price`; a side without that depth in its first
//!    [`Config::MaxImpactOrders`] orders has none):
//!    `premium = max(ib - index, 0) - max(index - ia, 0)` (a missing side contributes 0).
//! 3. **Basis.** An exponential moving average of the premium over
//!    [`Config::BasisEmaBlocks`] blocks: `basis += (premium - basis) / BasisEmaBlocks`.
//!    The impact notional is the larger of [`Config::ImpactNotional`] and
//!    [`Config::ImpactOpenInterestPpm`] of the open interest's notional at the index: moving
//!    the premium of a market that holds more positions takes more resting size.
//! 4. **Mark.** `median(index, index + premium, index + basis)`, rounded to the tick grid
//!    toward the index and held within the market's **mark band** around the index: half
//!    its maintenance margin ([`Pallet::mark_band`]). It holds for the whole block, so an
//!    order placed in a block cannot move the mark that judges it; moving it at all takes
//!    depth (the impact notional) and time (the basis), and never farther than the band.
//!    Margin is judged at both the index and the mark (see [`crate::margin`]): a position is
//!    liquidated only when under maintenance at both, so resting orders alone (which move the
//!    mark, not the oracle's index) cannot liquidate a position that is healthy at the index.
//! 5. **Funding**, when the market's interval has passed: the time-weighted average premium
//!    of the interval (one sample per block), clamped to `±max_funding_rate * index`, per
//!    `PRICE_SCALE` base units; longs pay shorts when it is positive. The cumulative index
//!    moves in whole ticks, so every payment is exact on the tick and lot grid; the part
//!    below a tick is carried into the next interval, so small rates are paid in time
//!    rather than rounded to zero.
//!
//! **Stale index.** While the oracle's observation is older than `MaxOracleAge`: orders that
//! may open or grow a position, withdrawals and margin removals of accounts with positions
//! are refused (`StalePrice`); liquidations and funding go on with the last good index and
//! emit `StalePriceUsed`.
use crate::*;
use bourse_primitives::orderbook::{MarketId, Price, Side};
use bourse_primitives::Balance;
use frame_support::{ensure, pallet_prelude::DispatchResult, traits::Get};
use sp_runtime::{helpers_128bit::multiply_by_rational_with_rounding, Rounding};

/// Where index prices come from: the runtime reads pallet-oracle's combined value.
pub trait IndexOracle {
	/// The combined observation of `market`'s price and when it was made (milliseconds since
	/// the Unix epoch), if any.
	fn price(market: MarketId) -> Option<(Price, u64)>;
	/// The chain's time now, in milliseconds since the Unix epoch.
	fn now() -> u64;
	/// Benchmarks: make `price` the current observation of `market`.
	#[cfg(feature = "runtime-benchmarks")]
	fn set_price(market: MarketId, price: Price);
}

/// No oracle: indices come from `set_oracle_price` only (tests, chains without operators).
impl IndexOracle for () {
	fn price(_: MarketId) -> Option<(Price, u64)> {
		None
	}
	fn now() -> u64 {
		0
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn set_price(_: MarketId, _: Price) {}
}

/// Running price state of a perp market (see the module docs).
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Default,
	codec::Encode,
	codec::Decode,
	codec::MaxEncodedLen,
	scale_info::TypeInfo,
)]
pub struct MarketPrices {
	/// Mark price of the current block (0: not computed yet; the index stands in).
	pub mark: Price,
	/// When the observation behind the index was made (ms since the Unix epoch; 0: never by
	/// the oracle or `set_oracle_price`).
	pub index_observed_at: u64,
	/// The basis: moving average of the premium, in price units.
	pub basis: i128,
	/// Sum of this funding interval's premium samples, in price units.
	pub premium_sum: i128,
	/// Number of samples in `premium_sum`.
	pub premium_samples: u32,
	/// Funding not paid yet because it is less than a tick, in millionths of a price unit.
	pub funding_carry: i128,
}

/// `median(a, b, c)`.
fn median(a: i128, b: i128, c: i128) -> i128 {
	a.max(b).min(a.min(b).max(c))
}

impl<T: Config> Pallet<T> {
	/// Refreshes `market`'s index, premium, basis and mark, and pays funding when due.
	pub(crate) fn refresh_prices(market: MarketId, now_block: u32) {
		let Some(mut perp) = PerpMarkets::<T>::get(market) else { return };
		let Some(book) = pallet_orderbook::Pallet::<T>::market(market) else { return };
		// A closed market's prices stay where they were: it settles at its last index.
		if book.status == bourse_primitives::orderbook::MarketStatus::Closed {
			return;
		}
		let tick = book.tick_size.max(1);
		let mut prices = Prices::<T>::get(market);
		if Self::ingest_oracle(market, &book, &mut perp, &mut prices) {
			PerpMarkets::<T>::insert(market, &perp);
		}
		if perp.index_price == 0 {
			return;
		}
		let premium = Self::premium(market, &perp);
		let ema_blocks = T::BasisEmaBlocks::get().max(1) as i128;
		prices.basis += (premium - prices.basis) / ema_blocks;
		prices.premium_sum = prices.premium_sum.saturating_add(premium);
		prices.premium_samples = prices.premium_samples.saturating_add(1);
		prices.mark = Self::compute_mark(&perp, premium, prices.basis, tick);
		if now_block >= perp.last_funding_block.saturating_add(perp.funding_interval) {
			Self::pay_funding(market, &mut perp, &mut prices, tick, now_block);
			PerpMarkets::<T>::insert(market, &perp);
		}
		Prices::<T>::insert(market, prices);
	}

	/// Moves the index toward the oracle's fresh observation, at most `MaxIndexMovePpm`.
	/// Returns whether the index changed.
	fn ingest_oracle(
		market: MarketId,
		book: &bourse_primitives::orderbook::Market,
		perp: &mut PerpMarket,
		prices: &mut MarketPrices,
	) -> bool {
		let Some((observed, at)) = T::Oracle::price(market) else { return false };
		let now = T::Oracle::now();
		if now.saturating_sub(at) > T::MaxOracleAge::get() || at < prices.index_observed_at {
			return false;
		}
		let tick = book.tick_size.max(1);
		// On the tick grid (down), so every PnL and funding amount stays exact.
		let target = observed / tick * tick;
		if target == 0 || pallet_orderbook::Pallet::<T>::check_price(book, target).is_err() {
			Self::deposit_event(Event::OraclePriceRejected { market, price: observed });
			return false;
		}
		prices.index_observed_at = at;
		let old = perp.index_price;
		let applied = if old == 0 {
			target
		} else {
			let step = (old.saturating_mul(T::MaxIndexMovePpm::get() as u128) / 1_000_000 / tick
				* tick)
				.max(tick);
			target.clamp(old.saturating_sub(step).max(tick), old.saturating_add(step))
		};
		if applied == old {
			return false;
		}
		perp.index_price = applied;
		Self::note_change(&(b"index", market, applied));
		if applied == target {
			Self::deposit_event(Event::IndexPriceSet { market, price: applied });
		} else {
			Self::deposit_event(Event::IndexPriceClamped { market, observed, applied });
		}
		true
	}

	/// This block's premium of the book over the index (see the module docs), in price units.
	pub(crate) fn premium(market: MarketId, perp: &PerpMarket) -> i128 {
		let notional = Self::impact_notional(perp);
		let impact = |side| {
			pallet_orderbook::Pallet::<T>::impact_price(
				market,
				side,
				notional,
				T::MaxImpactOrders::get(),
			)
		};
		// Prices are bounded by the order book's `MaxPrice` (far below i128::MAX).
		let index = perp.index_price as i128;
		let above = impact(Side::Buy).map_or(0, |bid| (bid as i128 - index).max(0));
		let below = impact(Side::Sell).map_or(0, |ask| (index - ask as i128).max(0));
		above - below
	}

	/// Quote notional whose fill price is a side's impact price: `ImpactNotional`, or
	/// `ImpactOpenInterestPpm` of the open interest valued at the index when that is more.
	pub fn impact_notional(perp: &PerpMarket) -> Balance {
		let open = bourse_primitives::orderbook::quote_amount(perp.index_price, perp.open_interest)
			.unwrap_or(u128::MAX);
		let share = multiply_by_rational_with_rounding(
			open,
			T::ImpactOpenInterestPpm::get() as u128,
			1_000_000,
			Rounding::Up,
		)
		.unwrap_or(u128::MAX);
		T::ImpactNotional::get().max(share)
	}

	/// Largest distance of the mark from the index, in price units: half the market's
	/// maintenance margin of the index. Liquidation needs the position under maintenance at
	/// both prices, so a position kept above it at the mark alone (a trader propping the mark
	/// up with its own orders) is liquidated while its equity at the index still holds at
	/// least the other half: the delay cannot turn into bad debt.
	pub fn mark_band(perp: &PerpMarket) -> Price {
		multiply_by_rational_with_rounding(
			perp.index_price,
			(perp.maintenance_margin_ppm / 2) as u128,
			1_000_000,
			Rounding::Down,
		)
		.unwrap_or(0)
	}

	/// `median(index, index + premium, index + basis)` within the mark band around the
	/// index, on the tick grid toward the index, at least a tick.
	fn compute_mark(perp: &PerpMarket, premium: i128, basis: i128, tick: Price) -> Price {
		let index = perp.index_price as i128;
		let band = Self::mark_band(perp) as i128;
		let mark = median(index, index.saturating_add(premium), index.saturating_add(basis))
			.clamp(index - band, index + band);
		let tick = tick as i128;
		// Toward the index: the rounding never leaves the band.
		let offset = (mark - index) / tick * tick;
		(index + offset).max(tick) as Price
	}

	/// Pays the interval's funding into the cumulative index (see the module docs).
	fn pay_funding(
		market: MarketId,
		perp: &mut PerpMarket,
		prices: &mut MarketPrices,
		tick: Price,
		now_block: u32,
	) {
		let index = perp.index_price as i128;
		let samples = prices.premium_samples.max(1) as i128;
		// Millionths of a price unit: the average premium, clamped to the largest rate.
		let bound = index.saturating_mul(perp.max_funding_rate_ppm as i128);
		let average = prices.premium_sum.saturating_mul(1_000_000) / samples;
		let average = average.clamp(-bound, bound);
		let rate_ppm = average / index.max(1);
		let owed = prices.funding_carry.saturating_add(average);
		let tick_micro = (tick as i128).saturating_mul(1_000_000);
		let ticks = owed / tick_micro;
		prices.funding_carry = owed - ticks * tick_micro;
		let delta = ticks * tick as i128;
		let Some(cumulative) = perp.cumulative_funding.checked_add(delta) else { return };
		perp.cumulative_funding = cumulative;
		perp.last_funding_rate_ppm = rate_ppm as i64;
		perp.last_funding_block = now_block;
		prices.premium_sum = 0;
		prices.premium_samples = 0;
		Self::note_change(&(b"funding", market, cumulative, prices.funding_carry));
		if !Self::is_fresh(market) {
			Self::deposit_event(Event::StalePriceUsed {
				market,
				index_price: perp.index_price,
				observed_at: prices.index_observed_at,
			});
		}
		Self::deposit_event(Event::FundingApplied {
			market,
			rate_ppm: rate_ppm as i64,
			cumulative,
		});
	}

	/// Mark price: this block's (see the module docs), or the index before the first refresh.
	pub fn mark_price(market: MarketId, perp: &PerpMarket) -> Price {
		match Prices::<T>::get(market).mark {
			0 => perp.index_price,
			mark => mark,
		}
	}

	/// Whether `market`'s index rests on an observation at most `MaxOracleAge` old.
	pub fn is_fresh(market: MarketId) -> bool {
		let observed = Prices::<T>::get(market).index_observed_at;
		T::Oracle::now().saturating_sub(observed) <= T::MaxOracleAge::get()
	}

	/// Refuses while `market`'s index is stale.
	pub(crate) fn ensure_fresh(market: MarketId) -> DispatchResult {
		ensure!(Self::is_fresh(market), Error::<T>::StalePrice);
		Ok(())
	}

	/// Refuses while the index of any market `who` holds a position in is stale.
	pub(crate) fn ensure_fresh_positions(who: &T::AccountId) -> DispatchResult {
		for market in AccountMarkets::<T>::get(who).iter() {
			if Positions::<T>::contains_key(who, market) {
				Self::ensure_fresh(*market)?;
			}
		}
		Ok(())
	}

	/// Sets `market`'s index directly (`set_oracle_price`, genesis): observed now, mark
	/// recomputed with the current basis.
	pub(crate) fn set_index(market: MarketId, perp: &mut PerpMarket, price: Price) {
		perp.index_price = price;
		let tick = pallet_orderbook::Pallet::<T>::market(market).map_or(1, |m| m.tick_size.max(1));
		let premium = Self::premium(market, perp);
		Prices::<T>::mutate(market, |p| {
			p.index_observed_at = T::Oracle::now();
			p.mark = Self::compute_mark(perp, premium, p.basis, tick);
		});
		Self::note_change(&(b"index", market, price));
	}
}
