//! Read-only views of the book for the runtime API and RPC.
use crate::*;
use alloc::vec::Vec;
use bourse_primitives::{
	orderbook::{Depth, DepthLevel, MarketId, Order, OrderId, Price, Side},
	Balance,
};

/// Most resting orders [`Pallet::depth`] reads per side (a runtime API call, so an RPC node's
/// time: levels are not stored, so depth sums orders).
pub const DEPTH_SCAN_ORDERS: u32 = 20_000;

/// Most trading accounts [`Pallet::find_order`] reads (as many reads as depth's bound).
pub const FIND_ORDER_SCAN_ACCOUNTS: u32 = 20_000;

impl<T: Config> Pallet<T> {
	/// Aggregated depth of `market`: up to `levels` per side, best first, summed from the
	/// resting orders in book order. At most [`DEPTH_SCAN_ORDERS`] orders are read per side;
	/// a level that would need more is left out, so every level returned is exact.
	pub fn depth(market: MarketId, levels: u32) -> Depth {
		Self::depth_reading(market, levels, DEPTH_SCAN_ORDERS)
	}

	/// [`Self::depth`] reading at most `max_orders` orders per side.
	pub(crate) fn depth_reading(market: MarketId, levels: u32, max_orders: u32) -> Depth {
		let side = |side: Side| {
			let mut out: Vec<DepthLevel> = Vec::new();
			let mut scanned = 0u32;
			for order in Orders::<T>::iter_prefix_values((market, side)) {
				scanned += 1;
				if scanned > max_orders {
					// The last level goes on beyond what was read: not exact, left out.
					if out.last().is_some_and(|level| level.price == order.price) {
						out.pop();
					}
					break;
				}
				let full = out.len() as u32 == levels;
				match out.last_mut() {
					Some(level) if level.price == order.price => {
						level.quantity = level.quantity.saturating_add(order.remaining());
						level.orders += 1;
					},
					_ if full => break,
					_ => out.push(DepthLevel {
						price: order.price,
						quantity: order.remaining(),
						orders: 1,
					}),
				}
			}
			out
		};
		Depth { bids: side(Side::Buy), asks: side(Side::Sell) }
	}

	/// The price at which a market order on the other side of `side` would complete
	/// `notional` quote units: walking `side` best first, the price of the order where the
	/// cumulated notional reaches it. `None` when the first `max_orders` orders hold less
	/// (a thin book has no impact price). Used for perp mark and funding prices, so one small
	/// order at the top of the book does not set them.
	pub fn impact_price(
		market: MarketId,
		side: Side,
		notional: Balance,
		max_orders: u32,
	) -> Option<Price> {
		let mut cumulated: Balance = 0;
		for order in Orders::<T>::iter_prefix_values((market, side)).take(max_orders as usize) {
			// Orders sit on the tick and lot grid, so this is exact; only compared, never paid,
			// so an overflow may count as "enough".
			let value = bourse_primitives::orderbook::quote_amount(order.price, order.remaining())
				.unwrap_or(Balance::MAX);
			cumulated = cumulated.saturating_add(value);
			if cumulated >= notional {
				return Some(order.price);
			}
		}
		None
	}

	/// Resting orders of `who` in every market, oldest first.
	pub fn open_orders(who: &T::AccountId) -> Vec<Order<T::AccountId>> {
		use crate::engine::BookStore;
		let book = store::StorageBook::<T>::default();
		Self::trading_account(who).refs().filter_map(|at| book.order(&at)).collect()
	}

	/// The resting order `id` of any account. Orders are indexed by owner, so this walks the
	/// owners' indexes, at most [`FIND_ORDER_SCAN_ACCOUNTS`] of them (a public node answers
	/// `state_call` for anyone): for the runtime API, not for calls. Past that bound it answers
	/// `None`; `order_of(owner, id)` finds any order in two reads.
	pub fn find_order(id: OrderId) -> Option<Order<T::AccountId>> {
		use crate::engine::BookStore;
		let at = Accounts::<T>::iter_values()
			.take(FIND_ORDER_SCAN_ACCOUNTS as usize)
			.find_map(|account| account.order(id))?;
		store::StorageBook::<T>::default().order(&at)
	}

	/// Every resting order of every market, in storage order: for invariant checks and state
	/// exports (it reads the whole book), not for calls.
	pub fn resting_orders() -> impl Iterator<Item = Order<T::AccountId>> {
		Orders::<T>::iter_values()
	}

	/// Best bid and best ask of `market`.
	pub fn best_prices(market: MarketId) -> (Option<Price>, Option<Price>) {
		use crate::engine::BookStore;
		let book = store::StorageBook::<T>::default();
		(book.best_price(market, Side::Buy), book.best_price(market, Side::Sell))
	}

	/// Number of resting orders on all books.
	pub fn open_order_count() -> u64 {
		OrderCounters::<T>::get().open
	}

	/// Id the next order gets.
	pub fn next_order_id() -> OrderId {
		OrderCounters::<T>::get().next_id
	}
}
