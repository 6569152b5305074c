//! What each call is charged: the one place the pallet turns what it did into weight.
//!
//! - Calls are charged up front for the most their arguments allow (`*_bound`): an order's
//!   `max_fills` bounds its fills and removals, so an order meant to rest (`max_fills` 0, or
//!   post-only) reserves a resting order's weight, not a block's worth of fills.
//! - After dispatch the weight of what the call did is returned ([`PlaceOutcome`] counts its
//!   fills, removals, makers that could not settle, expiry key and the placer's record size).
//! - Spot orders are weighed by this pallet's benchmarks; perp orders by pallet-perp's, through
//!   [`crate::Settlement::order_weight`], plus the valuation work the actual accounts add
//!   (`settlement_extra`, bounded by `max_escrow_extra` and `max_fill_extra` up front).
//! - Keys every order reads or writes (the market's record, the counters) are whitelisted in
//!   the benchmarks and charged once per block ([`Pallet::hot_keys_weight`], `on_initialize`).
use crate::{batch::BatchAction, *};
use bourse_primitives::orderbook::{MarketKind, TimeInForce};
use frame_support::{traits::Get, weights::Weight};

impl<T: Config> Pallet<T> {
	/// The block's share of the hot keys (see `on_initialize`): the counters, and every
	/// market's record, once per block.
	pub fn hot_keys_weight() -> Weight {
		let markets = NextMarketId::<T>::get() as u64;
		T::DbWeight::get().reads_writes(HOT_KEYS + 1 + markets, HOT_KEYS + markets)
	}

	/// Weight of `create_market`: the new market's record is charged per block from the next
	/// block on ([`Self::hot_keys_weight`]); for the rest of this one, its orders' read and
	/// write of it are charged here.
	pub fn create_market_weight() -> Weight {
		T::WeightInfo::create_market().saturating_add(T::DbWeight::get().reads_writes(1, 1))
	}

	/// Weight of a cancel whose owner's record held `orders` orders; `refilled`: the order was
	/// its side front's last, so the front was refilled from the book.
	pub fn cancel_weight(orders: u32, refilled: bool) -> Weight {
		T::WeightInfo::cancel_order(orders, refilled.into())
	}

	/// Weight of what a replace did.
	pub fn replaced_weight(placed: &PlaceOutcome) -> Weight {
		let fills = placed.fills.saturating_add(placed.rejected);
		Self::replace_weight(placed.kind, fills, placed.removed)
			.saturating_add(placed.settlement_extra)
	}

	/// Weight of `n` spot orders of one market that only rested in one batch, `expiring` of
	/// them with an expiry: they share the reads and writes of the market, the trader's
	/// record and the counters (`batch_places`).
	pub fn rested_places_weight(n: u32, expiring: u32) -> Weight {
		T::WeightInfo::batch_places(n)
			.saturating_add(Self::expiry_weight().saturating_mul(expiring.into()))
	}

	/// Weight of a `place_orders` batch of `n` orders whose orders weighed `orders`, at most
	/// its bound.
	pub fn place_orders_weight(requests: &[OrderRequest], orders: Weight) -> Weight {
		let n = requests.len() as u32;
		T::WeightInfo::place_orders(n).max(orders).min(Self::batch_weight_bound_of(requests))
	}

	/// Weight of an order in a market of `kind` that made `fills` fills and took `removed`
	/// resting orders off the book (expired, self-trade): spot as benchmarked here, perp as
	/// pallet-perp benchmarked it (fills settle as positions); a removal as expiring an order.
	/// (An order that rests is charged with an expiry; [`Self::placed_weight`] refunds it
	/// for one that has none.)
	pub fn order_weight(kind: MarketKind, fills: u32, removed: u32) -> Weight {
		match kind {
			// An order that traded nothing is benchmarked apart: a fill's setup (the
			// taker's settlement, fee entries) is not charged to it.
			MarketKind::Spot if fills == 0 => {
				T::WeightInfo::place_order_resting(1, Self::most_other_orders())
			},
			MarketKind::Spot => T::WeightInfo::place_order(fills),
			MarketKind::Perp => T::PerpSettlement::order_weight(fills),
		}
		.saturating_add(Self::removals_weight(removed))
	}

	/// Weight of what placing an order did.
	pub fn placed_weight(placed: &PlaceOutcome) -> Weight {
		// A maker that could not settle did a fill's work before it was removed.
		let fills = placed.fills.saturating_add(placed.rejected);
		let base = match placed.kind {
			// (The market's record, written when its best prices move, is charged once per
			// block: see `on_initialize`.)
			MarketKind::Spot if fills == 0 => {
				T::WeightInfo::place_order_resting(placed.expiring.into(), placed.resting_before)
					.saturating_add(Self::removals_weight(placed.removed))
			},
			kind => Self::order_weight(kind, fills, placed.removed),
		};
		base.saturating_add(placed.settlement_extra)
	}

	/// What an expiry key adds to a resting order (as `place_order_resting` measures it).
	pub fn expiry_weight() -> Weight {
		let most = Self::most_other_orders();
		T::WeightInfo::place_order_resting(1, most)
			.saturating_sub(T::WeightInfo::place_order_resting(0, most))
	}

	/// Most other orders a placer may rest (its record at its largest): what a resting
	/// order is charged up front for.
	pub fn most_other_orders() -> u32 {
		T::MaxOrdersPerAccount::get().saturating_sub(1)
	}

	/// Most a cancel may weigh: its owner's record at its largest.
	pub fn cancel_weight_bound() -> Weight {
		Self::cancel_weight(T::MaxOrdersPerAccount::get(), true)
	}

	/// Steps (resting orders filled or taken off the book) an order allowed `max_fills`
	/// may make: `max_fills` capped at `MaxFillsPerOrder`, plus one, as a maker that cannot
	/// settle at the last step counts twice; none when it may not match at all.
	pub fn step_bound(max_fills: u32) -> u32 {
		match max_fills.min(T::MaxFillsPerOrder::get()) {
			0 => 0,
			n => n.saturating_add(1),
		}
	}

	/// Steps a limit order may make: a post-only order never matches (it is refused if it
	/// would cross), so none, whatever its `max_fills`.
	pub fn limit_step_bound(time_in_force: TimeInForce, max_fills: u32) -> u32 {
		match time_in_force {
			TimeInForce::PostOnly => 0,
			_ => Self::step_bound(max_fills),
		}
	}

	/// Most an order making up to `steps` steps may weigh, whatever its market.
	pub fn order_weight_bound(steps: u32) -> Weight {
		Self::bound_at(|kind, f| Self::order_weight(kind, f, 0), steps)
	}

	/// Most a limit order with `time_in_force` and `max_fills` may weigh: one that may not
	/// match is charged as an order that rests, so a market maker's quote does not reserve
	/// a block's worth of fills.
	pub fn limit_order_weight_bound(time_in_force: TimeInForce, max_fills: u32) -> Weight {
		Self::order_weight_bound(Self::limit_step_bound(time_in_force, max_fills))
	}

	/// Weight of a replace that made `fills` fills and `removed` removals in a market of
	/// `kind`.
	pub fn replace_weight(kind: MarketKind, fills: u32, removed: u32) -> Weight {
		match kind {
			MarketKind::Spot => T::WeightInfo::replace_order(fills),
			MarketKind::Perp => {
				Self::cancel_weight_bound().saturating_add(T::PerpSettlement::order_weight(fills))
			},
		}
		.saturating_add(Self::removals_weight(removed))
	}

	/// Most a replace making up to `steps` steps may weigh.
	pub fn replace_weight_bound(steps: u32) -> Weight {
		Self::bound_at(|kind, f| Self::replace_weight(kind, f, 0), steps)
	}

	/// Most `orders` may weigh as one `place_orders` batch: each order pays its base, and
	/// together they make at most the steps their `max_fills` allow, and at most one
	/// order's (`MaxFillsPerOrder`, plus one for a maker that cannot settle at the last).
	pub fn batch_weight_bound_of(orders: &[OrderRequest]) -> Weight {
		let (base, per_step) = Self::affine_bound(|kind, f| Self::order_weight(kind, f, 0));
		let steps = Self::shared_steps(
			orders.iter().map(|o| Self::limit_step_bound(o.time_in_force, o.max_fills)),
		);
		let n = orders.len() as u32;
		let orders =
			base.saturating_mul(n.into()).saturating_add(per_step.saturating_mul(steps.into()));
		T::WeightInfo::place_orders(n).max(orders)
	}

	/// Steps a batch makes at most when its orders may make `steps` each: they share one
	/// order's budget.
	pub(crate) fn shared_steps(steps: impl Iterator<Item = u32>) -> u32 {
		steps
			.fold(0u32, |total, s| total.saturating_add(s))
			.min(Self::step_bound(T::MaxFillsPerOrder::get()))
	}

	/// [`Self::affine_bound`] of `weight` at `steps` steps.
	fn bound_at(weight: impl Fn(MarketKind, u32) -> Weight, steps: u32) -> Weight {
		let (base, per_step) = Self::affine_bound(weight);
		base.saturating_add(per_step.saturating_mul(steps.into()))
	}

	fn removals_weight(removed: u32) -> Weight {
		T::WeightInfo::expire_order().saturating_mul(removed.into())
	}

	/// A base and a per-step weight that bound `weight(kind, fills)` plus removals and
	/// settlement extras for both market kinds: the larger intercept (a perp order's with
	/// its most escrow extra) plus, per step, the largest of a fill's cost (a perp fill's
	/// with its most settlement extra) and a removal bounds any mix of steps. The
	/// benchmarked weights are affine in fills from the first fill on, which may cost more
	/// than the next ones, so `(weight(n) - weight(0)) / n` is monotone in `n`: the larger
	/// of the first fill's cost and the mean over the most fills bounds every count.
	pub(crate) fn affine_bound(weight: impl Fn(MarketKind, u32) -> Weight) -> (Weight, Weight) {
		let most = T::MaxFillsPerOrder::get().max(1);
		let slope = |kind| {
			let first = weight(kind, 1).saturating_sub(weight(kind, 0));
			let all = weight(kind, most).saturating_sub(weight(kind, 0));
			let mean = Weight::from_parts(
				all.ref_time().div_ceil(most.into()),
				all.proof_size().div_ceil(most.into()),
			);
			first.max(mean)
		};
		let perp_base =
			weight(MarketKind::Perp, 0).saturating_add(T::PerpSettlement::max_escrow_extra());
		let base = weight(MarketKind::Spot, 0).max(perp_base);
		let perp_fill = slope(MarketKind::Perp).saturating_add(T::PerpSettlement::max_fill_extra());
		let per_step = slope(MarketKind::Spot).max(perp_fill).max(Self::removals_weight(1));
		(base, per_step)
	}

	/// A spot order that made no fill, removed no resting order and needed no settlement
	/// beyond its escrow: what `batch_places` benchmarks per order.
	pub(crate) fn only_rested(placed: &PlaceOutcome) -> bool {
		placed.kind == MarketKind::Spot
			&& placed.fills == 0
			&& placed.removed == 0
			&& placed.rejected == 0
			&& placed.settlement_extra == Weight::zero()
	}

	/// Most one action that made `steps` steps may weigh.
	pub(crate) fn action_weight_bound(action: &BatchAction, steps: u32) -> Weight {
		match action {
			BatchAction::Cancel(_) => Self::cancel_weight_bound(),
			BatchAction::Place(_) => Self::order_weight_bound(steps),
			BatchAction::Replace { .. } => Self::replace_weight_bound(steps),
		}
	}

	/// Most `actions` may weigh as one batch: each action's base (a cancel as a cancel, a
	/// place as a resting order) plus the steps their `max_fills` allow, together at most
	/// one order's budget, at the dearest step.
	pub fn batch_actions_weight_bound(actions: &[BatchAction]) -> Weight {
		let (order_base, order_step) = Self::affine_bound(|k, f| Self::order_weight(k, f, 0));
		let (replace_base, replace_step) = Self::affine_bound(|k, f| Self::replace_weight(k, f, 0));
		let mut total = Weight::zero();
		let steps = Self::shared_steps(actions.iter().map(|action| match action {
			BatchAction::Cancel(_) => 0,
			BatchAction::Place(r) => Self::limit_step_bound(r.time_in_force, r.max_fills),
			// A post-only replacement is refused if it would cross; bounded as if it may.
			BatchAction::Replace { max_fills, .. } => Self::step_bound(*max_fills),
		}));
		for action in actions {
			let base = match action {
				BatchAction::Cancel(_) => Self::cancel_weight_bound(),
				BatchAction::Place(_) => order_base,
				BatchAction::Replace { .. } => replace_base,
			};
			total = total.saturating_add(base);
		}
		total = total.saturating_add(order_step.max(replace_step).saturating_mul(steps.into()));
		total.max(Self::order_weight(MarketKind::Spot, 0, 0))
	}
}
