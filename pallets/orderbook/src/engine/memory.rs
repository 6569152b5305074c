//! An in-memory [`BookStore`]: orders in a hash map by id (a BTreeMap without std), and their
//! book order in a BTreeSet of (market, side, level key, id), as the pallet's storage keys
//! them (bids by `u128::MAX - price`, so both sides iterate best first).
use super::{BookStore, OrderRef};
use alloc::collections::BTreeSet;
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
pub type OrderMap<A> = alloc::collections::BTreeMap<OrderId, Order<A>>;

/// A book held in memory; used by engine tests and the native benchmark.
#[derive(Clone, Debug)]
pub struct MemoryBook<A> {
	/// Resting orders by id.
	pub orders: OrderMap<A>,
	/// Resting orders in book order: (market, side, level key, id).
	pub queue: BTreeSet<(MarketId, SideKey, LevelKey, OrderId)>,
}

impl<A> Default for MemoryBook<A> {
	fn default() -> Self {
		Self { orders: OrderMap::default(), queue: BTreeSet::new() }
	}
}

/// A price as an ordered key on its side: best first.
pub type LevelKey = u128;

fn level_key(side: Side, price: Price) -> LevelKey {
	match side {
		Side::Buy => u128::MAX - price,
		Side::Sell => price,
	}
}

fn level_price(side: SideKey, key: LevelKey) -> Price {
	if side == 0 {
		u128::MAX - key
	} else {
		key
	}
}

impl<A> MemoryBook<A> {
	/// The first order at `from` or behind it on its side.
	fn first_at_or_after(&self, from: (MarketId, SideKey, LevelKey, OrderId)) -> Option<OrderRef> {
		let (market, side, _, _) = from;
		let end = (market, side, LevelKey::MAX, OrderId::MAX);
		self.queue.range(from..=end).next().map(|&(market, side_key, key, id)| OrderRef {
			id,
			market,
			side: if side_key == 0 { Side::Buy } else { Side::Sell },
			price: level_price(side_key, key),
		})
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
		let side = side_key(order.side);
		self.queue.insert((order.market, side, level_key(order.side, order.price), order.id));
		self.orders.insert(order.id, order.clone());
	}
	fn modify_order(&mut self, at: &OrderRef, f: impl FnOnce(&mut Order<A>)) -> bool {
		self.orders.get_mut(&at.id).map(f).is_some()
	}
	fn remove_order(&mut self, at: &OrderRef) {
		self.queue.remove(&(at.market, side_key(at.side), level_key(at.side, at.price), at.id));
		self.orders.remove(&at.id);
	}
	fn first_from(&self, market: MarketId, side: Side, price: Price) -> Option<OrderRef> {
		self.first_at_or_after((market, side_key(side), level_key(side, price), 0))
	}
	fn next_after(&self, at: &OrderRef) -> Option<OrderRef> {
		let key = level_key(at.side, at.price);
		let from = match at.id.checked_add(1) {
			Some(id) => (at.market, side_key(at.side), key, id),
			None => (at.market, side_key(at.side), key.checked_add(1)?, 0),
		};
		self.first_at_or_after(from)
	}
	fn best_price(&self, market: MarketId, side: Side) -> Option<Price> {
		self.first_from(
			market,
			side,
			match side {
				Side::Buy => Price::MAX,
				Side::Sell => 0,
			},
		)
		.map(|at| at.price)
	}
}
