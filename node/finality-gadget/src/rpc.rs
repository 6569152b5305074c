//! JSON-RPC: `checkpoint_status`, `checkpoint_certificate`, `checkpoint_latestCertificate`.
use crate::status::{SharedStatus, Status};
use bourse_checkpoint_db::CheckpointDb;
use bourse_primitives::checkpoint::Certificate;
use codec::Encode;
use jsonrpsee::{core::RpcResult, proc_macros::rpc, types::ErrorObjectOwned};
use serde::Serialize;
use std::sync::Arc;

/// A certificate as JSON; `encoded` is the SCALE bytes (the block justification), which verify
/// on their own against the validator set of `setId`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateJson {
	/// Checkpoint number.
	pub number: u64,
	/// Finalized block number.
	pub block_number: u32,
	/// Finalized block hash.
	pub block_hash: String,
	/// Trading-state digest signed.
	pub state_digest: String,
	/// Validator set id.
	pub set_id: u64,
	/// Indices of the signers.
	pub signers: Vec<u32>,
	/// SCALE-encoded certificate, hex.
	pub encoded: String,
}

impl From<&Certificate> for CertificateJson {
	fn from(c: &Certificate) -> Self {
		Self {
			number: c.checkpoint.number,
			block_number: c.checkpoint.block_number,
			block_hash: format!("{:?}", c.checkpoint.block_hash),
			state_digest: format!("{:?}", c.checkpoint.state_digest),
			set_id: c.checkpoint.set_id,
			signers: c.signed_by().unwrap_or_default().into_iter().map(|(i, _)| i).collect(),
			encoded: format!("0x{}", sp_core::hexdisplay::HexDisplay::from(&c.encode())),
		}
	}
}

/// Checkpoint finality RPC methods.
#[rpc(server)]
pub trait CheckpointRpcApi {
	/// The gadget's state: last finalized checkpoint, pending votes, what was restored.
	#[method(name = "checkpoint_status")]
	fn status(&self) -> RpcResult<Status>;

	/// The certificate of checkpoint `number`, while retained.
	#[method(name = "checkpoint_certificate")]
	fn certificate(&self, number: u64) -> RpcResult<Option<CertificateJson>>;

	/// The certificate of the last finalized checkpoint.
	#[method(name = "checkpoint_latestCertificate")]
	fn latest_certificate(&self) -> RpcResult<Option<CertificateJson>>;
}

/// Serves the RPC from the gadget's status and database.
pub struct CheckpointRpc {
	status: SharedStatus,
	db: Arc<CheckpointDb>,
}

impl CheckpointRpc {
	/// The RPC handler.
	pub fn new(status: SharedStatus, db: Arc<CheckpointDb>) -> Self {
		Self { status, db }
	}
}

fn db_error(e: bourse_checkpoint_db::Error) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(9000, e.to_string(), None::<()>)
}

impl CheckpointRpcApiServer for CheckpointRpc {
	fn status(&self) -> RpcResult<Status> {
		Ok(self.status.read().clone())
	}

	fn certificate(&self, number: u64) -> RpcResult<Option<CertificateJson>> {
		Ok(self.db.certificate(number).map_err(db_error)?.as_ref().map(Into::into))
	}

	fn latest_certificate(&self) -> RpcResult<Option<CertificateJson>> {
		Ok(self.db.latest_certificate().map_err(db_error)?.as_ref().map(Into::into))
	}
}
