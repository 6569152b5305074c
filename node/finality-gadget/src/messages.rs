//! What the gadget gossips: votes and certificates, all under one topic.
use bourse_checkpoint_db::SignedCheckpoint;
use bourse_primitives::checkpoint::{Certificate, CheckpointNumber};
use codec::{Decode, Encode};
use sp_runtime::traits::{Block as BlockT, Hash as HashT, Header as HeaderT};

/// A gossip message.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum GossipMessage {
	/// One validator's signature of a checkpoint.
	Vote(SignedCheckpoint),
	/// A quorum certificate.
	Certificate(Certificate),
}

impl GossipMessage {
	/// The checkpoint number it is about.
	pub fn number(&self) -> CheckpointNumber {
		match self {
			GossipMessage::Vote(v) => v.checkpoint.number,
			GossipMessage::Certificate(c) => c.checkpoint.number,
		}
	}
}

/// The single gossip topic of checkpoint messages.
pub fn topic<B: BlockT>() -> B::Hash {
	<<B::Header as HeaderT>::Hashing as HashT>::hash(b"bourse-checkpoint")
}

/// Notification protocol name: `/<genesis-hash>/bourse-checkpoint/1`.
pub fn protocol_name(genesis_hash: &[u8]) -> String {
	format!("/{}/bourse-checkpoint/1", sp_core::hexdisplay::HexDisplay::from(&genesis_hash))
}
