//! [`BookStore`] over FRAME storage.
//!
//! Price levels live in a double map whose second key is the price in big-endian bytes
//! (`Identity` hasher), so storage iteration order *is* price order: the best ask is the first
//! key under (market, Sell); bids are keyed by `u128::MAX - price` so the best bid is first too.
//! Finding the best price is therefore one `next_key` lookup, however deep the book. Over a
//! storage overlay that lookup is costly (it walks the trie and skips keys deleted in the
//! overlay), so the best price of each side is also kept in [`BestPrices`]: updated when a
//! better level appears, looked up again only when the best level empties.
//!
//! Orders live under the same (market, side) prefix and their level key followed by their id
//! in big-endian bytes ([`BookKey`]), so the orders of a level follow each other in time order:
//! an order joins its level with one write, and the successor of a level's head is the next
//! key. No order links to another.
use crate::{
	engine::{BookStore, Level, OrderRef},
	BestPrices, Config, Levels, Orders,
};
use bourse_primitives::orderbook::{MarketId, Order, OrderId, Price, Side};

/// Storage key of a price level on one side: ascending iteration yields best prices first.
pub type LevelKey = [u8; 16];

/// The key under which `price` is stored on `side`.
pub fn level_key(side: Side, price: Price) -> LevelKey {
	match side {
		Side::Sell => price.to_be_bytes(),
		Side::Buy => (u128::MAX - price).to_be_bytes(),
	}
}

/// The price a level key on `side` stands for.
pub fn level_price(side: Side, key: LevelKey) -> Price {
	let raw = u128::from_be_bytes(key);
	match side {
		Side::Sell => raw,
		Side::Buy => u128::MAX - raw,
	}
}

/// Storage key of a resting order on one side: its level's key, then its id (time priority).
pub type BookKey = [u8; 24];

/// The key under which order `id` at `price` rests on `side`.
pub fn book_key(side: Side, price: Price, id: OrderId) -> BookKey {
	let mut key = [0u8; 24];
	key[..16].copy_from_slice(&level_key(side, price));
	key[16..].copy_from_slice(&id.to_be_bytes());
	key
}

/// The order book in chain storage.
pub struct StorageBook<T>(core::marker::PhantomData<T>);

impl<T> Default for StorageBook<T> {
	fn default() -> Self {
		Self(Default::default())
	}
}

impl<T: Config> BookStore<T::AccountId> for StorageBook<T> {
	fn order(&self, at: &OrderRef) -> Option<Order<T::AccountId>> {
		Orders::<T>::get((at.market, at.side), book_key(at.side, at.price, at.id))
	}
	fn put_order(&mut self, order: &Order<T::AccountId>) {
		Orders::<T>::insert(
			(order.market, order.side),
			book_key(order.side, order.price, order.id),
			order,
		);
	}
	fn remove_order(&mut self, at: &OrderRef) {
		Orders::<T>::remove((at.market, at.side), book_key(at.side, at.price, at.id));
	}
	fn next_in_level(&self, at: &OrderRef) -> Option<Order<T::AccountId>> {
		let prefix = (at.market, at.side);
		let from = Orders::<T>::hashed_key_for(prefix, book_key(at.side, at.price, at.id));
		let key = Orders::<T>::iter_key_prefix_from(prefix, from).next()?;
		// The next key may belong to the next level: then `at` was its level's newest.
		if key[..16] != level_key(at.side, at.price) {
			return None;
		}
		Orders::<T>::get(prefix, key)
	}
	fn level(&self, market: MarketId, side: Side, price: Price) -> Option<Level> {
		Levels::<T>::get((market, side), level_key(side, price))
	}
	fn put_level(&mut self, market: MarketId, side: Side, price: Price, level: &Level) {
		Levels::<T>::insert((market, side), level_key(side, price), level);
	}
	fn add_level(&mut self, market: MarketId, side: Side, price: Price, level: &Level) {
		Levels::<T>::insert((market, side), level_key(side, price), level);
		// Unknown stays unknown (no lookup on this path); a known best is bettered or set, and
		// written only then (a new level behind the best costs no write).
		if let Some(known) = BestPrices::<T>::get((market, side)) {
			if known.is_none_or(|b| level_key(side, price) < level_key(side, b)) {
				BestPrices::<T>::insert((market, side), Some(price));
			}
		}
	}
	fn remove_level(&mut self, market: MarketId, side: Side, price: Price) {
		let key = level_key(side, price);
		Levels::<T>::remove((market, side), key);
		match BestPrices::<T>::get((market, side)) {
			// The best level emptied; no better one exists, so look on from its key.
			Some(Some(best)) if best == price => {
				let from = Levels::<T>::hashed_key_for((market, side), key);
				let next = Levels::<T>::iter_key_prefix_from((market, side), from)
					.next()
					.map(|key| level_price(side, key));
				BestPrices::<T>::insert((market, side), next);
			},
			Some(_) => {},
			None => BestPrices::<T>::insert((market, side), scan_best::<T>(market, side)),
		}
	}
	fn best_price(&self, market: MarketId, side: Side) -> Option<Price> {
		BestPrices::<T>::get((market, side)).unwrap_or_else(|| scan_best::<T>(market, side))
	}
}

/// Best price of a side by an ordered-key lookup in `Levels`.
pub fn scan_best<T: Config>(market: MarketId, side: Side) -> Option<Price> {
	Levels::<T>::iter_key_prefix((market, side)).next().map(|key| level_price(side, key))
}
