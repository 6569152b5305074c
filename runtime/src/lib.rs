//! The Bourse runtime: FRAME system pallets (accounts, fees, Aura block production, sudo) plus
//! the trading pallets (order book, perps) and checkpoints for finality.
#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime`-style macros need a large recursion limit.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

pub mod apis;
pub mod configs;
pub mod db_weights;
pub mod genesis_config_presets;
pub mod market_info;
pub mod proxy;
pub mod weights;

use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use bourse_primitives::Balance;
pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;

/// Opaque types the node uses without knowing the runtime's extrinsic format.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
}

impl_opaque_keys! {
	/// Keys a validator holds: Aura for block production, GRANDPA for finality, `ckpt` for
	/// checkpoint attestations. Dev nodes (`--alice`, ...) get all three from their seed.
	pub struct SessionKeys {
		pub aura: Aura,
		pub grandpa: Grandpa,
		pub checkpoint: Checkpoint,
	}
}

#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("bourse"),
	impl_name: alloc::borrow::Cow::Borrowed("bourse"),
	authoring_version: 1,
	spec_version: 107,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// Target block time. Trading wants short blocks; 2 s still leaves Aura slack on small nodes.
pub const MILLISECS_PER_BLOCK: u64 = 2000;
/// Aura slot length; cannot change once the chain has started.
pub const SLOT_DURATION: u64 = MILLISECS_PER_BLOCK;

/// Native token units: 12 decimals.
pub const UNIT: Balance = 1_000_000_000_000;
/// Derives the order book's vault: the account holding every token deposited for trading.
pub const ORDERBOOK_PALLET_ID: frame_support::PalletId = frame_support::PalletId(*b"brs/book");

/// Smallest balance an account may hold.
pub const EXISTENTIAL_DEPOSIT: Balance = UNIT / 1000;

/// Signature of a transaction.
pub type Signature = MultiSignature;
/// An account: the public key of the signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// A block number.
pub type BlockNumber = u32;
/// Nonce of an account.
pub type Nonce = u32;
/// Block and state hash.
pub type Hash = sp_core::H256;
/// Pallet-assets token id.
pub type AssetId = u32;
/// The address format of extrinsics.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// Checks applied to every signed transaction.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
);

/// The extension a wallet signs with: immortal, no tip, `nonce` as given.
pub fn tx_extension(nonce: Nonce) -> TxExtension {
	(
		frame_system::CheckNonZeroSender::new(),
		frame_system::CheckSpecVersion::new(),
		frame_system::CheckTxVersion::new(),
		frame_system::CheckGenesis::new(),
		frame_system::CheckEra::from(sp_runtime::generic::Era::Immortal),
		frame_system::CheckNonce::from(nonce),
		frame_system::CheckWeight::new(),
		pallet_transaction_payment::ChargeTransactionPayment::from(0),
	)
}

/// Extrinsic format.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// What a signer signs.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Storage migrations run on a runtime upgrade, all in one place. (pallet-orderbook keeps only
/// its migration to v6: the earlier ones read layouts it no longer has, so a chain whose order
/// book is below v5 upgrades through an earlier runtime first.)
pub type Migrations = (
	pallet_perp::migrations::v2::MigrateV1ToV2<Runtime>,
	pallet_perp::migrations::v3::MigrateV2ToV3<Runtime, configs::OldFeeAccount>,
	pallet_perp::migrations::v4::MigrateV3ToV4<Runtime>,
	pallet_orderbook::migrations::v6::MigrateV5ToV6<Runtime>,
	pallet_orderbook::migrations::v7::MigrateV6ToV7<Runtime>,
	pallet_orderbook::migrations::v8::MigrateV7ToV8<Runtime>,
	pallet_orderbook::migrations::v9::MigrateV8ToV9<Runtime>,
	pallet_orderbook::migrations::v10::MigrateV9ToV10<Runtime>,
);

/// The pallets `frame-omni-bencher` (or `benchmark pallet`) measures to generate weights.
#[cfg(feature = "runtime-benchmarks")]
// The generated macros name the pallets by `crate::` paths on purpose: they expand in the
// runtime API implementations elsewhere in this crate.
#[allow(clippy::crate_in_macro_def)]
mod benches {
	impl frame_system_benchmarking::Config for crate::Runtime {}

	frame_benchmarking::define_benchmarks!(
		[frame_system, frame_system_benchmarking::Pallet::<crate::Runtime>]
		[pallet_balances, crate::Balances]
		[pallet_timestamp, crate::Timestamp]
		[pallet_orderbook, crate::Orderbook]
		[pallet_perp, crate::Perp]
		[pallet_checkpoint, crate::Checkpoint]
	);
}

/// Dispatches to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;
	#[runtime::pallet_index(3)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(4)]
	pub type TransactionPayment = pallet_transaction_payment;
	#[runtime::pallet_index(5)]
	pub type Sudo = pallet_sudo;
	#[runtime::pallet_index(6)]
	pub type Assets = pallet_assets;
	#[runtime::pallet_index(7)]
	pub type AssetsHolder = pallet_assets_holder;

	#[runtime::pallet_index(10)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(8)]
	pub type Proxy = pallet_proxy;
	#[runtime::pallet_index(9)]
	pub type Utility = pallet_utility;

	#[runtime::pallet_index(20)]
	pub type Orderbook = pallet_orderbook;
	#[runtime::pallet_index(21)]
	pub type Perp = pallet_perp;
	#[runtime::pallet_index(22)]
	pub type Checkpoint = pallet_checkpoint;
	#[runtime::pallet_index(23)]
	pub type Oracle = pallet_oracle;
}
