//! The gossip validator. A message is kept and relayed only after it decoded completely
//! (`decode_all`), its checkpoint number is inside the window (above the last certified
//! checkpoint, at most [`MAX_AHEAD`] checkpoints past the newest one GRANDPA has finalized
//! here), its validator set is known and its signature (vote) or quorum of signatures
//! (certificate) verifies. Every rejected message costs its sender reputation (reported to
//! the worker, which applies it with or without Prometheus). Messages a peer already has are
//! not sent to it again on periodic rebroadcast.
use crate::messages::{topic, GossipMessage};
use bourse_primitives::checkpoint::{CheckpointNumber, ValidatorSet, ValidatorSetId};
use codec::DecodeAll;
use parking_lot::RwLock;
use sc_network::ReputationChange;
use sc_network_gossip::{MessageIntent, ValidationResult, Validator, ValidatorContext};
use sc_network_types::PeerId;
use sc_utils::mpsc::{tracing_unbounded, TracingUnboundedReceiver, TracingUnboundedSender};
use sp_runtime::traits::Block as BlockT;
use std::{collections::BTreeMap, sync::Arc};

/// How far past the newest checkpoint finalized here a message may be (in checkpoints).
pub const MAX_AHEAD: CheckpointNumber = 16;
/// Most validator sets remembered (older ones are forgotten first).
const MAX_SETS: usize = 16;

/// Reputation costs of rejected messages.
pub mod cost {
	use super::ReputationChange;
	/// Not a complete encoding of a message.
	pub const UNDECODABLE: ReputationChange =
		ReputationChange::new(-(1 << 10), "checkpoint: undecodable message");
	/// A signature, or a certificate's quorum, that does not verify.
	pub const BAD_SIGNATURE: ReputationChange =
		ReputationChange::new(-(1 << 12), "checkpoint: bad signature");
	/// A validator set this node does not know (or a signer index outside it).
	pub const UNKNOWN_SET: ReputationChange =
		ReputationChange::new(-(1 << 8), "checkpoint: unknown validator set");
	/// A number beyond the window.
	pub const FUTURE: ReputationChange =
		ReputationChange::new(-(1 << 6), "checkpoint: number too far ahead");
}

/// The gadget's view shared with the validator: last certified checkpoint, newest checkpoint
/// finalized by GRANDPA here, and the validator sets seen on chain.
#[derive(Clone, Default)]
pub struct Finalized(Arc<RwLock<View>>);

#[derive(Default)]
struct View {
	last_certified: Option<CheckpointNumber>,
	newest_final: Option<CheckpointNumber>,
	sets: BTreeMap<ValidatorSetId, ValidatorSet>,
}

impl Finalized {
	/// Records a newly certified number.
	pub fn set(&self, number: CheckpointNumber) {
		let mut view = self.0.write();
		if view.last_certified.is_none_or(|l| number > l) {
			view.last_certified = Some(number);
		}
	}

	/// Highest certified checkpoint.
	pub fn get(&self) -> Option<CheckpointNumber> {
		self.0.read().last_certified
	}

	/// Records the newest checkpoint number in GRANDPA-finalized state.
	pub fn set_newest_final(&self, number: CheckpointNumber) {
		let mut view = self.0.write();
		if view.newest_final.is_none_or(|n| number > n) {
			view.newest_final = Some(number);
		}
	}

	/// Newest checkpoint number in GRANDPA-finalized state.
	pub fn newest_final(&self) -> Option<CheckpointNumber> {
		self.0.read().newest_final
	}

	/// Remembers a validator set.
	pub fn add_set(&self, set: ValidatorSet) {
		let mut view = self.0.write();
		view.sets.insert(set.id, set);
		while view.sets.len() > MAX_SETS {
			view.sets.pop_first();
		}
	}

	/// A known validator set.
	pub fn set_with_id(&self, id: ValidatorSetId) -> Option<ValidatorSet> {
		self.0.read().sets.get(&id).cloned()
	}

	/// Whether a message is no longer useful: votes up to the last certified checkpoint, and
	/// certificates older than it (the latest certificate keeps travelling to late nodes).
	fn expired(&self, message: &GossipMessage) -> bool {
		let Some(last) = self.get() else { return false };
		match message {
			GossipMessage::Vote(v) => v.checkpoint.number <= last,
			GossipMessage::Certificate(c) => c.checkpoint.number < last,
		}
	}

	/// Checks a decoded message: `Ok(false)` when it is merely stale (dropped at no cost).
	fn check(&self, message: &GossipMessage) -> Result<bool, ReputationChange> {
		if self.expired(message) {
			return Ok(false);
		}
		let view = self.0.read();
		let anchor = view.newest_final.max(view.last_certified).unwrap_or(0);
		if message.number() > anchor.saturating_add(MAX_AHEAD) {
			return Err(cost::FUTURE);
		}
		match message {
			GossipMessage::Vote(vote) => {
				let set = view.sets.get(&vote.checkpoint.set_id).ok_or(cost::UNKNOWN_SET)?;
				let signer = set.validators.get(vote.index as usize).ok_or(cost::UNKNOWN_SET)?;
				if !vote.checkpoint.verify(signer, &vote.signature) {
					return Err(cost::BAD_SIGNATURE);
				}
			},
			GossipMessage::Certificate(certificate) => {
				let set = view.sets.get(&certificate.checkpoint.set_id).ok_or(cost::UNKNOWN_SET)?;
				certificate.verify(set).map_err(|_| cost::BAD_SIGNATURE)?;
			},
		}
		Ok(true)
	}
}

/// Validates relayed checkpoint messages; see the module docs.
pub struct GossipValidator {
	finalized: Finalized,
	reports: TracingUnboundedSender<(PeerId, ReputationChange)>,
}

/// Reputation changes the validator decided, for the worker to apply.
pub type Reports = TracingUnboundedReceiver<(PeerId, ReputationChange)>;

impl GossipValidator {
	/// A validator sharing the worker's view, and the stream of its reputation reports.
	pub fn new(finalized: Finalized) -> (Self, Reports) {
		let (reports, stream) = tracing_unbounded("mpsc_checkpoint_gossip_reports", 10_000);
		(Self { finalized, reports }, stream)
	}

	fn report(&self, who: &PeerId, change: ReputationChange) {
		// Fails only when the worker is gone (the node shuts down).
		let _ = self.reports.unbounded_send((*who, change));
	}
}

impl<B: BlockT> Validator<B> for GossipValidator {
	fn validate(
		&self,
		_context: &mut dyn ValidatorContext<B>,
		sender: &PeerId,
		data: &[u8],
	) -> ValidationResult<B::Hash> {
		let Ok(message) = GossipMessage::decode_all(&mut &data[..]) else {
			self.report(sender, cost::UNDECODABLE);
			return ValidationResult::Discard;
		};
		match self.finalized.check(&message) {
			Ok(true) => ValidationResult::ProcessAndKeep(topic::<B>()),
			Ok(false) => ValidationResult::Discard,
			Err(cost) => {
				self.report(sender, cost);
				ValidationResult::Discard
			},
		}
	}

	fn message_expired<'a>(&'a self) -> Box<dyn FnMut(B::Hash, &[u8]) -> bool + 'a> {
		Box::new(move |_topic, data| {
			GossipMessage::decode_all(&mut &data[..])
				.map_or(true, |message| self.finalized.expired(&message))
		})
	}

	fn message_allowed<'a>(
		&'a self,
	) -> Box<dyn FnMut(&PeerId, MessageIntent, &B::Hash, &[u8]) -> bool + 'a> {
		Box::new(move |_who, intent, _topic, data| {
			// The peer already has it: periodic rebroadcast would only resend it.
			if intent == MessageIntent::PeriodicRebroadcast {
				return false;
			}
			GossipMessage::decode_all(&mut &data[..])
				.is_ok_and(|message| !self.finalized.expired(&message))
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use bourse_checkpoint_db::SignedCheckpoint;
	use bourse_primitives::checkpoint::{Certificate, Checkpoint, CheckpointId};
	use codec::Encode;
	use sp_core::{ed25519, Pair, H256};
	type Block = sp_runtime::generic::Block<
		sp_runtime::generic::Header<u32, sp_runtime::traits::BlakeTwo256>,
		sp_runtime::OpaqueExtrinsic,
	>;

	struct NoContext;
	impl ValidatorContext<Block> for NoContext {
		fn broadcast_topic(&mut self, _: H256, _: bool) {}
		fn broadcast_message(&mut self, _: H256, _: Vec<u8>, _: bool) {}
		fn send_message(&mut self, _: &PeerId, _: Vec<u8>) {}
		fn send_topic(&mut self, _: &PeerId, _: H256, _: bool) {}
	}

	fn setup() -> (Vec<ed25519::Pair>, ValidatorSet, GossipValidator, Reports, Finalized) {
		let pairs: Vec<_> = (1..=4u8).map(|i| ed25519::Pair::from_seed(&[i; 32])).collect();
		let set = ValidatorSet {
			id: 0,
			validators: pairs.iter().map(|p| CheckpointId::from(p.public())).collect(),
		};
		let finalized = Finalized::default();
		finalized.add_set(set.clone());
		finalized.set_newest_final(3);
		let (validator, reports) = GossipValidator::new(finalized.clone());
		(pairs, set, validator, reports, finalized)
	}

	fn checkpoint(number: u64, set_id: u64) -> Checkpoint {
		Checkpoint {
			number,
			block_number: (number as u32).wrapping_mul(5),
			block_hash: H256::repeat_byte(number as u8),
			state_digest: H256::repeat_byte(7),
			set_id,
		}
	}

	fn vote(pair: &ed25519::Pair, index: u32, checkpoint: Checkpoint) -> Vec<u8> {
		let signature = pair.sign(&checkpoint.encode()).into();
		GossipMessage::Vote(SignedCheckpoint { checkpoint, index, signature }).encode()
	}

	fn judge(validator: &GossipValidator, data: &[u8]) -> bool {
		let peer = PeerId::random();
		matches!(
			Validator::<Block>::validate(validator, &mut NoContext, &peer, data),
			ValidationResult::ProcessAndKeep(_)
		)
	}

	fn costs(reports: &mut Reports) -> Vec<ReputationChange> {
		std::iter::from_fn(|| reports.try_recv().ok()).map(|(_, c)| c).collect()
	}

	#[test]
	fn a_valid_vote_and_certificate_are_kept() {
		let (pairs, set, validator, mut reports, _) = setup();
		assert!(judge(&validator, &vote(&pairs[0], 0, checkpoint(4, 0))));
		let c = checkpoint(4, 0);
		let signed = pairs[..3]
			.iter()
			.enumerate()
			.map(|(i, p)| (i as u32, p.sign(&c.encode()).into()))
			.collect();
		let certificate = Certificate::new(c, signed);
		assert_eq!(certificate.verify(&set), Ok(()));
		assert!(judge(&validator, &GossipMessage::Certificate(certificate).encode()));
		assert!(costs(&mut reports).is_empty());
	}

	#[test]
	fn abusive_messages_are_dropped_and_cost_reputation() {
		let (pairs, _, validator, mut reports, finalized) = setup();
		// Far future: a vote numbered u64::MAX no longer lives forever.
		assert!(!judge(&validator, &vote(&pairs[0], 0, checkpoint(u64::MAX, 0))));
		assert!(!judge(&validator, &vote(&pairs[0], 0, checkpoint(3 + MAX_AHEAD + 1, 0))));
		// Unknown set, signer outside the set.
		assert!(!judge(&validator, &vote(&pairs[0], 0, checkpoint(4, 9))));
		assert!(!judge(&validator, &vote(&pairs[0], 7, checkpoint(4, 0))));
		// Bad signature: signed by validator 1, claimed as 0.
		assert!(!judge(&validator, &vote(&pairs[1], 0, checkpoint(4, 0))));
		// Oversized: a valid vote with trailing bytes (1 MiB variants no longer count).
		let mut padded = vote(&pairs[0], 0, checkpoint(4, 0));
		padded.extend(std::iter::repeat_n(0u8, 1 << 20));
		assert!(!judge(&validator, &padded));
		assert!(!judge(&validator, &[0xff, 1, 2]));
		assert_eq!(
			costs(&mut reports),
			vec![
				cost::FUTURE,
				cost::FUTURE,
				cost::UNKNOWN_SET,
				cost::UNKNOWN_SET,
				cost::BAD_SIGNATURE,
				cost::UNDECODABLE,
				cost::UNDECODABLE
			]
		);
		// Stale: dropped, at no cost.
		finalized.set(5);
		assert!(!judge(&validator, &vote(&pairs[0], 0, checkpoint(5, 0))));
		assert!(costs(&mut reports).is_empty());
	}

	#[test]
	fn known_messages_are_not_rebroadcast() {
		let (pairs, _, validator, _, _) = setup();
		let data = vote(&pairs[0], 0, checkpoint(4, 0));
		let peer = PeerId::random();
		let topic = topic::<Block>();
		let mut allowed = Validator::<Block>::message_allowed(&validator);
		assert!(allowed(&peer, MessageIntent::Broadcast, &topic, &data));
		assert!(!allowed(&peer, MessageIntent::PeriodicRebroadcast, &topic, &data));
	}
}
