//! Block import that takes checkpoint certificates off synced blocks.
//!
//! Gossip only carries recent certificates; a node syncing history gets the old ones with the
//! blocks, as a justification under the Bourse engine id beside GRANDPA's. The certificate is
//! taken off the block, the block is imported (through GRANDPA's import), then the
//! certificate is checked against the validator set and the checkpoint record in that block's
//! state. A valid one goes to the worker, which records it once GRANDPA has finalized the
//! block; an invalid one is dropped (never stored or served to peers) and the block stays
//! imported. A certificate never finalizes anything.
use crate::LOG_TARGET;
use bourse_primitives::{
	checkpoint::{
		Certificate, CertificateError, Checkpoint, CheckpointRecord, ValidatorSet, ValidatorSetId,
		CONSENSUS_ENGINE_ID,
	},
	runtime_api::CheckpointApi,
};
use codec::DecodeAll;
use sc_consensus::{BlockCheckParams, BlockImport, BlockImportParams, ImportResult};
use sc_utils::mpsc::{tracing_unbounded, TracingUnboundedReceiver, TracingUnboundedSender};
use sp_api::ProvideRuntimeApi;
use sp_core::H256;
use sp_runtime::traits::Block as BlockT;
use std::sync::Arc;

/// Verified certificates from imported blocks, read by the worker.
pub type ImportedCertificates = TracingUnboundedReceiver<Certificate>;

/// Wraps the client's block import; see the module docs.
pub struct CheckpointBlockImport<I, C> {
	inner: I,
	client: Arc<C>,
	certificates: TracingUnboundedSender<Certificate>,
}

/// The block import for the import queue, and the stream the worker reads its certificates
/// from (pass it in [`crate::GadgetParams`]).
pub fn block_import<I, C>(
	inner: I,
	client: Arc<C>,
) -> (CheckpointBlockImport<I, C>, ImportedCertificates) {
	let (certificates, stream) = tracing_unbounded("mpsc_checkpoint_imported_certificates", 1_000);
	(CheckpointBlockImport { inner, client, certificates }, stream)
}

/// Why a certificate that came with a block is not accepted.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum ImportedCertificateError {
	/// Not a SCALE-encoded certificate.
	#[error("undecodable certificate")]
	Undecodable,
	/// It certifies another block.
	#[error("certificate is for block {0:?}")]
	OtherBlock(H256),
	/// The block's state holds no checkpoint record equal to the certified checkpoint.
	#[error("no matching checkpoint record in the block's state")]
	NoMatchingRecord,
	/// Signed by another validator set than the one on chain at the block.
	#[error("certificate names validator set {certified}, the chain has set {on_chain}")]
	WrongSet {
		/// Set id in the certificate.
		certified: ValidatorSetId,
		/// Set id on chain.
		on_chain: ValidatorSetId,
	},
	/// Signatures do not verify or do not reach quorum.
	#[error("signatures do not verify: {0:?}")]
	Signatures(CertificateError),
}

/// Checks an encoded certificate against block `hash`, its validator set and its latest
/// checkpoint record.
pub fn check_certificate(
	encoded: &[u8],
	hash: H256,
	set: &ValidatorSet,
	record: Option<&CheckpointRecord>,
) -> Result<Certificate, ImportedCertificateError> {
	let certificate = Certificate::decode_all(&mut &encoded[..])
		.map_err(|_| ImportedCertificateError::Undecodable)?;
	let certified = &certificate.checkpoint;
	if certified.block_hash != hash {
		return Err(ImportedCertificateError::OtherBlock(certified.block_hash));
	}
	if record.map(|r| Checkpoint::from_record(r, hash)).as_ref() != Some(certified) {
		return Err(ImportedCertificateError::NoMatchingRecord);
	}
	if set.id != certified.set_id {
		return Err(ImportedCertificateError::WrongSet {
			certified: certified.set_id,
			on_chain: set.id,
		});
	}
	certificate.verify(set).map_err(ImportedCertificateError::Signatures)?;
	Ok(certificate)
}

impl<I, C> CheckpointBlockImport<I, C> {
	fn check_and_forward<B>(&self, hash: H256, encoded: &[u8])
	where
		B: BlockT<Hash = H256>,
		C: ProvideRuntimeApi<B>,
		C::Api: CheckpointApi<B>,
	{
		let api = self.client.runtime_api();
		let set = match api.validator_set(hash) {
			Ok(set) => set,
			Err(e) => {
				log::warn!(target: LOG_TARGET, "cannot read the validator set at {hash:?} to check its certificate: {e}");
				return;
			},
		};
		let record = api.latest(hash).ok().flatten();
		match check_certificate(encoded, hash, &set, record.as_ref()) {
			Ok(certificate) => {
				log::debug!(target: LOG_TARGET, "block {hash:?} came with a valid certificate of checkpoint {}", certificate.checkpoint.number);
				// Only fails when the worker is gone, i.e. the node shuts down.
				let _ = self.certificates.unbounded_send(certificate);
			},
			Err(e) => {
				log::warn!(target: LOG_TARGET, "dropping the certificate imported with block {hash:?}: {e}")
			},
		}
	}
}

#[async_trait::async_trait]
impl<B, I, C> BlockImport<B> for CheckpointBlockImport<I, C>
where
	B: BlockT<Hash = H256>,
	I: BlockImport<B> + Send + Sync,
	C: ProvideRuntimeApi<B> + Send + Sync,
	C::Api: CheckpointApi<B>,
{
	type Error = I::Error;

	async fn check_block(&self, block: BlockCheckParams<B>) -> Result<ImportResult, Self::Error> {
		self.inner.check_block(block).await
	}

	async fn import_block(
		&self,
		mut block: BlockImportParams<B>,
	) -> Result<ImportResult, Self::Error> {
		let hash = block.post_hash();
		let encoded = block.justifications.as_mut().and_then(|justifications| {
			let ours = justifications.get(CONSENSUS_ENGINE_ID).cloned();
			justifications.remove(CONSENSUS_ENGINE_ID);
			ours
		});
		if block.justifications.as_ref().is_some_and(|j| j.iter().next().is_none()) {
			block.justifications = None;
		}
		let result = self.inner.import_block(block).await?;
		if let (Some(encoded), ImportResult::Imported(_) | ImportResult::AlreadyInChain) =
			(encoded, &result)
		{
			self.check_and_forward::<B>(hash, &encoded);
		}
		Ok(result)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use bourse_primitives::checkpoint::CheckpointId;
	use codec::Encode;
	use sp_core::{ed25519, Pair};

	fn setup() -> (Vec<ed25519::Pair>, ValidatorSet, CheckpointRecord, H256) {
		let pairs: Vec<_> = (1..=4u8).map(|i| ed25519::Pair::from_seed(&[i; 32])).collect();
		let set = ValidatorSet {
			id: 2,
			validators: pairs.iter().map(|p| CheckpointId::from(p.public())).collect(),
		};
		let record = CheckpointRecord {
			number: 7,
			block_number: 35,
			state_digest: H256::repeat_byte(9),
			open_orders: 3,
			open_positions: 1,
			set_id: 2,
		};
		(pairs, set, record, H256::repeat_byte(0xbb))
	}

	fn certificate(pairs: &[ed25519::Pair], checkpoint: &Checkpoint) -> Vec<u8> {
		let signed = pairs
			.iter()
			.enumerate()
			.map(|(i, p)| (i as u32, p.sign(&checkpoint.encode()).into()))
			.collect();
		Certificate::new(checkpoint.clone(), signed).encode()
	}

	#[test]
	fn accepts_a_quorum_certificate_of_the_blocks_checkpoint() {
		let (pairs, set, record, hash) = setup();
		let checkpoint = Checkpoint::from_record(&record, hash);
		let encoded = certificate(&pairs[..3], &checkpoint);
		let accepted = check_certificate(&encoded, hash, &set, Some(&record)).expect("valid");
		assert_eq!(accepted.checkpoint, checkpoint);
	}

	#[test]
	fn refuses_what_does_not_certify_this_block() {
		use ImportedCertificateError::*;
		let (pairs, set, record, hash) = setup();
		let checkpoint = Checkpoint::from_record(&record, hash);
		let good = certificate(&pairs, &checkpoint);
		assert_eq!(check_certificate(&good[1..], hash, &set, Some(&record)), Err(Undecodable));
		let other = H256::repeat_byte(1);
		assert_eq!(check_certificate(&good, other, &set, Some(&record)), Err(OtherBlock(hash)));
		assert_eq!(check_certificate(&good, hash, &set, None), Err(NoMatchingRecord));
		let later = CheckpointRecord { number: 8, ..record.clone() };
		assert_eq!(check_certificate(&good, hash, &set, Some(&later)), Err(NoMatchingRecord));
		let next_set = ValidatorSet { id: 3, ..set.clone() };
		assert_eq!(
			check_certificate(&good, hash, &next_set, Some(&record)),
			Err(WrongSet { certified: 2, on_chain: 3 })
		);
		let short = certificate(&pairs[..2], &checkpoint);
		assert!(matches!(check_certificate(&short, hash, &set, Some(&record)), Err(Signatures(_))));
		let forged = {
			let mut c = Certificate::decode_all(&mut &good[..]).expect("decode");
			c.signatures.swap(0, 1);
			c.encode()
		};
		assert!(matches!(
			check_certificate(&forged, hash, &set, Some(&record)),
			Err(Signatures(_))
		));
	}
}
