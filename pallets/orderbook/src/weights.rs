//! Weights of pallet-orderbook.
//!
//! The `()` implementation holds conservative hand-set upper bounds (ref time in picoseconds
//! plus database accesses) until `benchmarking.rs` is run through a benchmark CLI and this file
//! is regenerated from its figures.
use frame_support::weights::{constants::RocksDbWeight as Db, Weight};

/// Weight functions of pallet-orderbook.
pub trait WeightInfo {
	/// `create_market`.
	fn create_market() -> Weight;
	/// `set_market_status`.
	fn set_market_status() -> Weight;
	/// `place_order` / `place_market_order` making `f` fills.
	fn place_order(f: u32) -> Weight;
	/// `cancel_order`.
	fn cancel_order() -> Weight;
	/// `cancel_all` over `n` orders.
	fn cancel_all(n: u32) -> Weight;
	/// `replace_order` making `f` fills.
	fn replace_order(f: u32) -> Weight;
	/// `place_orders` with `n` resting orders (fills are charged as in `place_order`).
	fn place_orders(n: u32) -> Weight;
	/// Expiring one order in `on_idle`.
	fn expire_order() -> Weight;
}

impl WeightInfo for () {
	fn create_market() -> Weight {
		Weight::from_parts(15_000_000, 1_600).saturating_add(Db::get().reads_writes(1, 2))
	}
	fn set_market_status() -> Weight {
		Weight::from_parts(12_000_000, 1_600).saturating_add(Db::get().reads_writes(1, 1))
	}
	fn place_order(f: u32) -> Weight {
		Weight::from_parts(60_000_000, 8_000)
			.saturating_add(Db::get().reads_writes(10, 8))
			.saturating_add(
				Weight::from_parts(45_000_000, 6_000)
					// + the two orders' fill histories
					.saturating_add(Db::get().reads_writes(11, 12))
					.saturating_mul(f.into()),
			)
	}
	fn cancel_order() -> Weight {
		Weight::from_parts(40_000_000, 6_000).saturating_add(Db::get().reads_writes(6, 6))
	}
	fn cancel_all(n: u32) -> Weight {
		Weight::from_parts(10_000_000, 3_000)
			.saturating_add(Db::get().reads(2))
			.saturating_add(Self::cancel_order().saturating_mul(n.into()))
	}
	fn replace_order(f: u32) -> Weight {
		Self::cancel_order().saturating_add(Self::place_order(f))
	}
	fn place_orders(n: u32) -> Weight {
		Weight::from_parts(5_000_000, 0)
			.saturating_add(Self::place_order(0).saturating_mul(n.into()))
	}
	fn expire_order() -> Weight {
		Self::cancel_order().saturating_add(Db::get().reads(1))
	}
}
