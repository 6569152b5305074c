//! Types shared by the Bourse runtime, its pallets and the node.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod checkpoint;
pub mod orderbook;
pub mod perp;
// `decl_runtime_apis!` repeats the generic bounds in its expansion.
#[allow(clippy::multiple_bound_locations)]
pub mod runtime_api;
pub mod trading_state;

/// An account's balance of any asset (native or pallet-assets token).
pub type Balance = u128;
/// A block number.
pub type BlockNumber = u32;
