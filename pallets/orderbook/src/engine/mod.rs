//! The matching engine: price-time priority over an abstract book store.
//!
//! Plain Rust with no FRAME dependency, so it is unit- and property-tested natively and
//! benchmarked both over memory ([`memory::MemoryBook`]) and over chain storage (the pallet's
//! `StorageBook`). The engine only moves orders; settling funds is the caller's job, done per
//! [`Fill`] it returns.
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
	/// a maker that cannot settle counts twice (a fill rolled back and a removal), so the last
	/// one may end at `max_fills + 1` steps.
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

/// What the caller says of a trade the engine is about to make (see [`match_order_with`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FillVerdict {
	/// Settled: the engine books it.
	Settled,
	/// The maker cannot settle it: the engine takes the maker off the book and goes on.
	RejectMaker,
	/// The taker cannot go on: matching stops here (the caller fails the order).
	Stop,
}

/// What matching one incoming order did.
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
	/// Makers removed because they could not settle (also in `removed`): each did a fill's
	/// work, rolled back, and a removal, so each counts as two steps.
	pub rejected: u32,
	/// The caller stopped matching ([`FillVerdict::Stop`]).
	pub stopped: bool,
}

impl<AccountId> MatchOutcome<AccountId> {
	/// Nothing matched: all of `quantity` remains.
	pub fn unmatched(quantity: Quantity) -> Self {
		MatchOutcome {
			fills: Vec::new(),
			removed: Vec::new(),
			remaining: quantity,
			taker_stopped: false,
			hit_fill_limit: false,
			rejected: 0,
			stopped: false,
		}
	}

	/// Work units the call did: fills, removals, and rejected makers once more (what
	/// `max_fills` bounds).
	pub fn steps(&self) -> u32 {
		(self.fills.len() + self.removed.len()) as u32 + self.rejected
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

/// Matches `taker` against the opposite side in price-time order.
pub fn match_order<A: Clone + PartialEq, S: BookStore<A>>(
	store: &mut S,
	taker: &Incoming<A>,
	limits: MatchLimits,
) -> MatchOutcome<A> {
	match_order_with(store, taker, limits, |_, _, _| FillVerdict::Settled)
}

/// [`match_order`] that asks `settle(maker, quantity, price)` before booking each trade, so the
/// caller settles it at once and a maker that cannot settle is cancelled instead of failing the
/// taker. `settle` runs before the book changes for that trade.
pub fn match_order_with<A: Clone + PartialEq, S: BookStore<A>>(
	store: &mut S,
	taker: &Incoming<A>,
	limits: MatchLimits,
	mut settle: impl FnMut(&Order<A>, Quantity, Price) -> FillVerdict,
) -> MatchOutcome<A> {
	let book_side = taker.side.opposite();
	let mut outcome = MatchOutcome::unmatched(taker.quantity);
	// Most incoming orders do not cross at all: the recorded first order says so without
	// touching the book.
	let first = store.first(taker.market, book_side);
	if !first.is_some_and(|at| crosses(taker.side, taker.limit, at.price)) {
		return outcome;
	}
	let mut spent = 0u128;
	// The maker to meet next, walked in book order from the recorded first. After a maker is
	// taken off, the one behind it is looked up only if matching goes on.
	let mut next = first;
	let mut taken_off: Option<OrderRef> = None;
	while outcome.remaining > 0 {
		if let Some(gone) = taken_off.take() {
			next = store.next_after(&gone);
		}
		let Some(head) = next else { break };
		if !crosses(taker.side, taker.limit, head.price) {
			break;
		}
		let Some(maker) = store.order(&head) else {
			// (Not reached: the store names only orders it holds. Should a recorded first be
			// stale, the orders behind its place are the book's.)
			next = store.next_after(&head);
			continue;
		};
		let price = head.price;
		// A maker rejected at the last step takes the count one past `max_fills` (the weight
		// bounds allow for that one step: `MatchLimits::max_fills`).
		if outcome.steps() >= limits.max_fills {
			outcome.hit_fill_limit = true;
			break;
		}

		if maker.expires_at.is_some_and(|last| last < limits.now) {
			store.remove_order(&head);
			taken_off = Some(head);
			outcome.removed.push(Removed { order: maker, reason: RemovalReason::Expired });
			continue;
		}
		if maker.owner == taker.owner {
			match taker.self_trade {
				SelfTradePrevention::CancelMaker => {
					store.remove_order(&head);
					taken_off = Some(head);
					outcome
						.removed
						.push(Removed { order: maker, reason: RemovalReason::SelfTrade });
					continue;
				},
				SelfTradePrevention::CancelTaker => {
					outcome.taker_stopped = true;
					break;
				},
				SelfTradePrevention::CancelBoth => {
					store.remove_order(&head);
					outcome
						.removed
						.push(Removed { order: maker, reason: RemovalReason::SelfTrade });
					outcome.taker_stopped = true;
					break;
				},
			}
		}
		let mut quantity = outcome.remaining.min(maker.remaining());
		if let Some((cap, lot)) = taker.quote_cap {
			let budget = cap.saturating_sub(spent);
			let affordable = budget.checked_mul(PRICE_SCALE).map_or(Quantity::MAX, |b| b / price);
			quantity = quantity.min(affordable / lot * lot);
			if quantity == 0 {
				break;
			}
		}
		match settle(&maker, quantity, price) {
			FillVerdict::Settled => {},
			FillVerdict::RejectMaker => {
				store.remove_order(&head);
				taken_off = Some(head);
				outcome.removed.push(Removed { order: maker, reason: RemovalReason::CannotSettle });
				outcome.rejected += 1;
				continue;
			},
			FillVerdict::Stop => {
				outcome.stopped = true;
				break;
			},
		}
		if taker.quote_cap.is_some() {
			spent = spent.saturating_add(quote_amount(price, quantity).unwrap_or(u128::MAX));
		}
		outcome.remaining -= quantity;
		let maker_done = quantity == maker.remaining();
		if maker_done {
			store.remove_order(&head);
			taken_off = Some(head);
		} else {
			store.modify_order(&head, |m| m.filled += quantity);
		}
		outcome.fills.push(EngineFill {
			maker_order: maker.id,
			maker: maker.owner.clone(),
			price,
			quantity,
			maker_done,
		});
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
