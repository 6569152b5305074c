//! Weights of pallet-checkpoint.
//!
//! Conservative hand-set upper bounds until `benchmarking.rs` is run through a benchmark CLI
//! and this file is regenerated from its figures.
use frame_support::weights::{constants::RocksDbWeight, Weight};

/// Weight functions of pallet-checkpoint.
pub trait WeightInfo {
	/// `set_validators` with `v` validators.
	fn set_validators(v: u32) -> Weight;
	/// `set_interval`.
	fn set_interval() -> Weight;
	/// Recording one checkpoint in `on_finalize` (incl. a validator-set change and pruning).
	fn on_finalize_checkpoint() -> Weight;
}

/// Weights for a runtime on RocksDB.
impl WeightInfo for () {
	fn set_validators(v: u32) -> Weight {
		Weight::from_parts(12_000_000, 1_000)
			.saturating_add(Weight::from_parts(150_000, 32).saturating_mul(v.into()))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn set_interval() -> Weight {
		Weight::from_parts(8_000_000, 0).saturating_add(RocksDbWeight::get().writes(1))
	}
	fn on_finalize_checkpoint() -> Weight {
		Weight::from_parts(25_000_000, 4_000)
			.saturating_add(RocksDbWeight::get().reads(6))
			.saturating_add(RocksDbWeight::get().writes(6))
	}
}
