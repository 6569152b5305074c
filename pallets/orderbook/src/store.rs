//! [`BookStore`] over FRAME storage.
//!
//! Each resting order is stored once in [`Orders`], under (market, side) and then a
//! [`BookKey`]: its price in order-preserving big-endian bytes (bids as `u128::MAX - price`, so
//! the best price of either side comes first) followed by its id (time priority), with the
//! `Identity` hasher. Storage iteration order *is* book order: a price level is the run of
//! keys that share its price bytes, its oldest order is the first of them, and the next order
//! (of the level, or of the next level) is the next key. An order joins the book with one
//! write; nothing else is kept per level.
//!
//! Finding the first key is an ordered-key lookup, which is costly: it seeks through the trie,
//! and over a block's overlay it skips every key the block deleted on the way (the front of a
//! busy level). So the first order of each side of a market (price and id) is kept beside its
//! configuration in [`Markets`] ([`MarketRecord::top`]): every order reads that one value
//! anyway (is the market open? does the order cross? does it better the best?), matching
//! starts at that key without a lookup, and it is written only when the first order changes.
use crate::{
	engine::{BookStore, OrderRef},
	Config, Markets, Orders,
};
use bourse_primitives::orderbook::{Market, MarketId, Order, OrderId, Price, Side};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::cell::Cell;
use scale_info::TypeInfo;

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

/// Where the order stored under `key` on `side` of `market` rests.
pub fn order_ref(market: MarketId, side: Side, key: BookKey) -> OrderRef {
	let mut level = [0u8; 16];
	level.copy_from_slice(&key[..16]);
	let mut id = [0u8; 8];
	id.copy_from_slice(&key[16..]);
	OrderRef { id: OrderId::from_be_bytes(id), market, side, price: level_price(side, level) }
}

/// The first order of one side of a book in book order: where matching starts.
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
pub struct FirstOrder {
	/// Its price: the side's best.
	pub price: Price,
	/// Its id: the oldest order at that price.
	pub id: OrderId,
}

/// The first orders of both sides of a market's book (`None`: that side is empty).
#[derive(
	Clone,
	Copy,
	Default,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct BookTop {
	/// The highest bid, oldest first.
	pub bid: Option<FirstOrder>,
	/// The lowest ask, oldest first.
	pub ask: Option<FirstOrder>,
}

impl BookTop {
	/// The best price of `side`.
	pub fn of(&self, side: Side) -> Option<Price> {
		self.first(side).map(|first| first.price)
	}

	/// The first order of `side`.
	pub fn first(&self, side: Side) -> Option<FirstOrder> {
		match side {
			Side::Buy => self.bid,
			Side::Sell => self.ask,
		}
	}

	/// Sets the first order of `side`.
	pub fn set(&mut self, side: Side, first: Option<FirstOrder>) {
		match side {
			Side::Buy => self.bid = first,
			Side::Sell => self.ask = first,
		}
	}

	/// Both first orders of `market` as the book holds them (ordered-key lookups).
	pub fn scan<T: Config>(market: MarketId) -> Self {
		BookTop {
			bid: scan_first::<T>(market, Side::Buy),
			ask: scan_first::<T>(market, Side::Sell),
		}
	}
}

/// A market as stored: its configuration and the best prices of its book, in one key.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct MarketRecord {
	/// What the market trades and how (tick, lot, fees, status, kind).
	pub market: Market,
	/// The first orders of its book: best bid and best ask.
	pub top: BookTop,
}

/// The id the next order gets and the number of resting orders on all books (see
/// [`crate::OrderCounters`]).
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
pub struct OrderCounters {
	/// Id the next order gets (ids start at 1).
	pub next_id: OrderId,
	/// Resting orders on all books.
	pub open: u64,
}

impl Default for OrderCounters {
	fn default() -> Self {
		Self { next_id: 1, open: 0 }
	}
}

/// The first orders recorded for `market` (without a record: as its book holds them).
pub fn recorded_top<T: Config>(market: MarketId) -> BookTop {
	match Markets::<T>::get(market) {
		Some(record) => record.top,
		// Not reached by the pallet (every market has a record); engine-level users of the
		// book may have none, and get the book's answer.
		None => BookTop::scan::<T>(market),
	}
}

/// The order book in chain storage. It remembers the first orders of the last market it read
/// or wrote them for, so one operation reads a market's record once; every change is written
/// through at once. An instance lives for one operation: held across calls that could change
/// the same market's first orders through another instance, it would answer from a stale copy.
pub struct StorageBook<T> {
	top: Cell<Option<(MarketId, BookTop)>>,
	_config: core::marker::PhantomData<T>,
}

impl<T> Default for StorageBook<T> {
	fn default() -> Self {
		Self { top: Cell::new(None), _config: Default::default() }
	}
}

impl<T: Config> StorageBook<T> {
	/// A book that knows `market`'s first orders already (read with its record).
	pub fn knowing(market: MarketId, top: BookTop) -> Self {
		Self { top: Cell::new(Some((market, top))), _config: Default::default() }
	}

	/// `market`'s first orders, read from its record only if not known yet.
	fn top(&self, market: MarketId) -> BookTop {
		match self.top.get() {
			Some((known, top)) if known == market => top,
			_ => {
				let top = recorded_top::<T>(market);
				self.top.set(Some((market, top)));
				top
			},
		}
	}

	/// The first order stored after raw key `from` under (market, side).
	fn first_after(market: MarketId, side: Side, from: alloc::vec::Vec<u8>) -> Option<OrderRef> {
		let key = Orders::<T>::iter_key_prefix_from((market, side), from).next()?;
		Some(order_ref(market, side, key))
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
	fn first_from(&self, market: MarketId, side: Side, price: Price) -> Option<OrderRef> {
		// The raw key up to the price bytes: every key of the level (and of worse levels)
		// sorts after it, none equals it.
		let mut from = Orders::<T>::hashed_key_for((market, side), book_key(side, price, 0));
		from.truncate(from.len() - 8);
		Self::first_after(market, side, from)
	}
	fn next_after(&self, at: &OrderRef) -> Option<OrderRef> {
		let from =
			Orders::<T>::hashed_key_for((at.market, at.side), book_key(at.side, at.price, at.id));
		Self::first_after(at.market, at.side, from)
	}
	fn first(&self, market: MarketId, side: Side) -> Option<OrderRef> {
		let first = self.top(market).first(side)?;
		Some(OrderRef { id: first.id, market, side, price: first.price })
	}
	fn set_first(&mut self, market: MarketId, side: Side, first: Option<OrderRef>) {
		let first = first.map(|at| FirstOrder { price: at.price, id: at.id });
		let recorded = Markets::<T>::mutate_extant(market, |record| {
			record.top.set(side, first);
			Some(record.top)
		});
		let top = recorded.unwrap_or_else(|| {
			let mut top = self.top(market);
			top.set(side, first);
			top
		});
		self.top.set(Some((market, top)));
	}
}

/// The first order of a side by an ordered-key lookup in [`Orders`].
pub fn scan_first<T: Config>(market: MarketId, side: Side) -> Option<FirstOrder> {
	let at = order_ref(market, side, Orders::<T>::iter_key_prefix((market, side)).next()?);
	Some(FirstOrder { price: at.price, id: at.id })
}

/// Best price of a side by an ordered-key lookup in [`Orders`].
pub fn scan_best<T: Config>(market: MarketId, side: Side) -> Option<Price> {
	scan_first::<T>(market, side).map(|first| first.price)
}
