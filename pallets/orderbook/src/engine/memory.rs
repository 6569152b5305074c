//! An in-memory [`BookStore`]: orders in a hash map by id (a BTreeMap without std), each price
//! level a FIFO of ids in a BTreeMap keyed (market, side, level key) (bids by
//! `u128::MAX - price`, so both sides iterate best first), and each side's first order kept
//! at hand as the pallet's market records keep it.
use super::{BookStore, OrderRef};
use alloc::collections::{BTreeMap, VecDeque};
use bourse_primitives::orderbook::{MarketId, Order, OrderId, Price, Side};
use core::ops::Bound;

/// Hashes an order id with one multiplication (Fibonacci hashing): ids are sequential, so
/// this spreads them well, and unlike `RandomState` it is deterministic (reproducible tests).
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug, Default)]
pub struct IdHasher(u64);

#[cfg(feature = "std")]
impl core::hash::Hasher for IdHasher {
	fn finish(&self) -> u64 {
		self.0
	}
	fn write(&mut self, bytes: &[u8]) {
		for byte in bytes {
			self.0 = (self.0.rotate_left(8) ^ *byte as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
		}
	}
	fn write_u64(&mut self, id: u64) {
		self.0 = id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
	}
}

/// Orders by id.
#[cfg(feature = "std")]
pub type OrderMap<A> =
	std::collections::HashMap<OrderId, Order<A>, core::hash::BuildHasherDefault<IdHasher>>;
/// Orders by id.
#[cfg(not(feature = "std"))]
pub type OrderMap<A> = alloc::collections::BTreeMap<OrderId, Order<A>>;

/// `Side` as an ordered map key.
pub type SideKey = u8;

/// A price as an ordered key on its side: best first.
pub type LevelKey = u128;

/// Where a level sits in book order.
type Place = (MarketId, SideKey, LevelKey);

/// A book held in memory; used by engine tests and the native benchmark.
#[derive(Clone, Debug)]
pub struct MemoryBook<A> {
	/// Resting orders by id.
	pub orders: OrderMap<A>,
	/// Each non-empty price level's order ids, oldest (smallest) first.
	levels: BTreeMap<Place, VecDeque<OrderId>>,
	/// The first order of each side that has orders (a book has few sides: a list).
	firsts: alloc::vec::Vec<OrderRef>,
}

impl<A> Default for MemoryBook<A> {
	fn default() -> Self {
		Self {
			orders: OrderMap::default(),
			levels: BTreeMap::new(),
			firsts: alloc::vec::Vec::new(),
		}
	}
}

fn side_key(side: Side) -> SideKey {
	match side {
		Side::Buy => 0,
		Side::Sell => 1,
	}
}

fn level_key(side: Side, price: Price) -> LevelKey {
	match side {
		Side::Buy => u128::MAX - price,
		Side::Sell => price,
	}
}

fn place(market: MarketId, side: Side, price: Price) -> Place {
	(market, side_key(side), level_key(side, price))
}

impl<A> MemoryBook<A> {
	/// How many order ids the levels hold (equal to `orders.len()` in a sound book).
	pub fn queued(&self) -> usize {
		self.levels.values().map(VecDeque::len).sum()
	}

	/// The oldest order of the first level in `range` (levels are never empty).
	fn first_of(&self, range: (Bound<Place>, Bound<Place>), side: Side) -> Option<OrderRef> {
		let (&(market, _, key), ids) = self.levels.range(range).next()?;
		let price = match side {
			Side::Buy => u128::MAX - key,
			Side::Sell => key,
		};
		Some(OrderRef { id: *ids.front()?, market, side, price })
	}
}

impl<A: Clone> BookStore<A> for MemoryBook<A> {
	fn order(&self, at: &OrderRef) -> Option<Order<A>> {
		self.orders.get(&at.id).cloned()
	}
	fn put_order(&mut self, order: &Order<A>) {
		// An order rewritten in place (same id, hence same place) keeps its queue position.
		if self.orders.insert(order.id, order.clone()).is_some() {
			return;
		}
		let at = OrderRef::of(order);
		let rank = |at: &OrderRef| (level_key(at.side, at.price), at.id);
		match self.firsts.iter_mut().find(|f| (f.market, f.side) == (at.market, at.side)) {
			Some(first) if rank(&at) < rank(first) => *first = at,
			Some(_) => {},
			None => self.firsts.push(at),
		}
		let ids = self.levels.entry(place(order.market, order.side, order.price)).or_default();
		// New orders are the newest of their level; anything else goes to its id's position.
		match ids.back() {
			Some(&last) if last > order.id => {
				let at = ids.partition_point(|&id| id < order.id);
				ids.insert(at, order.id);
			},
			_ => ids.push_back(order.id),
		}
	}
	fn modify_order(&mut self, at: &OrderRef, f: impl FnOnce(&mut Order<A>)) -> bool {
		self.orders.get_mut(&at.id).map(f).is_some()
	}
	fn remove_order(&mut self, at: &OrderRef) {
		let key = place(at.market, at.side, at.price);
		if let Some(ids) = self.levels.get_mut(&key) {
			if ids.front() == Some(&at.id) {
				ids.pop_front();
			} else if let Ok(index) = ids.binary_search(&at.id) {
				ids.remove(index);
			}
			if ids.is_empty() {
				self.levels.remove(&key);
			}
		}
		self.orders.remove(&at.id);
		if let Some(index) = self.firsts.iter().position(|f| f == at) {
			match self.next_after(at) {
				Some(next) => self.firsts[index] = next,
				None => {
					self.firsts.swap_remove(index);
				},
			}
		}
	}
	fn first_from(&self, market: MarketId, side: Side, price: Price) -> Option<OrderRef> {
		let end = (market, side_key(side), LevelKey::MAX);
		self.first_of((Bound::Included(place(market, side, price)), Bound::Included(end)), side)
	}
	fn next_after(&self, at: &OrderRef) -> Option<OrderRef> {
		let key = place(at.market, at.side, at.price);
		if let Some(ids) = self.levels.get(&key) {
			// (`at` itself may be gone already: matching removes a maker before moving on.)
			if let Some(&id) = ids.get(ids.partition_point(|&id| id <= at.id)) {
				return Some(OrderRef { id, ..*at });
			}
		}
		let end = (at.market, side_key(at.side), LevelKey::MAX);
		self.first_of((Bound::Excluded(key), Bound::Included(end)), at.side)
	}
	fn first(&self, market: MarketId, side: Side) -> Option<OrderRef> {
		self.firsts.iter().find(|f| (f.market, f.side) == (market, side)).copied()
	}
}
