//! The gadget's state as the RPC reports it.
use parking_lot::RwLock;
use serde::Serialize;
use std::sync::Arc;

/// What was restored from the database at start.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Restored {
	/// Last finalized checkpoint found.
	pub last_finalized: Option<u64>,
	/// Own votes of unfinalized checkpoints found.
	pub own_votes: usize,
	/// Peers' pending signatures found.
	pub pending_signatures: usize,
	/// Time the restore took, in microseconds.
	pub micros: u64,
}

/// Gadget status.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
	/// Last finalized checkpoint number.
	pub last_finalized: Option<u64>,
	/// Block number it finalized.
	pub last_finalized_block: Option<u32>,
	/// Signatures held for unfinalized checkpoints.
	pub pending_signatures: usize,
	/// This node's index in the current validator set, if it is a validator.
	pub validator_index: Option<u32>,
	/// Current validator set id.
	pub set_id: u64,
	/// Checkpoints this node signed since start.
	pub signed: u64,
	/// Certificates formed or imported since start.
	pub certificates: u64,
	/// Equivocations seen since start.
	pub equivocations: u64,
	/// What the last start restored.
	pub restored: Restored,
}

/// Status shared between the worker and the RPC.
pub type SharedStatus = Arc<RwLock<Status>>;
