//! The gadget's event loop: signs checkpoint blocks as they are imported, verifies and counts
//! gossiped votes, forms certificates at quorum, finalizes, and prunes its database.
use crate::{
	gossip::Finalized,
	messages::{topic, GossipMessage},
	metrics::Metrics,
	round::{Rounds, VoteOutcome},
	status::{Restored, SharedStatus},
	LOG_TARGET,
};
use bourse_checkpoint_db::{CheckpointDb, Error as DbError, SignedCheckpoint};
use bourse_primitives::{
	checkpoint::{
		Certificate, Checkpoint, CheckpointId, CheckpointNumber, ValidatorSet, ValidatorSetId,
		CONSENSUS_ENGINE_ID, KEY_TYPE,
	},
	runtime_api::CheckpointApi,
};
use codec::{Decode, Encode};
use futures::{FutureExt, StreamExt};
use sc_client_api::{Backend, BlockchainEvents, Finalizer};
use sc_network::ReputationChange;
use sc_network_gossip::GossipEngine;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{ed25519, H256};
use sp_keystore::KeystorePtr;
use sp_runtime::traits::{Block as BlockT, Header as HeaderT};
use std::{collections::BTreeMap, marker::PhantomData, sync::Arc, time::Duration};

const BAD_SIGNATURE: ReputationChange =
	ReputationChange::new(-(1 << 12), "checkpoint: bad signature");
const UNDECODABLE: ReputationChange =
	ReputationChange::new(-(1 << 10), "checkpoint: undecodable message");
const GOOD_VOTE: ReputationChange = ReputationChange::new(1 << 4, "checkpoint: useful vote");

/// Database housekeeping settings.
#[derive(Clone, Copy, Debug)]
pub struct Retention {
	/// Certificates kept (older ones are pruned).
	pub checkpoints: u64,
	/// How often to prune.
	pub prune_every: Duration,
}

/// The running gadget.
pub struct Worker<B: BlockT, BE, C> {
	pub(crate) client: Arc<C>,
	pub(crate) keystore: Option<KeystorePtr>,
	pub(crate) db: Arc<CheckpointDb>,
	pub(crate) gossip: GossipEngine<B>,
	pub(crate) finalized: Finalized,
	pub(crate) status: SharedStatus,
	pub(crate) metrics: Option<Metrics>,
	pub(crate) retention: Retention,
	pub(crate) rounds: Rounds,
	/// Validator sets seen on chain, by id.
	pub(crate) sets: BTreeMap<ValidatorSetId, ValidatorSet>,
	/// Certificates whose block is not imported yet.
	pub(crate) waiting: BTreeMap<CheckpointNumber, Certificate>,
	pub(crate) _backend: PhantomData<BE>,
}

impl<B, BE, C> Worker<B, BE, C>
where
	B: BlockT<Hash = H256>,
	BE: Backend<B>,
	C: BlockchainEvents<B>
		+ HeaderBackend<B>
		+ Finalizer<B, BE>
		+ ProvideRuntimeApi<B>
		+ Send
		+ Sync,
	C::Api: CheckpointApi<B>,
{
	/// Restores state from the database and re-gossips our unfinalized votes.
	pub(crate) fn restore(&mut self) -> Result<(), DbError> {
		let started = std::time::Instant::now();
		let state = self.db.load_resume_state()?;
		let micros = started.elapsed().as_micros() as u64;
		self.rounds = Rounds::new(state.last_finalized);
		if let Some(last) = state.last_finalized {
			self.finalized.set(last);
		}
		let best = self.client.info().best_hash;
		if let Ok(set) = self.client.runtime_api().validator_set(best) {
			self.sets.insert(set.id, set);
		}
		for vote in state.own_votes.iter().chain(&state.pending) {
			if let Some(set) = self.sets.get(&vote.checkpoint.set_id).cloned() {
				self.rounds.add_vote(&set, &vote.checkpoint, vote.index, vote.signature.clone());
			}
		}
		for vote in &state.own_votes {
			self.gossip.gossip_message(
				topic::<B>(),
				GossipMessage::Vote(vote.clone()).encode(),
				false,
			);
		}
		// The latest certificate keeps travelling so peers that missed it finalize too.
		if let Ok(Some(certificate)) = self.db.latest_certificate() {
			self.gossip.gossip_message(
				topic::<B>(),
				GossipMessage::Certificate(certificate).encode(),
				false,
			);
		}
		log::info!(
			target: LOG_TARGET,
			"🗄️  Restored checkpoint state in {micros} µs: last finalized {:?}, {} own vote(s), {} pending signature(s)",
			state.last_finalized,
			state.own_votes.len(),
			state.pending.len(),
		);
		if let Some(m) = &self.metrics {
			m.restore_micros.set(micros);
			if let Some(last) = state.last_finalized {
				m.last_finalized.set(last);
			}
		}
		let mut status = self.status.write();
		status.restored = Restored {
			last_finalized: state.last_finalized,
			own_votes: state.own_votes.len(),
			pending_signatures: state.pending.len(),
			micros,
		};
		status.last_finalized = state.last_finalized;
		status.pending_signatures = self.rounds.pending_signatures();
		Ok(())
	}

	/// Runs until the import stream ends.
	pub async fn run(mut self) {
		if let Err(e) = self.restore() {
			log::error!(target: LOG_TARGET, "cannot restore checkpoint state, gadget stopped: {e}");
			return;
		}
		let mut imports = self.client.import_notification_stream().fuse();
		let mut messages = self.gossip.messages_for(topic::<B>()).fuse();
		let mut prune_timer = futures_timer::Delay::new(self.retention.prune_every).fuse();
		loop {
			futures::select! {
				notification = imports.next() => match notification {
					Some(n) => self.on_import(n.hash, *n.header.number(), n.is_new_best),
					None => {
						log::debug!(target: LOG_TARGET, "import stream ended, gadget stops");
						return;
					},
				},
				message = messages.next() => match message {
					Some(n) => self.on_message(n.message, n.sender),
					None => return,
				},
				_ = (&mut self.gossip).fuse() => {
					log::error!(target: LOG_TARGET, "gossip engine stopped, gadget stops");
					return;
				},
				_ = prune_timer => {
					self.prune();
					prune_timer = futures_timer::Delay::new(self.retention.prune_every).fuse();
				},
			}
		}
	}

	fn on_import(&mut self, hash: H256, number: <B::Header as HeaderT>::Number, is_new_best: bool) {
		// A waiting certificate for this block can finalize now.
		let block_number: u32 = number.try_into().unwrap_or(u32::MAX);
		let ready: Vec<_> = self
			.waiting
			.iter()
			.filter(|(_, c)| c.checkpoint.block_hash == hash)
			.map(|(n, _)| *n)
			.collect();
		for n in ready {
			if let Some(certificate) = self.waiting.remove(&n) {
				self.apply_certificate(certificate, false);
			}
		}
		if !is_new_best {
			return;
		}
		let api = self.client.runtime_api();
		let Ok(Some(record)) = api.latest(hash) else { return };
		if record.block_number != block_number {
			return;
		}
		let set = match api.validator_set(hash) {
			Ok(set) => set,
			Err(e) => {
				log::warn!(target: LOG_TARGET, "no validator set at {hash}: {e}");
				return;
			},
		};
		self.sets.insert(set.id, set.clone());
		self.status.write().set_id = set.id;
		let checkpoint = Checkpoint::from_record(&record, hash);
		if self.rounds.last_finalized().is_some_and(|last| checkpoint.number <= last) {
			return;
		}
		self.sign(&set, checkpoint);
	}

	/// Our index in `set` and our key, if we are a validator with the key in the keystore.
	fn local_key(&self, set: &ValidatorSet) -> Option<(u32, ed25519::Public)> {
		let keystore = self.keystore.as_ref()?;
		let ours = keystore.ed25519_public_keys(KEY_TYPE);
		set.validators.iter().enumerate().find_map(|(i, id)| {
			let public: ed25519::Public = id.clone().into();
			ours.contains(&public).then_some((i as u32, public))
		})
	}

	fn sign(&mut self, set: &ValidatorSet, checkpoint: Checkpoint) {
		let Some((index, public)) = self.local_key(set) else { return };
		self.status.write().validator_index = Some(index);
		let signature = match self
			.keystore
			.as_ref()
			.map(|k| k.ed25519_sign(KEY_TYPE, &public, &checkpoint.encode()))
		{
			Some(Ok(Some(signature))) => signature.into(),
			other => {
				log::error!(target: LOG_TARGET, "cannot sign checkpoint {}: {other:?}", checkpoint.number);
				return;
			},
		};
		let vote = SignedCheckpoint { checkpoint, index, signature };
		// Persist before anyone can see the vote; a restart then cannot sign differently.
		match self.db.store_own_vote(&vote) {
			Ok(()) => {},
			Err(DbError::ConflictingOwnVote { number }) => {
				log::warn!(target: LOG_TARGET, "already voted for another block as checkpoint {number}; not signing {:?}", vote.checkpoint.block_hash);
				return;
			},
			Err(e) => {
				log::error!(target: LOG_TARGET, "cannot persist own vote, not signing: {e}");
				return;
			},
		}
		log::debug!(target: LOG_TARGET, "signed checkpoint {} (block #{} {:?})", vote.checkpoint.number, vote.checkpoint.block_number, vote.checkpoint.block_hash);
		self.status.write().signed += 1;
		self.gossip.gossip_message(topic::<B>(), GossipMessage::Vote(vote.clone()).encode(), false);
		self.count_vote(set, vote, None);
	}

	fn on_message(&mut self, data: Vec<u8>, sender: Option<sc_network_types::PeerId>) {
		let message = match GossipMessage::decode(&mut &data[..]) {
			Ok(m) => m,
			Err(_) => {
				if let Some(peer) = sender {
					self.gossip.report(peer, UNDECODABLE);
				}
				return;
			},
		};
		match message {
			GossipMessage::Vote(vote) => {
				let Some(set) = self.sets.get(&vote.checkpoint.set_id).cloned() else {
					log::debug!(target: LOG_TARGET, "vote for unknown set {}", vote.checkpoint.set_id);
					return;
				};
				let valid = set
					.validators
					.get(vote.index as usize)
					.is_some_and(|signer| vote.checkpoint.verify(signer, &vote.signature));
				if !valid {
					self.rejected();
					if let Some(peer) = sender {
						self.gossip.report(peer, BAD_SIGNATURE);
					}
					return;
				}
				self.count_vote(&set, vote, sender);
			},
			GossipMessage::Certificate(certificate) => {
				if self
					.rounds
					.last_finalized()
					.is_some_and(|last| certificate.checkpoint.number <= last)
				{
					return;
				}
				let Some(set) = self.sets.get(&certificate.checkpoint.set_id) else { return };
				if let Err(e) = certificate.verify(set) {
					log::debug!(target: LOG_TARGET, "invalid certificate {}: {e:?}", certificate.checkpoint.number);
					if let Some(peer) = sender {
						self.gossip.report(peer, BAD_SIGNATURE);
					}
					return;
				}
				self.apply_certificate(certificate, false);
			},
		}
	}

	fn rejected(&self) {
		if let Some(m) = &self.metrics {
			m.signatures_rejected.inc();
		}
	}

	fn count_vote(
		&mut self,
		set: &ValidatorSet,
		vote: SignedCheckpoint,
		sender: Option<sc_network_types::PeerId>,
	) {
		match self.rounds.add_vote(set, &vote.checkpoint, vote.index, vote.signature.clone()) {
			VoteOutcome::Accepted => {
				if sender.is_some() {
					if let Err(e) = self.db.store_signature(&vote) {
						log::error!(target: LOG_TARGET, "cannot persist signature: {e}");
					}
				}
				if let (Some(peer), Some(m)) = (sender, &self.metrics) {
					m.signatures_accepted.inc();
					self.gossip.report(peer, GOOD_VOTE);
				}
			},
			VoteOutcome::Quorum(certificate) => {
				if let Some(m) = &self.metrics {
					m.signatures_accepted.inc();
				}
				self.apply_certificate(*certificate, true);
			},
			VoteOutcome::Equivocation { first } => {
				let offender: Option<&CheckpointId> = set.validators.get(vote.index as usize);
				log::warn!(
					target: LOG_TARGET,
					"⚠️  equivocation: validator {} ({offender:?}) signed checkpoint {} for {:?} and {:?}",
					vote.index,
					vote.checkpoint.number,
					first.block_hash,
					vote.checkpoint.block_hash,
				);
				self.status.write().equivocations += 1;
				if let Some(m) = &self.metrics {
					m.equivocations.inc();
					m.signatures_rejected.inc();
				}
			},
			VoteOutcome::Duplicate | VoteOutcome::Stale => {},
		}
		self.status.write().pending_signatures = self.rounds.pending_signatures();
	}

	/// Persists a verified certificate, finalizes its block (or waits for it) and gossips it.
	fn apply_certificate(&mut self, certificate: Certificate, formed_here: bool) {
		let number = certificate.checkpoint.number;
		let hash = certificate.checkpoint.block_hash;
		if self.client.header(hash).ok().flatten().is_none() {
			log::debug!(target: LOG_TARGET, "certificate {number} waits for block {hash:?}");
			self.waiting.insert(number, certificate);
			return;
		}
		if let Err(e) = self.db.store_certificate(&certificate) {
			log::error!(target: LOG_TARGET, "cannot persist certificate {number}: {e}");
			return;
		}
		let finalized_number: u64 = self.client.info().finalized_number.try_into().unwrap_or(0);
		if (certificate.checkpoint.block_number as u64) > finalized_number {
			let justification = (CONSENSUS_ENGINE_ID, certificate.encode());
			if let Err(e) = self.client.finalize_block(hash, Some(justification), true) {
				log::error!(target: LOG_TARGET, "cannot finalize block {hash:?} of checkpoint {number}: {e}");
				return;
			}
		}
		log::info!(
			target: LOG_TARGET,
			"✅ Checkpoint {number} finalized block #{} ({hash:?}) with {} signatures{}",
			certificate.checkpoint.block_number,
			certificate.signatures.len(),
			if formed_here { "" } else { " (received certificate)" },
		);
		self.rounds.finalized(number);
		self.finalized.set(number);
		self.waiting = self.waiting.split_off(&(number + 1));
		{
			let mut status = self.status.write();
			status.last_finalized = Some(number);
			status.last_finalized_block = Some(certificate.checkpoint.block_number);
			status.certificates += 1;
			status.pending_signatures = self.rounds.pending_signatures();
		}
		if let Some(m) = &self.metrics {
			m.certificates.inc();
			m.last_finalized.set(number);
		}
		self.gossip.gossip_message(
			topic::<B>(),
			GossipMessage::Certificate(certificate).encode(),
			false,
		);
	}

	fn prune(&self) {
		let Some(last) = self.rounds.last_finalized() else { return };
		let below = last.saturating_sub(self.retention.checkpoints);
		match self.db.prune_below(below) {
			Ok(0) => {},
			Ok(n) => log::debug!(target: LOG_TARGET, "pruned {n} certificate(s) below {below}"),
			Err(e) => {
				log::error!(target: LOG_TARGET, "pruning the checkpoint database failed: {e}")
			},
		}
	}
}
