//! The matching engine: price-time priority over an abstract book store.
//!
//! Plain Rust with no FRAME dependency, so it is unit- and property-tested natively and
//! benchmarked both over memory ([`memory::MemoryBook`]) and over chain storage (the pallet's
//! `StorageBook`). Matching is planned first ([`plan_match`] reads the book and returns a
//! [`MatchPlan`] of typed [`Step`]s) and then applied ([`apply_step`] makes a step's change to
//! the book); settling funds is the caller's job, done as it applies each fill.
pub mod memory;
#[cfg(test)]
mod tests;

use alloc::vec::Vec;
use bourse_primitives::orderbook::{
	quote_amount, MarketId, Order, OrderId, Price, Quantity, SelfTradePrevention, Side, PRICE_SCALE,
};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Where a resting order sits: enough to find it in the book without a search.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct OrderRef {
	/// Order id (also its time priority).
	pub id: OrderId,
	/// Market of the book.
	pub market: MarketId,
	/// Side of the book.
	pub side: Side,
	/// Price level.
	pub price: Price,
}

impl OrderRef {
	/// Where `order` rests.
	pub fn of<A>(order: &Order<A>) -> Self {
		Self { id: order.id, market: order.market, side: order.side, price: order.price }
	}
}

/// Storage access the engine needs. Implemented over memory and over FRAME storage.
///
/// Orders are kept in book order: by market and side, then best price first, then oldest
/// (smallest id) first. A price level is nothing but its orders' run in that order: no level
/// record, no links between orders, so an order joins the book with one write.
pub trait BookStore<AccountId> {
	/// The order at `at`, if it rests.
	fn order(&self, at: &OrderRef) -> Option<Order<AccountId>>;
	/// Writes an order (under its market, side, price and id).
	fn put_order(&mut self, order: &Order<AccountId>);
	/// Changes resting order `at` in place; false if it does not rest. The default reads and
	/// writes it back; a store that can mutate in place saves the copy.
	fn modify_order(&mut self, at: &OrderRef, f: impl FnOnce(&mut Order<AccountId>)) -> bool {
		match self.order(at) {
			Some(mut order) => {
				f(&mut order);
				self.put_order(&order);
				true
			},
			None => false,
		}
	}
	/// Deletes an order.
	fn remove_order(&mut self, at: &OrderRef);
	/// The first resting order on `side` of `market` at `price` or behind it in book order
	/// (the oldest of that level, or of the next level when it has none).
	fn first_from(&self, market: MarketId, side: Side, price: Price) -> Option<OrderRef>;
	/// The resting order right behind `at` in book order (its level's next, or the oldest of
	/// the next level).
	fn next_after(&self, at: &OrderRef) -> Option<OrderRef>;
	/// The first order of `side` in book order (best price, oldest). A store keeps it current
	/// as orders are put and removed, so matching starts there without an ordered lookup.
	fn first(&self, market: MarketId, side: Side) -> Option<OrderRef>;
	/// Best price on `side`: highest bid or lowest ask.
	fn best_price(&self, market: MarketId, side: Side) -> Option<Price> {
		self.first(market, side).map(|at| at.price)
	}
}

/// Whether `price` is better than `than` on `side` (higher bid, lower ask).
pub fn better(side: Side, price: Price, than: Price) -> bool {
	match side {
		Side::Buy => price > than,
		Side::Sell => price < than,
	}
}

/// Why the engine refused an operation. Nothing was changed when it returns one.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EngineError {
	/// The order is not on the book.
	UnknownOrder,
}

/// Limits of one matching call.
#[derive(Clone, Copy, Debug)]
pub struct MatchLimits {
	/// Most resting orders one incoming order may take off or trade with: fills plus makers
	/// removed on the way (expired, self-trade). Removals cost work like fills, so they count;
	/// a maker the caller finds cannot settle counts twice (a fill rolled back and a removal,
	/// see [`Progress`]), so the last one may end at `max_fills + 1` steps.
	pub max_fills: u32,
	/// Block number now: makers whose expiry is before it are removed, not matched.
	pub now: u32,
}

/// An order arriving at the book.
#[derive(Clone, Debug)]
pub struct Incoming<AccountId> {
	/// Its id (taker order id in fills).
	pub id: OrderId,
	/// Market.
	pub market: MarketId,
	/// Trader.
	pub owner: AccountId,
	/// Buy or sell.
	pub side: Side,
	/// Worst acceptable price; `None` for a market order.
	pub limit: Option<Price>,
	/// Base quantity wanted.
	pub quantity: Quantity,
	/// Market buys: most quote to spend, and the lot size to round quantities down to.
	pub quote_cap: Option<(u128, Quantity)>,
	/// What to do on meeting the trader's own resting order.
	pub self_trade: SelfTradePrevention,
}

/// A trade the engine made; the caller settles it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EngineFill<AccountId> {
	/// The resting order.
	pub maker_order: OrderId,
	/// Its owner.
	pub maker: AccountId,
	/// Trade price (the maker's price).
	pub price: Price,
	/// Base quantity traded.
	pub quantity: Quantity,
	/// Whether the maker order is now completely filled (and removed from the book).
	pub maker_done: bool,
}

/// A resting order the engine took off the book without trading it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Removed<AccountId> {
	/// The order as it was.
	pub order: Order<AccountId>,
	/// Why it was removed.
	pub reason: RemovalReason,
}

/// Why a resting order left the book without trading.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RemovalReason {
	/// Its good-til-block passed.
	Expired,
	/// Self-trade prevention cancelled it.
	SelfTrade,
	/// Its owner could not settle the trade (e.g. a perp maker whose margin the fill would
	/// break): the maker is cancelled, never the taker.
	CannotSettle,
}

/// How far an incoming order has got: where a plan starts and where it ends. A caller that
/// stops applying a plan part way (a maker that cannot settle) plans the rest from here.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Progress {
	/// Quantity not traded yet.
	pub remaining: Quantity,
	/// Quote the fills spent so far (what bounds a market buy's `quote_cap`).
	pub spent: u128,
	/// Steps made so far: fills and removals (what [`MatchLimits::max_fills`] bounds).
	pub steps: u32,
}

impl Progress {
	/// An incoming order of `quantity` that has not met the book yet.
	pub fn start(quantity: Quantity) -> Self {
		Progress { remaining: quantity, spent: 0, steps: 0 }
	}

	/// Where the order stands after `step`.
	pub fn after<A>(self, step: &Step<A>) -> Self {
		let steps = self.steps.saturating_add(1);
		match step {
			Step::Remove { .. } => Progress { steps, ..self },
			Step::Fill { quantity, price, .. } => Progress {
				remaining: self.remaining.saturating_sub(*quantity),
				spent: self
					.spent
					.saturating_add(quote_amount(*price, *quantity).unwrap_or(u128::MAX)),
				steps,
			},
		}
	}
}

/// One change matching makes to a resting order.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Step<AccountId> {
	/// Trade `quantity` with `maker` at its `price`.
	Fill {
		/// The resting order as the book holds it before the trade.
		maker: Order<AccountId>,
		/// Base quantity traded.
		quantity: Quantity,
		/// Trade price (the maker's).
		price: Price,
	},
	/// Take `order` off the book without trading it.
	Remove {
		/// The order as the book holds it.
		order: Order<AccountId>,
		/// Why.
		reason: RemovalReason,
	},
}

impl<AccountId> Step<AccountId> {
	/// The resting order the step changes.
	pub fn order(&self) -> &Order<AccountId> {
		match self {
			Step::Fill { maker, .. } => maker,
			Step::Remove { order, .. } => order,
		}
	}

	/// The resting order the step changes, as the book held it when planned.
	pub fn into_order(self) -> Order<AccountId> {
		match self {
			Step::Fill { maker, .. } => maker,
			Step::Remove { order, .. } => order,
		}
	}

	/// Whether the step takes its order off the book (a fill of all it has left, or a
	/// removal).
	pub fn takes_off(&self) -> bool {
		match self {
			Step::Fill { maker, quantity, .. } => *quantity == maker.remaining(),
			Step::Remove { .. } => true,
		}
	}
}

/// What matching an incoming order does, worked out from the book without changing it: the
/// steps in price-time order, and how the order stands after them. The caller applies the
/// steps in order ([`apply_step`] makes each one's change to the book).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct MatchPlan<AccountId> {
	/// Fills and removals, in book order from the opposite side's first order: a prefix of that
	/// side, of which only the last may stay on the book (partly filled).
	pub steps: Vec<Step<AccountId>>,
	/// Where the incoming order stands once every step is applied.
	pub end: Progress,
	/// Self-trade prevention stops the incoming order.
	pub taker_stopped: bool,
	/// Matching stops at `max_fills` with quantity left and the book still crossing.
	pub hit_fill_limit: bool,
}

/// What matching one incoming order did (a plan applied whole, by [`match_order`]).
#[derive(Clone, Debug)]
pub struct MatchOutcome<AccountId> {
	/// Trades, in execution order.
	pub fills: Vec<EngineFill<AccountId>>,
	/// Resting orders removed on the way (expired, self-trade).
	pub removed: Vec<Removed<AccountId>>,
	/// Quantity of the incoming order not traded.
	pub remaining: Quantity,
	/// Self-trade prevention stopped the incoming order.
	pub taker_stopped: bool,
	/// Matching stopped at `max_fills` with quantity left and the book still crossing.
	pub hit_fill_limit: bool,
}

impl<AccountId> MatchOutcome<AccountId> {
	/// Work units the call did: fills and removals (what `max_fills` bounds).
	pub fn steps(&self) -> u32 {
		(self.fills.len() + self.removed.len()) as u32
	}
}

/// Whether an incoming order at `limit` on `side` trades against a resting `price`.
pub fn crosses(side: Side, limit: Option<Price>, price: Price) -> bool {
	match (side, limit) {
		(_, None) => true,
		(Side::Buy, Some(limit)) => price <= limit,
		(Side::Sell, Some(limit)) => price >= limit,
	}
}

/// Adds `order` at the end of its price level's queue (its id is the newest there): one
/// write of the order (and of the store's first orders when it goes among them).
pub fn insert<A: Clone, S: BookStore<A>>(store: &mut S, order: Order<A>) {
	store.put_order(&order);
}

/// Takes `order` (as currently stored) off the book.
pub fn unlink<A: Clone, S: BookStore<A>>(store: &mut S, order: &Order<A>) {
	store.remove_order(&OrderRef::of(order));
}

/// Cancels resting order `at`, returning it as it was.
pub fn cancel<A: Clone, S: BookStore<A>>(
	store: &mut S,
	at: &OrderRef,
) -> Result<Order<A>, EngineError> {
	let order = store.order(at).ok_or(EngineError::UnknownOrder)?;
	unlink(store, &order);
	Ok(order)
}

/// Lowers the quantity of resting order `at` to `new_quantity` (> filled) in place: it keeps
/// its time priority.
pub fn reduce<A: Clone, S: BookStore<A>>(
	store: &mut S,
	at: &OrderRef,
	new_quantity: Quantity,
) -> Result<Order<A>, EngineError> {
	let mut order = store.order(at).ok_or(EngineError::UnknownOrder)?;
	order.quantity = new_quantity;
	store.put_order(&order);
	Ok(order)
}

/// Plans `taker` against the opposite side in price-time order, from `from` (an order that
/// has not matched yet starts at [`Progress::start`]). Reads the book; changes nothing.
pub fn plan_match<A: Clone + PartialEq, S: BookStore<A>>(
	store: &S,
	taker: &Incoming<A>,
	limits: MatchLimits,
	from: Progress,
) -> MatchPlan<A> {
	plan_match_from(store, taker, limits, from, Vec::new())
}

/// [`plan_match`] that meets the makers of `walked` first: the resting orders an earlier plan
/// walked behind a maker that then could not settle (and left the book), in book order and as
/// the book still holds them. They are not read again, so planning again after rejected makers
/// reads each resting order once in all; the book is read from behind the last of them.
pub fn plan_match_from<A: Clone + PartialEq, S: BookStore<A>>(
	store: &S,
	taker: &Incoming<A>,
	limits: MatchLimits,
	from: Progress,
	walked: Vec<Order<A>>,
) -> MatchPlan<A> {
	let book_side = taker.side.opposite();
	let mut plan =
		MatchPlan { steps: Vec::new(), end: from, taker_stopped: false, hit_fill_limit: false };
	let mut walked = walked.into_iter();
	// The next maker when it was walked already.
	let mut known = walked.next();
	// Most incoming orders do not cross at all: the recorded first order says so without
	// touching the book.
	let first = match &known {
		Some(order) => Some(OrderRef::of(order)),
		None => store.first(taker.market, book_side),
	};
	if !first.is_some_and(|at| crosses(taker.side, taker.limit, at.price)) {
		return plan;
	}
	// The maker to meet next, walked in book order from the first; the one behind a maker is
	// looked up only if matching goes on past it.
	let mut next = first;
	let mut passed: Option<OrderRef> = None;
	while plan.end.remaining > 0 {
		if let Some(behind) = passed.take() {
			known = walked.next();
			next = match &known {
				Some(order) => Some(OrderRef::of(order)),
				None => store.next_after(&behind),
			};
		}
		let Some(head) = next else { break };
		if !crosses(taker.side, taker.limit, head.price) {
			break;
		}
		let Some(maker) = known.take().or_else(|| store.order(&head)) else {
			// (Not reached: the store names only orders it holds. Should a recorded first be
			// stale, the orders behind its place are the book's.)
			passed = Some(head);
			continue;
		};
		// A maker the caller finds cannot settle counts two steps (a fill's work, then its
		// removal), so the last one may take the count one past `max_fills` (the weight
		// bounds allow for that step: `MatchLimits::max_fills`).
		if plan.end.steps >= limits.max_fills {
			plan.hit_fill_limit = true;
			break;
		}
		passed = Some(head);

		let removal = if maker.expires_at.is_some_and(|last| last < limits.now) {
			Some(RemovalReason::Expired)
		} else if maker.owner == taker.owner {
			match taker.self_trade {
				SelfTradePrevention::CancelMaker => Some(RemovalReason::SelfTrade),
				SelfTradePrevention::CancelTaker => {
					plan.taker_stopped = true;
					break;
				},
				SelfTradePrevention::CancelBoth => {
					plan.taker_stopped = true;
					Some(RemovalReason::SelfTrade)
				},
			}
		} else {
			None
		};
		if let Some(reason) = removal {
			let step = Step::Remove { order: maker, reason };
			plan.end = plan.end.after(&step);
			plan.steps.push(step);
			if plan.taker_stopped {
				break;
			}
			continue;
		}
		let price = head.price;
		let mut quantity = plan.end.remaining.min(maker.remaining());
		if let Some((cap, lot)) = taker.quote_cap {
			let budget = cap.saturating_sub(plan.end.spent);
			let affordable = budget.checked_mul(PRICE_SCALE).map_or(Quantity::MAX, |b| b / price);
			quantity = quantity.min(affordable / lot * lot);
			if quantity == 0 {
				break;
			}
		}
		let step = Step::Fill { maker, quantity, price };
		plan.end = plan.end.after(&step);
		plan.steps.push(step);
	}
	plan
}

/// Makes `step`'s change to the book: its order leaves the book, or (a fill of part of what
/// it has left) records the quantity filled in place.
pub fn apply_step<A: Clone, S: BookStore<A>>(store: &mut S, step: &Step<A>) {
	let at = OrderRef::of(step.order());
	match step {
		Step::Fill { quantity, .. } if !step.takes_off() => {
			store.modify_order(&at, |m| m.filled += *quantity);
		},
		_ => store.remove_order(&at),
	}
}

/// Matches `taker` against the opposite side: plans it and applies the whole plan to the book
/// (settling it is the caller's job; the pallet applies plans itself, settling each fill).
pub fn match_order<A: Clone + PartialEq, S: BookStore<A>>(
	store: &mut S,
	taker: &Incoming<A>,
	limits: MatchLimits,
) -> MatchOutcome<A> {
	let plan = plan_match(store, taker, limits, Progress::start(taker.quantity));
	let mut outcome = MatchOutcome {
		fills: Vec::new(),
		removed: Vec::new(),
		remaining: plan.end.remaining,
		taker_stopped: plan.taker_stopped,
		hit_fill_limit: plan.hit_fill_limit,
	};
	for step in plan.steps {
		apply_step(store, &step);
		match step {
			Step::Fill { maker, quantity, price } => outcome.fills.push(EngineFill {
				maker_order: maker.id,
				maker_done: quantity == maker.remaining(),
				maker: maker.owner,
				price,
				quantity,
			}),
			Step::Remove { order, reason } => outcome.removed.push(Removed { order, reason }),
		}
	}
	outcome
}

/// Orders of one level, oldest first (for depth, tests and invariant checks).
pub fn level_orders<A, S: BookStore<A>>(
	store: &S,
	market: MarketId,
	side: Side,
	price: Price,
) -> Vec<Order<A>> {
	let mut orders = Vec::new();
	let mut cursor = store.first_from(market, side, price);
	while let Some(at) = cursor.filter(|at| at.price == price) {
		orders.extend(store.order(&at));
		cursor = store.next_after(&at);
	}
	orders
}
