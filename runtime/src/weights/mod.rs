//! Weights of upstream pallets measured for this runtime (see `scripts/bench-weights.sh`).
pub mod pallet_balances;
