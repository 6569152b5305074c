//! What perp calls and hooks are charged: the one place this pallet turns what it did into
//! weight. Perp orders are placed through pallet-orderbook, which charges them with
//! [`Pallet::perp_order_weight`] and the valuation extras below (its `weighing` module).
//!
//! The benchmarks value accounts that trade one market; an account trading more is valued in
//! every one of them by margin checks, priced by `withdraw_collateral`'s per-market slope
//! ([`Pallet::markets_beyond_one_weight`]) and charged on top.
use crate::*;
use frame_support::{traits::Get, weights::Weight};

impl<T: Config> Pallet<T> {
	/// Weight of a perp order that made `fills` fills, as benchmarked (`place_perp_order`).
	pub fn perp_order_weight(fills: u32) -> Weight {
		<T as Config>::WeightInfo::place_perp_order(fills)
	}

	/// Most valuing one account costs beyond the benchmark: the benchmarked taker trades one
	/// market; one with positions in more costs `withdraw_collateral`'s per-market slope for
	/// each.
	pub fn max_valuation_extra() -> Weight {
		let most_markets = T::MaxPositionsPerAccount::get().min(T::MaxPerpMarkets::get());
		Self::markets_beyond_one_weight(most_markets)
	}

	/// Most one fill's margin checks cost beyond the benchmark: the benchmarked maker and
	/// taker trade one market; each side trading more is valued in every one of them.
	pub fn max_fill_valuation_extra() -> Weight {
		Self::max_valuation_extra().saturating_mul(2)
	}

	/// Weight of settling `positions` positions of a closed market whose bad debt did
	/// `work`: each position as a liquidation without book fills (its close, the fund's
	/// cover and one deleveraged position), plus the deleveraging work beyond that.
	pub fn settle_weight(positions: u32, work: liquidation::LiquidationWork) -> Weight {
		let per_position = Self::liquidation_weight(liquidation::LiquidationWork {
			markets: T::MaxPositionsPerAccount::get(),
			..Default::default()
		});
		let w = |f| <T as Config>::WeightInfo::place_perp_order(f);
		let per_fill = w(1).saturating_sub(w(0));
		per_position
			.saturating_mul(positions.into())
			.saturating_add(per_fill.saturating_mul(work.deleveraged.into()))
			.saturating_add(T::DbWeight::get().reads(u64::from(work.scanned).saturating_mul(3)))
	}

	/// Weight of a liquidation that did `work`, from benchmarked parts: `liquidate` (the
	/// insurance fund takes the position over and one position is deleveraged) plus each
	/// further deleveraged position priced as a perp fill (`place_perp_order`'s slope),
	/// each step against the book as the dearer of a perp fill (with the most a maker's
	/// other markets add) and an order removal (pallet-orderbook's `expire_order`), and
	/// each deleveraging candidate as three reads.
	pub fn liquidation_weight(work: liquidation::LiquidationWork) -> Weight {
		let w = |f| <T as Config>::WeightInfo::place_perp_order(f);
		let per_fill = w(1).saturating_sub(w(0));
		let removal =
			<<T as pallet_orderbook::Config>::WeightInfo as pallet_orderbook::WeightInfo>::expire_order();
		let book_fill =
			per_fill.saturating_add(<Self as pallet_orderbook::Settlement<_>>::max_fill_extra());
		let per_book_step = book_fill.max(removal);
		let adl_trades = work.deleveraged.saturating_sub(1);
		<T as Config>::WeightInfo::liquidate()
			.saturating_add(per_book_step.saturating_mul(work.fills.into()))
			.saturating_add(per_fill.saturating_mul(adl_trades.into()))
			// Per candidate: its index key, its position and its margin balance.
			.saturating_add(T::DbWeight::get().reads(u64::from(work.scanned).saturating_mul(3)))
			.saturating_add(Self::markets_beyond_one_weight(work.markets))
	}

	/// Weight of `on_initialize` refreshing `markets` markets, as benchmarked (`funding`:
	/// every market due, each with a fresh oracle observation and books so thin that both
	/// impact walks read all `MaxImpactOrders` orders).
	pub fn refresh_prices_weight(markets: u32) -> Weight {
		<T as Config>::WeightInfo::funding(markets)
	}

	/// Weight of `add_isolated_margin` by an account trading `markets` markets.
	pub fn add_isolated_margin_weight(markets: u32) -> Weight {
		<T as Config>::WeightInfo::add_isolated_margin()
			.saturating_add(Self::markets_beyond_one_weight(markets))
	}

	/// Weight of valuing `who`'s margin in all the markets it trades beyond the one the
	/// benchmarks price (perp orders and fills charge it on top).
	pub(crate) fn valuation_extra(who: &T::AccountId) -> Weight {
		Self::markets_beyond_one_weight(Self::markets_traded(who))
	}

	/// Extra weight of settling funding and valuing margin in `markets` markets of an
	/// account instead of one: `withdraw_collateral` does just that pass, so its benchmark
	/// prices it.
	pub fn markets_beyond_one_weight(markets: u32) -> Weight {
		let w = |p| <T as Config>::WeightInfo::withdraw_collateral(p);
		w(markets.max(1)).saturating_sub(w(1))
	}

	/// Weight of [`Self::unwind_fund`] at most: an order of `FundUnwindFills` perp fills.
	pub fn unwind_fund_weight() -> Weight {
		let fills = T::FundUnwindFills::get();
		<T as Config>::WeightInfo::place_perp_order(fills).saturating_add(
			<Self as pallet_orderbook::Settlement<_>>::max_fill_extra()
				.saturating_mul(fills.into()),
		)
	}
}
