//! Read-only views of the book for the runtime API and RPC.
use crate::*;
use alloc::vec::Vec;
use bourse_primitives::{
	orderbook::{Depth, DepthLevel, MarketId, Order, OrderId, Price, Side},
	Balance,
};

impl<T: Config> Pallet<T> {
	/// Aggregated depth of `market`: up to `levels` per side, best first.
	pub fn depth(market: MarketId, levels: u32) -> Depth {
		let side = |side: Side| {
			Levels::<T>::iter_prefix((market, side))
				.take(levels as usize)
				.map(|(key, level)| DepthLevel {
					price: store::level_price(side, key),
					quantity: level.quantity,
					orders: level.orders,
				})
				.collect()
		};
		Depth { bids: side(Side::Buy), asks: side(Side::Sell) }
	}

	/// The price at which a market order on the other side of `side` would complete
	/// `notional` quote units: walking `side` best first, the price of the level where the
	/// cumulated notional reaches it. `None` when the first `max_levels` levels hold less
	/// (a thin book has no impact price). Used for perp mark and funding prices, so one small
	/// order at the top of the book does not set them.
	pub fn impact_price(
		market: MarketId,
		side: Side,
		notional: Balance,
		max_levels: u32,
	) -> Option<Price> {
		let mut cumulated: Balance = 0;
		for (key, level) in Levels::<T>::iter_prefix((market, side)).take(max_levels as usize) {
			let price = store::level_price(side, key);
			// Levels sit on the tick and lot grid, so this is exact; only compared, never paid,
			// so an overflow may count as "enough".
			let value = bourse_primitives::orderbook::quote_amount(price, level.quantity)
				.unwrap_or(Balance::MAX);
			cumulated = cumulated.saturating_add(value);
			if cumulated >= notional {
				return Some(price);
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
	/// owners' indexes: for the runtime API, not for calls.
	pub fn find_order(id: OrderId) -> Option<Order<T::AccountId>> {
		use crate::engine::BookStore;
		let at = Accounts::<T>::iter_values().find_map(|account| account.order(id))?;
		store::StorageBook::<T>::default().order(&at)
	}

	/// Best bid and best ask of `market`.
	pub fn best_prices(market: MarketId) -> (Option<Price>, Option<Price>) {
		use crate::engine::BookStore;
		let book = store::StorageBook::<T>::default();
		(book.best_price(market, Side::Buy), book.best_price(market, Side::Sell))
	}

	/// Number of resting orders on all books.
	pub fn open_order_count() -> u64 {
		OpenOrders::<T>::get()
	}
}
