//! An in-memory [`BookStore`]: BTreeMap levels, HashMap-free so it also builds without std.
use super::{BookStore, Level};
use alloc::collections::BTreeMap;
use bourse_primitives::orderbook::{MarketId, Order, OrderId, Price, Side};

/// A book held in memory; used by engine tests and the native benchmark.
#[derive(Clone, Debug)]
pub struct MemoryBook<A> {
	/// Resting orders by id.
	pub orders: BTreeMap<OrderId, Order<A>>,
	/// Levels by (market, side, price).
	pub levels: BTreeMap<(MarketId, SideKey, Price), Level>,
}

impl<A> Default for MemoryBook<A> {
	fn default() -> Self {
		Self { orders: BTreeMap::new(), levels: BTreeMap::new() }
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
	fn order(&self, id: OrderId) -> Option<Order<A>> {
		self.orders.get(&id).cloned()
	}
	fn put_order(&mut self, order: &Order<A>) {
		self.orders.insert(order.id, order.clone());
	}
	fn remove_order(&mut self, id: OrderId) {
		self.orders.remove(&id);
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
