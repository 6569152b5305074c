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
//! Finding a key's successor is an ordered seek, which is costly: it walks the trie down from
//! its root (a trie cache does not serve it), and over a block's overlay it also skips every
//! key the block deleted on the way. So each side's front, its first few orders in book order
//! (price and id), is kept beside the market's configuration in [`Markets`]
//! ([`MarketRecord::top`]): every order reads that one value anyway (is the market open? does
//! the order cross?), matching takes makers from the front without a seek, and the front is
//! refilled (one seek, then the keys that follow it) only when its last order leaves. The
//! record is written only when a front changes.
use crate::{
	engine::{BookStore, OrderRef},
	Config, Markets, Orders,
};
use bourse_primitives::orderbook::{Market, MarketId, Order, OrderId, Price, Side};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::cell::RefCell;
use frame_support::{traits::ConstU32, BoundedVec};
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

/// An order of a side's front: its price and id, which place it in book order.
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
	/// Its price.
	pub price: Price,
	/// Its id (time priority).
	pub id: OrderId,
}

impl FirstOrder {
	/// Its place on `side` in book order (smaller is better: best price, then oldest).
	fn rank(&self, side: Side) -> (Price, OrderId) {
		let price = match side {
			Side::Buy => u128::MAX - self.price,
			Side::Sell => self.price,
		};
		(price, self.id)
	}
}

/// Most orders a front holds.
pub const FRONT_LEN: u32 = 8;

/// The first orders of one side in book order: a prefix of the side, of 1 to [`FRONT_LEN`]
/// orders, and empty only when the side is.
pub type Front = BoundedVec<FirstOrder, ConstU32<FRONT_LEN>>;

/// The fronts of both sides of a market's book.
#[derive(
	Clone,
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
	/// The highest bids, oldest first within a price.
	pub bid: Front,
	/// The lowest asks, oldest first within a price.
	pub ask: Front,
}

impl BookTop {
	/// The best price of `side`.
	pub fn of(&self, side: Side) -> Option<Price> {
		self.first(side).map(|first| first.price)
	}

	/// The first order of `side`.
	pub fn first(&self, side: Side) -> Option<FirstOrder> {
		self.front(side).first().copied()
	}

	/// The front of `side`.
	pub fn front(&self, side: Side) -> &Front {
		match side {
			Side::Buy => &self.bid,
			Side::Sell => &self.ask,
		}
	}

	fn front_mut(&mut self, side: Side) -> &mut Front {
		match side {
			Side::Buy => &mut self.bid,
			Side::Sell => &mut self.ask,
		}
	}

	/// An order was put on `side` at `order`'s place: it joins the front when it sorts before
	/// the front's last order (the front stays a prefix; its last order may drop out) or the
	/// side was empty. Returns whether the front changed.
	fn note_put(&mut self, side: Side, order: FirstOrder) -> bool {
		let front = self.front_mut(side);
		let rank = order.rank(side);
		let at = front.partition_point(|f| f.rank(side) < rank);
		if front.get(at) == Some(&order) {
			// Rewritten in place.
			return false;
		}
		if at == front.len() && !front.is_empty() {
			// Behind the front: orders not in it may sort before this one.
			return false;
		}
		let _ = front.force_insert_keep_left(at, order);
		true
	}

	/// An order left `side`: it leaves the front. Returns whether the front changed and whether
	/// it is now empty (and must be refilled from the book).
	fn note_removed(&mut self, side: Side, order: FirstOrder) -> (bool, bool) {
		let front = self.front_mut(side);
		match front.iter().position(|f| *f == order) {
			Some(at) => {
				front.remove(at);
				(true, front.is_empty())
			},
			None => (false, false),
		}
	}

	/// Both fronts of `market` as the book holds them (ordered-key lookups).
	pub fn scan<T: Config>(market: MarketId) -> Self {
		BookTop {
			bid: scan_front::<T>(market, Side::Buy),
			ask: scan_front::<T>(market, Side::Sell),
		}
	}

	/// Whether these fronts are sound for `market`'s book: each a non-empty prefix of its side
	/// of at most [`FRONT_LEN`] orders, empty only when the side is.
	pub fn is_sound_for<T: Config>(&self, market: MarketId) -> bool {
		let book = Self::scan::<T>(market);
		[Side::Buy, Side::Sell].into_iter().all(|side| {
			let (recorded, held) = (self.front(side), book.front(side));
			recorded.is_empty() == held.is_empty() && held.starts_with(recorded)
		})
	}
}

/// A market as stored: its configuration and the fronts of its book, in one key.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct MarketRecord {
	/// What the market trades and how (tick, lot, fees, status, kind).
	pub market: Market,
	/// The fronts of its book (best bids and best asks).
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

/// The fronts recorded for `market` (without a record: as its book holds them).
pub fn recorded_top<T: Config>(market: MarketId) -> BookTop {
	match Markets::<T>::get(market) {
		Some(record) => record.top,
		// Not reached by the pallet (every market has a record); engine-level users of the
		// book may have none, and get the book's answer.
		None => BookTop::scan::<T>(market),
	}
}

/// The order book in chain storage. It remembers the fronts of the last market it read or
/// wrote them for, so one operation reads a market's record once; every change is written
/// through at once. An instance lives for one operation: held across calls that could change
/// the same market's fronts through another instance, it would answer from a stale copy.
pub struct StorageBook<T> {
	top: RefCell<Option<(MarketId, BookTop)>>,
	/// Fronts refilled from the book so far (each a seek and the keys after it).
	refills: u32,
	_config: core::marker::PhantomData<T>,
}

impl<T> Default for StorageBook<T> {
	fn default() -> Self {
		Self { top: RefCell::new(None), refills: 0, _config: Default::default() }
	}
}

impl<T: Config> StorageBook<T> {
	/// A book that knows `market`'s fronts already (read with its record).
	pub fn knowing(market: MarketId, top: BookTop) -> Self {
		Self { top: RefCell::new(Some((market, top))), refills: 0, _config: Default::default() }
	}

	/// How many times a front was refilled from the book through this instance (what a
	/// cancel is charged for beyond removing its order).
	pub fn refills(&self) -> u32 {
		self.refills
	}

	/// Runs `f` on `market`'s fronts, read from its record only if not known yet; writes them
	/// back to the record when `f` says it changed them.
	fn with_top<R>(&self, market: MarketId, f: impl FnOnce(&mut BookTop) -> (bool, R)) -> R {
		let mut known = self.top.borrow_mut();
		if !matches!(&*known, Some((id, _)) if *id == market) {
			*known = Some((market, recorded_top::<T>(market)));
		}
		let mut none = BookTop::default();
		let top = match known.as_mut() {
			Some((_, top)) => top,
			// (Not reached: set above.)
			None => &mut none,
		};
		let (changed, result) = f(top);
		if changed {
			Markets::<T>::mutate_extant(market, |record| record.top = top.clone());
		}
		result
	}

	/// The first order stored after raw key `from` under (market, side).
	fn first_after(market: MarketId, side: Side, from: alloc::vec::Vec<u8>) -> Option<OrderRef> {
		let key = Orders::<T>::iter_key_prefix_from((market, side), from).next()?;
		Some(order_ref(market, side, key))
	}

	/// The front of the orders behind `at` on its side: one seek, then the keys that follow.
	fn front_after(at: &OrderRef) -> Front {
		let from =
			Orders::<T>::hashed_key_for((at.market, at.side), book_key(at.side, at.price, at.id));
		Self::front_from(at.market, at.side, from)
	}

	fn front_from(market: MarketId, side: Side, from: alloc::vec::Vec<u8>) -> Front {
		let orders = Orders::<T>::iter_key_prefix_from((market, side), from)
			.take(FRONT_LEN as usize)
			.map(|key| {
				let at = order_ref(market, side, key);
				FirstOrder { price: at.price, id: at.id }
			});
		Front::truncate_from(orders.collect())
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
		let placed = FirstOrder { price: order.price, id: order.id };
		self.with_top(order.market, |top| (top.note_put(order.side, placed), ()));
	}
	fn remove_order(&mut self, at: &OrderRef) {
		Orders::<T>::remove((at.market, at.side), book_key(at.side, at.price, at.id));
		let removed = FirstOrder { price: at.price, id: at.id };
		let refilled = self.with_top(at.market, |top| {
			let (changed, emptied) = top.note_removed(at.side, removed);
			if emptied {
				*top.front_mut(at.side) = Self::front_after(at);
			}
			(changed, emptied)
		});
		self.refills = self.refills.saturating_add(refilled.into());
	}
	fn first_from(&self, market: MarketId, side: Side, price: Price) -> Option<OrderRef> {
		// The raw key up to the price bytes: every key of the level (and of worse levels)
		// sorts after it, none equals it.
		let mut from = Orders::<T>::hashed_key_for((market, side), book_key(side, price, 0));
		from.truncate(from.len() - 8);
		Self::first_after(market, side, from)
	}
	fn next_after(&self, at: &OrderRef) -> Option<OrderRef> {
		// The front is a prefix of the side: an order of it behind `at` is the next one.
		let place = FirstOrder { price: at.price, id: at.id }.rank(at.side);
		let known = self.with_top(at.market, |top| {
			let front = top.front(at.side);
			(false, front.iter().find(|f| f.rank(at.side) > place).copied())
		});
		match known {
			Some(next) => Some(OrderRef { id: next.id, price: next.price, ..*at }),
			None => {
				let from = Orders::<T>::hashed_key_for(
					(at.market, at.side),
					book_key(at.side, at.price, at.id),
				);
				Self::first_after(at.market, at.side, from)
			},
		}
	}
	fn first(&self, market: MarketId, side: Side) -> Option<OrderRef> {
		let first = self.with_top(market, |top| (false, top.first(side)))?;
		Some(OrderRef { id: first.id, market, side, price: first.price })
	}
}

/// The front of a side as the book holds it (ordered-key lookups in [`Orders`]).
pub fn scan_front<T: Config>(market: MarketId, side: Side) -> Front {
	let mut from = Orders::<T>::hashed_key_for((market, side), book_key(side, 0, 0));
	// The side's prefix itself: every order key of the side sorts after it.
	from.truncate(from.len() - core::mem::size_of::<BookKey>());
	StorageBook::<T>::front_from(market, side, from)
}

/// Best price of a side by an ordered-key lookup in [`Orders`].
pub fn scan_best<T: Config>(market: MarketId, side: Side) -> Option<Price> {
	scan_front::<T>(market, side).first().map(|first| first.price)
}
