//! The chain the fuzzer drives: the development genesis of the real runtime in memory, blocks
//! built the way the node's block builder builds them (Aura pre-digest, timestamp inherent,
//! `inherents_applied`, signed extrinsics each in a storage transaction that is rolled back if
//! the extrinsic is invalid, `finalize_block` with `on_idle` and `on_finalize`).
use bourse_runtime::{
	genesis_config_presets::development_config, tx_extension, Executive, Header, Runtime,
	RuntimeCall, SignedPayload, UncheckedExtrinsic, SLOT_DURATION, VERSION,
};
use codec::Encode;
use sp_consensus_aura::{Slot, AURA_ENGINE_ID};
use sp_core::{sr25519, storage::Storage, Pair as _, H256};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{
	traits::{Header as _, Zero},
	ApplyExtrinsicResult, BuildStorage, Digest, DigestItem, MultiSignature,
};
use std::sync::OnceLock;

/// The development chain's genesis storage, built once per process.
pub fn genesis() -> Storage {
	static GENESIS: OnceLock<Storage> = OnceLock::new();
	GENESIS
		.get_or_init(|| {
			development_config().build_storage().expect("the development genesis builds")
		})
		.clone()
}

/// A signed extrinsic of `who`, immortal, no tip, as a wallet would build it.
pub fn sign(who: Sr25519Keyring, call: RuntimeCall, nonce: u32) -> UncheckedExtrinsic {
	sign_with(&who.pair(), call, nonce)
}

/// A signed extrinsic of the account of `pair` (see [`sign`]).
pub fn sign_with(pair: &sr25519::Pair, call: RuntimeCall, nonce: u32) -> UncheckedExtrinsic {
	let genesis = frame_system::BlockHash::<Runtime>::get(0u32);
	let extension = tx_extension(nonce);
	let implicit =
		((), VERSION.spec_version, VERSION.transaction_version, genesis, genesis, (), (), ());
	let payload = SignedPayload::from_raw(call.clone(), extension.clone(), implicit);
	let signature = payload.using_encoded(|bytes| pair.sign(bytes));
	let who: sp_runtime::AccountId32 = pair.public().into();
	UncheckedExtrinsic::new_signed(call, who.into(), MultiSignature::Sr25519(signature), extension)
}

/// Block production state between blocks.
pub struct Producer {
	slot: u64,
	parent: H256,
}

impl Default for Producer {
	fn default() -> Self {
		Self { slot: 0, parent: H256::zero() }
	}
}

impl Producer {
	/// Opens the next block `slots` slots after the last one: initialization, the timestamp
	/// inherent, then the post-inherent hooks. Runs inside the externalities.
	pub fn open_block(&mut self, slots: u64) {
		self.slot += slots.max(1);
		let number = frame_system::Pallet::<Runtime>::block_number() + 1;
		let digest = Digest {
			logs: vec![DigestItem::PreRuntime(AURA_ENGINE_ID, Slot::from(self.slot).encode())],
		};
		let header = Header::new(number, H256::zero(), H256::zero(), self.parent, digest);
		Executive::initialize_block(&header);
		let now = self.slot * SLOT_DURATION;
		let inherent = UncheckedExtrinsic::new_bare(pallet_timestamp::Call::set { now }.into());
		let applied = Executive::apply_extrinsic(inherent);
		assert!(
			matches!(applied, Ok(Ok(()))),
			"the timestamp inherent failed in block {number}: {applied:?}"
		);
		Executive::inherents_applied();
	}

	/// Applies `xt` as the block builder does: in a storage transaction, kept only if the
	/// extrinsic is valid (a dispatch error is valid: fees are paid, the call's changes are
	/// undone by the dispatch itself).
	pub fn apply(xt: UncheckedExtrinsic) -> ApplyExtrinsicResult {
		sp_io::storage::start_transaction();
		let result = Executive::apply_extrinsic(xt);
		if result.is_ok() {
			sp_io::storage::commit_transaction();
		} else {
			sp_io::storage::rollback_transaction();
		}
		result
	}

	/// Ends the block (`on_idle`, `on_finalize`, the header with its state root).
	pub fn close_block(&mut self) {
		let header = Executive::finalize_block();
		assert!(!header.number().is_zero());
		self.parent = header.hash();
	}
}
