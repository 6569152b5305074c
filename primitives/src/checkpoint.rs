//! Checkpoint finality types: the `ckpt` key, what validators sign, certificates, quorum.
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::ConsensusEngineId;

/// Key type of checkpoint validator keys in the keystore.
pub const KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"ckpt");

/// Engine id under which certificates are stored as block justifications.
pub const CONSENSUS_ENGINE_ID: ConsensusEngineId = *b"BRSC";

/// ed25519: small signatures and fast verification, which matters when importing many.
pub mod app {
	use sp_application_crypto::{app_crypto, ed25519};
	app_crypto!(ed25519, super::KEY_TYPE);
}

/// A checkpoint validator's public key.
pub type CheckpointId = app::Public;
/// A checkpoint validator's signature.
pub type CheckpointSignature = app::Signature;
/// Sequence number of a checkpoint (block number / interval).
pub type CheckpointNumber = u64;
/// Identifies a validator set; bumped on every change.
pub type ValidatorSetId = u64;

/// The validator set that signs checkpoints.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct ValidatorSet {
	/// Set id: signatures name it, so a vote cannot be replayed into another set.
	pub id: ValidatorSetId,
	/// Validators in a fixed order; certificates refer to them by index.
	pub validators: Vec<CheckpointId>,
}

impl ValidatorSet {
	/// Signatures needed for a certificate.
	pub fn quorum(&self) -> usize {
		quorum(self.validators.len())
	}
}

/// Signatures needed from `n` validators: more than two thirds (`n - (n-1)/3`; 0 for none).
pub fn quorum(n: usize) -> usize {
	if n == 0 {
		0
	} else {
		n - (n - 1) / 3
	}
}

/// What a validator signs for a checkpoint.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Hash,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct Checkpoint {
	/// Checkpoint sequence number.
	pub number: CheckpointNumber,
	/// Block number of the checkpointed block.
	pub block_number: u32,
	/// Hash of the checkpointed block.
	pub block_hash: H256,
	/// Digest of the trading state recorded on chain at that block.
	pub state_digest: H256,
	/// The validator set the signer belongs to.
	pub set_id: ValidatorSetId,
}

impl Checkpoint {
	/// The checkpoint a validator signs for `record`, taken at block `block_hash`.
	pub fn from_record(record: &CheckpointRecord, block_hash: H256) -> Self {
		Checkpoint {
			number: record.number,
			block_number: record.block_number,
			block_hash,
			state_digest: record.state_digest,
			set_id: record.set_id,
		}
	}

	/// Whether `signature` by `signer` signs this checkpoint.
	pub fn verify(&self, signer: &CheckpointId, signature: &CheckpointSignature) -> bool {
		use sp_application_crypto::RuntimeAppPublic;
		signer.verify(&self.encode(), signature)
	}
}

impl Certificate {
	/// Checks the certificate on its own against `set`: the set id matches, every signature
	/// is valid and by a distinct member, and there are at least `quorum` of them.
	pub fn verify(&self, set: &ValidatorSet) -> Result<(), CertificateError> {
		// A quorum of nobody is zero signatures: never a proof of anything.
		if set.validators.is_empty() {
			return Err(CertificateError::EmptySet);
		}
		if self.checkpoint.set_id != set.id {
			return Err(CertificateError::WrongSet);
		}
		let signed = self.signed_by().ok_or(CertificateError::Malformed)?;
		if signed.len() < set.quorum() {
			return Err(CertificateError::NoQuorum);
		}
		for (index, signature) in signed {
			let signer =
				set.validators.get(index as usize).ok_or(CertificateError::UnknownSigner)?;
			if !self.checkpoint.verify(signer, signature) {
				return Err(CertificateError::BadSignature(index));
			}
		}
		Ok(())
	}
}

/// Why a certificate does not verify.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CertificateError {
	/// The validator set is empty.
	EmptySet,
	/// Signed for another validator set.
	WrongSet,
	/// Signer bitfield and signatures disagree.
	Malformed,
	/// Fewer signatures than the quorum.
	NoQuorum,
	/// A signer index outside the set.
	UnknownSigner,
	/// The signature of this validator index is invalid.
	BadSignature(u32),
}

/// The on-chain record pallet-checkpoint keeps for each checkpoint.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct CheckpointRecord {
	/// Checkpoint sequence number.
	pub number: CheckpointNumber,
	/// Block at which it was taken.
	pub block_number: u32,
	/// Running digest of every trading-state change up to this block.
	pub state_digest: H256,
	/// Resting orders at that block.
	pub open_orders: u64,
	/// Open perp positions at that block.
	pub open_positions: u64,
	/// Validator set that signs it.
	pub set_id: ValidatorSetId,
}

/// A quorum of validator signatures over one checkpoint: enough to finalize its block.
///
/// Signers are a bitfield over validator indices (one bit each instead of a 4-byte index), so
/// a certificate of 100 validators is about 6.4 KB, almost all of it signatures.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct Certificate {
	/// The signed checkpoint.
	pub checkpoint: Checkpoint,
	/// Bit `i` (byte `i / 8`, bit `i % 8`) is set when validator `i` signed.
	pub signers: Vec<u8>,
	/// Signatures of the signers in ascending index order.
	pub signatures: Vec<CheckpointSignature>,
}

impl Certificate {
	/// Builds a certificate from (validator index, signature) pairs in any order.
	pub fn new(checkpoint: Checkpoint, mut signed: Vec<(u32, CheckpointSignature)>) -> Self {
		signed.sort_by_key(|(index, _)| *index);
		signed.dedup_by_key(|(index, _)| *index);
		let bytes = signed.last().map_or(0, |(index, _)| *index as usize / 8 + 1);
		let mut signers = alloc::vec![0u8; bytes];
		for (index, _) in &signed {
			signers[*index as usize / 8] |= 1 << (index % 8);
		}
		Certificate {
			checkpoint,
			signers,
			signatures: signed.into_iter().map(|(_, s)| s).collect(),
		}
	}

	/// (validator index, signature) pairs, ascending by index; `None` if the bitfield and the
	/// signature list disagree.
	pub fn signed_by(&self) -> Option<Vec<(u32, &CheckpointSignature)>> {
		let indices: Vec<u32> = (0..self.signers.len() as u32 * 8)
			.filter(|i| self.signers[*i as usize / 8] & (1 << (i % 8)) != 0)
			.collect();
		(indices.len() == self.signatures.len())
			.then(|| indices.into_iter().zip(&self.signatures).collect())
	}
}

/// Trading pallets report every state change here, so the checkpoint digest is maintained
/// incrementally and never needs a storage scan.
pub trait OnTradingStateChange {
	/// Folds an encoded description of one change into the running digest.
	fn note_change(change: &[u8]);
}

impl OnTradingStateChange for () {
	fn note_change(_: &[u8]) {}
}
