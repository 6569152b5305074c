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

/// One price level: where its FIFO queue starts, plus aggregates for depth queries.
///
/// The orders themselves are kept in time order by the store (see [`BookStore`]); the level
/// only remembers its oldest order, so matching reads the head directly.
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
pub struct Level {
	/// Oldest order (matched first).
	pub head: OrderId,
	/// Sum of remaining quantities.
	pub quantity: Quantity,
	/// Number of orders.
	pub orders: u32,
}

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
/// (smallest id) first, so the queue of a price level needs no links between its orders.
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
	/// The oldest order of `at`'s price level that is newer than `at` (its successor in the
	/// level's queue).
	fn next_in_level(&self, at: &OrderRef) -> Option<Order<AccountId>>;
	/// The level at `price` on `side` of `market`.
	fn level(&self, market: MarketId, side: Side, price: Price) -> Option<Level>;
	/// Writes a level.
	fn put_level(&mut self, market: MarketId, side: Side, price: Price, level: &Level);
	/// Writes a level that did not exist (a store may track the best price here).
	fn add_level(&mut self, market: MarketId, side: Side, price: Price, level: &Level) {
		self.put_level(market, side, price, level)
	}
	/// Deletes a level.
	fn remove_level(&mut self, market: MarketId, side: Side, price: Price);
	/// Best price on `side`: highest bid or lowest ask.
	fn best_price(&self, market: MarketId, side: Side) -> Option<Price>;
}

/// Why the engine refused an operation. Nothing was changed when it returns one.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EngineError {
	/// The price level already holds the most orders allowed.
	LevelFull,
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

/// Adds `order` at the end of its price level's queue (its id is the newest there).
pub fn insert<A: Clone, S: BookStore<A>>(
	store: &mut S,
	order: Order<A>,
	max_per_level: u32,
) -> Result<(), EngineError> {
	let (market, side, price) = (order.market, order.side, order.price);
	let remaining = order.remaining();
	match store.level(market, side, price) {
		Some(mut level) => {
			if level.orders >= max_per_level {
				return Err(EngineError::LevelFull);
			}
			level.quantity = level.quantity.saturating_add(remaining);
			level.orders += 1;
			store.put_level(market, side, price, &level);
		},
		None => {
			let level = Level { head: order.id, quantity: remaining, orders: 1 };
			store.add_level(market, side, price, &level);
		},
	}
	store.put_order(&order);
	Ok(())
}

/// Takes `order` (as currently stored) off the book and out of its level's aggregates.
pub fn unlink<A: Clone, S: BookStore<A>>(store: &mut S, order: &Order<A>) {
	let (market, side, price) = (order.market, order.side, order.price);
	let at = OrderRef::of(order);
	if let Some(mut level) = store.level(market, side, price) {
		let successor = if level.head == order.id { store.next_in_level(&at) } else { None };
		match successor {
			Some(next) if level.orders > 1 => {
				level.head = next.id;
				level.orders -= 1;
				level.quantity = level.quantity.saturating_sub(order.remaining());
				store.put_level(market, side, price, &level);
			},
			// The head had no successor: the level empties.
			None if level.head == order.id => store.remove_level(market, side, price),
			_ if level.orders <= 1 => store.remove_level(market, side, price),
			_ => {
				level.orders -= 1;
				level.quantity = level.quantity.saturating_sub(order.remaining());
				store.put_level(market, side, price, &level);
			},
		}
	}
	store.remove_order(&at);
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
	let removed = order.quantity.saturating_sub(new_quantity);
	order.quantity = new_quantity;
	if let Some(mut level) = store.level(order.market, order.side, order.price) {
		level.quantity = level.quantity.saturating_sub(removed);
		store.put_level(order.market, order.side, order.price, &level);
	}
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
	let mut spent = 0u128;
	// Matching only takes liquidity from the book side, so its best price can only get worse:
	// while the level at the last best price still exists it is still the best, and the (over
	// storage: costly ordered-key) best-price lookup is needed only when a level empties.
	let mut last_best: Option<Price> = None;
	while outcome.remaining > 0 {
		let cached = last_best
			.take()
			.and_then(|price| store.level(taker.market, book_side, price).map(|l| (price, l)));
		let (price, level) = match cached {
			Some(found) => found,
			None => {
				let Some(price) = store.best_price(taker.market, book_side) else { break };
				// Most incoming orders do not cross at all: no need to read the level then.
				if !crosses(taker.side, taker.limit, price) {
					break;
				}
				let Some(level) = store.level(taker.market, book_side, price) else { break };
				(price, level)
			},
		};
		if !crosses(taker.side, taker.limit, price) {
			break;
		}
		last_best = Some(price);
		let head = OrderRef { id: level.head, market: taker.market, side: book_side, price };
		let Some(maker) = store.order(&head) else { break };
		// A maker rejected at the last step takes the count one past `max_fills` (the weight
		// bounds allow for that one step: `MatchLimits::max_fills`).
		if outcome.steps() >= limits.max_fills {
			outcome.hit_fill_limit = true;
			break;
		}

		if maker.expires_at.is_some_and(|last| last < limits.now) {
			unlink(store, &maker);
			outcome.removed.push(Removed { order: maker, reason: RemovalReason::Expired });
			continue;
		}
		if maker.owner == taker.owner {
			match taker.self_trade {
				SelfTradePrevention::CancelMaker => {
					unlink(store, &maker);
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
					unlink(store, &maker);
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
				unlink(store, &maker);
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
			unlink(store, &maker);
		} else {
			store.modify_order(&head, |m| m.filled += quantity);
			let mut level = level;
			level.quantity = level.quantity.saturating_sub(quantity);
			store.put_level(taker.market, book_side, price, &level);
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

/// Whether an order at `price` on `side` would trade at once (post-only check).
pub fn would_cross<A, S: BookStore<A>>(
	store: &S,
	market: MarketId,
	side: Side,
	price: Price,
) -> bool {
	store.best_price(market, side.opposite()).is_some_and(|best| crosses(side, Some(price), best))
}

/// Orders of one level, oldest first (for depth, tests and invariant checks).
pub fn level_orders<A, S: BookStore<A>>(
	store: &S,
	market: MarketId,
	side: Side,
	price: Price,
) -> Vec<Order<A>> {
	let mut orders = Vec::new();
	let Some(level) = store.level(market, side, price) else { return orders };
	let mut cursor = store.order(&OrderRef { id: level.head, market, side, price });
	while let Some(order) = cursor {
		cursor = store.next_in_level(&OrderRef::of(&order));
		orders.push(order);
	}
	orders
}
