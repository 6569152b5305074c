//! Weights of pallet-perp.
//!
//! Conservative hand-set upper bounds until `frame-benchmarking` figures replace them.
use frame_support::weights::{constants::RocksDbWeight as Db, Weight};

/// Weight functions of pallet-perp.
pub trait WeightInfo {
	/// `create_perp_market`.
	fn create_perp_market() -> Weight;
	/// `deposit_collateral`.
	fn deposit_collateral() -> Weight;
	/// `withdraw_collateral` by an account trading `p` markets (each is valued).
	fn withdraw_collateral(p: u32) -> Weight;
	/// `set_oracle_price`.
	fn set_oracle_price() -> Weight;
	/// `liquidate` (book close, takeover, deleveraging).
	fn liquidate() -> Weight;
	/// Funding of `m` markets in `on_initialize`.
	fn funding(m: u32) -> Weight;
	/// `set_margin_mode`.
	fn set_margin_mode() -> Weight;
	/// `add_isolated_margin`.
	fn add_isolated_margin() -> Weight;
	/// `remove_isolated_margin`.
	fn remove_isolated_margin() -> Weight;
	/// `orderbook.place_order` in a perp market making `f` fills.
	fn place_perp_order(f: u32) -> Weight;
}

impl WeightInfo for () {
	fn create_perp_market() -> Weight {
		Weight::from_parts(30_000_000, 3_000).saturating_add(Db::get().reads_writes(3, 4))
	}
	fn deposit_collateral() -> Weight {
		Weight::from_parts(40_000_000, 4_000).saturating_add(Db::get().reads_writes(4, 4))
	}
	fn withdraw_collateral(_p: u32) -> Weight {
		Weight::from_parts(120_000_000, 20_000).saturating_add(Db::get().reads_writes(40, 8))
	}
	fn set_oracle_price() -> Weight {
		Weight::from_parts(15_000_000, 2_000).saturating_add(Db::get().reads_writes(2, 1))
	}
	fn liquidate() -> Weight {
		Weight::from_parts(2_000_000_000, 200_000).saturating_add(Db::get().reads_writes(600, 300))
	}
	fn funding(m: u32) -> Weight {
		Weight::from_parts(5_000_000, 0)
			.saturating_add(Weight::from_parts(20_000_000, 3_000).saturating_mul(m.into()))
			.saturating_add(Db::get().reads_writes(4, 1).saturating_mul(m.into()))
	}
	fn set_margin_mode() -> Weight {
		Weight::from_parts(15_000_000, 2_000).saturating_add(Db::get().reads_writes(1, 1))
	}
	fn add_isolated_margin() -> Weight {
		Weight::from_parts(60_000_000, 10_000).saturating_add(Db::get().reads_writes(40, 3))
	}
	fn remove_isolated_margin() -> Weight {
		Weight::from_parts(60_000_000, 10_000).saturating_add(Db::get().reads_writes(12, 4))
	}
	fn place_perp_order(f: u32) -> Weight {
		Weight::from_parts(120_000_000, 20_000)
			.saturating_add(Db::get().reads_writes(40, 12))
			.saturating_add(
				Weight::from_parts(90_000_000, 12_000)
					.saturating_add(Db::get().reads_writes(60, 20))
					.saturating_mul(f.into()),
			)
	}
}
