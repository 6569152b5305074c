//! An in-memory [`BookStore`]: levels in a BTreeMap (ordered, for best prices), orders in a
//! hash map by id (a BTreeMap without std) with each level's queue in a BTreeSet of ids.
use super::{BookStore, Level, OrderRef};
use alloc::collections::{BTreeMap, BTreeSet};
use bourse_primitives::orderbook::{MarketId, Order, OrderId, Price, Side};

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
pub type OrderMap<A> = BTreeMap<OrderId, Order<A>>;

/// A book held in memory; used by engine tests and the native benchmark.
#[derive(Clone, Debug)]
pub struct MemoryBook<A> {
	/// Resting orders by id.
	pub orders: OrderMap<A>,
	/// Levels by (market, side, price).
	pub levels: BTreeMap<(MarketId, SideKey, Price), Level>,
	/// Resting order ids in book order: (market, side, price, id).
	pub queue: BTreeSet<(MarketId, SideKey, Price, OrderId)>,
}

impl<A> Default for MemoryBook<A> {
	fn default() -> Self {
		Self { orders: OrderMap::default(), levels: BTreeMap::new(), queue: BTreeSet::new() }
	}
}

/// `Side` as an ordered map key.
pub type SideKey = u8;

fn side_key(side: Side) -> SideKey {
	match side {
		Side::Buy => 0,
		Side::Sell => 1,
	}
}

impl<A: Clone> BookStore<A> for MemoryBook<A> {
	fn order(&self, at: &OrderRef) -> Option<Order<A>> {
		self.orders.get(&at.id).cloned()
	}
	fn put_order(&mut self, order: &Order<A>) {
		self.queue.insert((order.market, side_key(order.side), order.price, order.id));
		self.orders.insert(order.id, order.clone());
	}
	fn modify_order(&mut self, at: &OrderRef, f: impl FnOnce(&mut Order<A>)) -> bool {
		self.orders.get_mut(&at.id).map(f).is_some()
	}
	fn remove_order(&mut self, at: &OrderRef) {
		self.queue.remove(&(at.market, side_key(at.side), at.price, at.id));
		self.orders.remove(&at.id);
	}
	fn next_in_level(&self, at: &OrderRef) -> Option<Order<A>> {
		let (market, side) = (at.market, side_key(at.side));
		let from = (market, side, at.price, at.id.checked_add(1)?);
		let to = (market, side, at.price, OrderId::MAX);
		let (_, _, _, id) = self.queue.range(from..=to).next()?;
		self.orders.get(id).cloned()
	}
	fn level(&self, market: MarketId, side: Side, price: Price) -> Option<Level> {
		self.levels.get(&(market, side_key(side), price)).copied()
	}
	fn put_level(&mut self, market: MarketId, side: Side, price: Price, level: &Level) {
		self.levels.insert((market, side_key(side), price), *level);
	}
	fn remove_level(&mut self, market: MarketId, side: Side, price: Price) {
		self.levels.remove(&(market, side_key(side), price));
	}
	fn best_price(&self, market: MarketId, side: Side) -> Option<Price> {
		let range = (market, side_key(side), 0)..=(market, side_key(side), Price::MAX);
		let mut levels = self.levels.range(range);
		match side {
			Side::Buy => levels.next_back(),
			Side::Sell => levels.next(),
		}
		.map(|((_, _, price), _)| *price)
	}
}
