//! The gossip validator: cheap checks every relayed message passes (decodes, not stale); the
//! worker does the signature checks and reputation changes.
use crate::messages::{topic, GossipMessage};
use bourse_primitives::checkpoint::CheckpointNumber;
use codec::Decode;
use parking_lot::RwLock;
use sc_network_gossip::{MessageIntent, ValidationResult, Validator, ValidatorContext};
use sc_network_types::PeerId;
use sp_runtime::traits::Block as BlockT;
use std::sync::Arc;

/// Shared view of the last finalized checkpoint, kept current by the worker.
#[derive(Clone, Default)]
pub struct Finalized(Arc<RwLock<Option<CheckpointNumber>>>);

impl Finalized {
	/// Records a newly finalized number.
	pub fn set(&self, number: CheckpointNumber) {
		let mut last = self.0.write();
		if last.is_none_or(|l| number > l) {
			*last = Some(number);
		}
	}

	/// Highest finalized checkpoint.
	pub fn get(&self) -> Option<CheckpointNumber> {
		*self.0.read()
	}

	/// Whether a message is no longer useful: votes up to the last finalized checkpoint, and
	/// certificates older than it (the latest certificate keeps travelling so late nodes
	/// finalize too).
	fn expired(&self, message: &GossipMessage) -> bool {
		let Some(last) = self.get() else { return false };
		match message {
			GossipMessage::Vote(v) => v.checkpoint.number <= last,
			GossipMessage::Certificate(c) => c.checkpoint.number < last,
		}
	}
}

/// Validates relayed checkpoint messages.
pub struct GossipValidator {
	finalized: Finalized,
}

impl GossipValidator {
	/// A validator sharing the worker's finalized view.
	pub fn new(finalized: Finalized) -> Self {
		Self { finalized }
	}
}

impl<B: BlockT> Validator<B> for GossipValidator {
	fn validate(
		&self,
		_context: &mut dyn ValidatorContext<B>,
		_sender: &PeerId,
		mut data: &[u8],
	) -> ValidationResult<B::Hash> {
		match GossipMessage::decode(&mut data) {
			Ok(message) if !self.finalized.expired(&message) => {
				ValidationResult::ProcessAndKeep(topic::<B>())
			},
			_ => ValidationResult::Discard,
		}
	}

	fn message_expired<'a>(&'a self) -> Box<dyn FnMut(B::Hash, &[u8]) -> bool + 'a> {
		Box::new(move |_topic, mut data| {
			GossipMessage::decode(&mut data)
				.map_or(true, |message| self.finalized.expired(&message))
		})
	}

	fn message_allowed<'a>(
		&'a self,
	) -> Box<dyn FnMut(&PeerId, MessageIntent, &B::Hash, &[u8]) -> bool + 'a> {
		Box::new(move |_who, _intent, _topic, mut data| {
			GossipMessage::decode(&mut data).is_ok_and(|message| !self.finalized.expired(&message))
		})
	}
}
