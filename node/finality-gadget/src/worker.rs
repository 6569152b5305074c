//! The gadget's event loop: signs checkpoint blocks once GRANDPA has finalized them (every one,
//! in order), verifies and counts gossiped votes, forms certificates at quorum, records them
//! (also those that came with synced blocks) as a second justification on their finalized
//! block, and prunes its database. It never finalizes: GRANDPA does. Decisions and
//! persistence live in [`Voter`].
use crate::{
	gossip::Finalized,
	import::ImportedCertificates,
	messages::{topic, GossipMessage},
	metrics::Metrics,
	round::VoteOutcome,
	status::{Restored, SharedStatus},
	voter::{SignOutcome, Voter},
	LOG_TARGET,
};
use bourse_checkpoint_db::{Error as DbError, SignedCheckpoint};
use bourse_primitives::{
	checkpoint::{
		Certificate, Checkpoint, CheckpointId, CheckpointNumber, ValidatorSet, ValidatorSetId,
		CONSENSUS_ENGINE_ID,
	},
	runtime_api::CheckpointApi,
};
use codec::{DecodeAll, Encode};
use futures::{FutureExt, StreamExt};
use sc_client_api::{Backend, BlockchainEvents};
use sc_network::ReputationChange;
use sc_network_gossip::GossipEngine;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::H256;
use sp_runtime::traits::{Block as BlockT, Header as HeaderT};
use std::{collections::BTreeMap, sync::Arc, time::Duration};

const BAD_SIGNATURE: ReputationChange =
	ReputationChange::new(-(1 << 12), "checkpoint: bad signature");
const UNDECODABLE: ReputationChange =
	ReputationChange::new(-(1 << 10), "checkpoint: undecodable message");
const GOOD_VOTE: ReputationChange = ReputationChange::new(1 << 4, "checkpoint: useful vote");

/// Most certificates kept waiting for their block to be final.
const MAX_WAITING: usize = 1_024;
/// How often the worker looks for certificates it lacks (and asks a peer for them).
const CATCH_UP_EVERY: Duration = Duration::from_secs(6);
/// How many checkpoints below the newest final one are looked at for gaps.
const CATCH_UP_WINDOW: CheckpointNumber = 64;
/// Peers remembered to ask (those that sent valid gossip).
const MAX_PEERS: usize = 16;

/// Database housekeeping settings.
#[derive(Clone, Copy, Debug)]
pub struct Retention {
	/// Certificates kept (older ones are pruned).
	pub checkpoints: u64,
	/// How often to prune.
	pub prune_every: Duration,
}

/// Where a certificate came from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Source {
	/// Formed here at quorum.
	Formed,
	/// Received by gossip.
	Gossip,
	/// Came with a block (sync), checked by the block import.
	BlockImport,
	/// Answered a request to a peer.
	Request,
}

/// Where a certified block stands in the local chain.
enum Finality {
	/// Finalized on the canonical chain: the certificate applies.
	Final,
	/// Not imported, or not finalized yet: the certificate waits.
	Pending,
	/// Another block is final at that height: the certificate contradicts GRANDPA.
	Conflicting,
}

/// The running gadget.
pub struct Worker<B: BlockT, BE, C> {
	pub(crate) client: Arc<C>,
	pub(crate) backend: Arc<BE>,
	pub(crate) voter: Voter,
	pub(crate) gossip: GossipEngine<B>,
	/// Reputation changes the gossip validator decided.
	pub(crate) reports: crate::gossip::Reports,
	pub(crate) imported: ImportedCertificates,
	pub(crate) finalized: Finalized,
	pub(crate) status: SharedStatus,
	pub(crate) metrics: Option<Metrics>,
	pub(crate) retention: Retention,
	/// Validator sets seen on chain, by id.
	pub(crate) sets: BTreeMap<ValidatorSetId, ValidatorSet>,
	/// Certificates whose block is not finalized (or not imported) yet.
	pub(crate) waiting: BTreeMap<CheckpointNumber, (Certificate, Source)>,
	/// Asks peers for missing certificates.
	pub(crate) requester: Option<crate::request::Requester>,
	/// The request in flight, if any.
	pub(crate) in_flight: futures::stream::FuturesUnordered<crate::request::InFlight>,
	/// Peers that sent valid gossip, newest last.
	pub(crate) peers: std::collections::VecDeque<sc_network_types::PeerId>,
}

impl<B, BE, C> Worker<B, BE, C>
where
	B: BlockT<Hash = H256>,
	BE: Backend<B>,
	C: BlockchainEvents<B> + HeaderBackend<B> + ProvideRuntimeApi<B> + Send + Sync,
	C::Api: CheckpointApi<B>,
{
	/// Restores state from the database and re-gossips our unfinalized votes.
	pub(crate) fn restore(&mut self) -> Result<(), DbError> {
		let started = std::time::Instant::now();
		let best = self.client.info().best_hash;
		if let Ok(set) = self.client.runtime_api().validator_set(best) {
			self.finalized.add_set(set.clone());
			self.sets.insert(set.id, set);
		}
		let final_hash = self.client.info().finalized_hash;
		if let Ok(Some(record)) = self.client.runtime_api().latest(final_hash) {
			self.finalized.set_newest_final(record.number);
		}
		let sets = &self.sets;
		let state = self.voter.restore(|id| sets.get(&id).cloned())?;
		let micros = started.elapsed().as_micros() as u64;
		if let Some(last) = state.last_finalized {
			self.finalized.set(last);
		}
		for vote in &state.own_votes {
			self.gossip.gossip_message(
				topic::<B>(),
				GossipMessage::Vote(vote.clone()).encode(),
				false,
			);
		}
		// The latest certificate keeps travelling so peers that missed it finalize too.
		if let Ok(Some(certificate)) = self.voter.db().latest_certificate() {
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
		status.pending_signatures = self.voter.pending_signatures();
		Ok(())
	}

	/// Runs until the import stream ends.
	pub async fn run(mut self) {
		if let Err(e) = self.restore() {
			log::error!(target: LOG_TARGET, "cannot restore checkpoint state, gadget stopped: {e}");
			return;
		}
		let mut imports = self.client.import_notification_stream().fuse();
		let mut finality = self.client.finality_notification_stream().fuse();
		let mut messages = self.gossip.messages_for(topic::<B>()).fuse();
		let mut prune_timer = futures_timer::Delay::new(self.retention.prune_every).fuse();
		let mut catch_up_timer = futures_timer::Delay::new(CATCH_UP_EVERY).fuse();
		loop {
			futures::select! {
				notification = imports.next() => match notification {
					Some(n) => self.on_import(n.hash),
					None => {
						log::debug!(target: LOG_TARGET, "import stream ended, gadget stops");
						return;
					},
				},
				notification = finality.next() => match notification {
					Some(n) => {
						let mut finalized: Vec<H256> = n.tree_route.iter().copied().collect();
						finalized.push(n.hash);
						self.on_finalized(&finalized);
					},
					None => return,
				},
				message = messages.next() => match message {
					Some(n) => self.on_message(n.message, n.sender),
					None => return,
				},
				certificate = self.imported.next() => match certificate {
					Some(certificate) => self.apply_certificate(certificate, Source::BlockImport),
					None => return,
				},
				report = self.reports.next() => if let Some((peer, change)) = report {
					self.rejected();
					self.gossip.report(peer, change);
				},
				_ = (&mut self.gossip).fuse() => {
					log::error!(target: LOG_TARGET, "gossip engine stopped, gadget stops");
					return;
				},
				_ = catch_up_timer => {
					self.catch_up();
					catch_up_timer = futures_timer::Delay::new(CATCH_UP_EVERY).fuse();
				},
				answer = self.in_flight.select_next_some() => {
					let (peer, request, answer) = answer;
					self.on_answer(peer, request, answer);
				},
				_ = prune_timer => {
					self.prune();
					prune_timer = futures_timer::Delay::new(self.retention.prune_every).fuse();
				},
			}
		}
	}

	/// A certificate waiting for this block may apply once it is final.
	fn on_import(&mut self, hash: H256) {
		let ready: Vec<_> = self
			.waiting
			.iter()
			.filter(|(_, (c, _))| c.checkpoint.block_hash == hash)
			.map(|(n, _)| *n)
			.collect();
		for n in ready {
			if let Some((certificate, source)) = self.waiting.remove(&n) {
				self.apply_certificate(certificate, source);
			}
		}
	}

	/// GRANDPA finalized `blocks` (oldest first): sign every checkpoint among them, in order,
	/// and apply the certificates that waited for them.
	fn on_finalized(&mut self, blocks: &[H256]) {
		for hash in blocks {
			self.sign_if_checkpoint(*hash);
		}
		let finalized: u64 = self.client.info().finalized_number.try_into().unwrap_or(u64::MAX);
		let ready: Vec<_> = self
			.waiting
			.iter()
			.filter(|(_, (c, _))| u64::from(c.checkpoint.block_number) <= finalized)
			.map(|(n, _)| *n)
			.collect();
		for n in ready {
			if let Some((certificate, source)) = self.waiting.remove(&n) {
				self.apply_certificate(certificate, source);
			}
		}
	}

	/// Signs the checkpoint recorded in finalized block `hash`, if it records one.
	fn sign_if_checkpoint(&mut self, hash: H256) {
		let Ok(Some(header)) = self.client.header(hash) else { return };
		let block_number: u32 = (*header.number()).try_into().unwrap_or(u32::MAX);
		let api = self.client.runtime_api();
		let Ok(Some(record)) = api.latest(hash) else { return };
		self.finalized.set_newest_final(record.number);
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
		self.finalized.add_set(set.clone());
		self.status.write().set_id = set.id;
		let checkpoint = Checkpoint::from_record(&record, hash);
		if self.voter.last_finalized().is_some_and(|last| checkpoint.number <= last) {
			return;
		}
		self.sign(&set, checkpoint);
	}

	fn sign(&mut self, set: &ValidatorSet, checkpoint: Checkpoint) {
		let (number, block_hash) = (checkpoint.number, checkpoint.block_hash);
		match self.voter.sign(set, checkpoint) {
			Ok(SignOutcome::NotValidator) => {},
			Ok(SignOutcome::Refused { earlier }) => {
				log::warn!(target: LOG_TARGET, "already voted for block {:?} as checkpoint {number}; not signing {block_hash:?}", earlier.block_hash);
			},
			Ok(SignOutcome::Voted(vote, outcome)) => {
				log::debug!(target: LOG_TARGET, "signed checkpoint {number} (block #{} {block_hash:?})", vote.checkpoint.block_number);
				{
					let mut status = self.status.write();
					status.validator_index = Some(vote.index);
					status.signed += 1;
				}
				self.gossip.gossip_message(
					topic::<B>(),
					GossipMessage::Vote(vote.clone()).encode(),
					false,
				);
				self.on_vote_outcome(set, &vote, outcome, None);
			},
			Err(e) => log::error!(target: LOG_TARGET, "not signing checkpoint {number}: {e}"),
		}
	}

	fn on_message(&mut self, data: Vec<u8>, sender: Option<sc_network_types::PeerId>) {
		// The gossip validator checked it (and charged for bad ones); checked again here
		// because a message reaches the worker once, and its counting trusts it.
		let message = match GossipMessage::decode_all(&mut &data[..]) {
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
				if let Some(peer) = sender {
					self.note_peer(peer);
				}
				match self.voter.add_peer_vote(&set, &vote) {
					Ok(outcome) => self.on_vote_outcome(&set, &vote, outcome, sender),
					Err(e) => log::error!(target: LOG_TARGET, "cannot persist signature: {e}"),
				}
			},
			GossipMessage::Certificate(certificate) => {
				if self
					.voter
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
				self.apply_certificate(certificate, Source::Gossip);
			},
		}
	}

	fn rejected(&self) {
		if let Some(m) = &self.metrics {
			m.signatures_rejected.inc();
		}
	}

	fn on_vote_outcome(
		&mut self,
		set: &ValidatorSet,
		vote: &SignedCheckpoint,
		outcome: VoteOutcome,
		sender: Option<sc_network_types::PeerId>,
	) {
		match outcome {
			VoteOutcome::Accepted => {
				if let (Some(peer), Some(m)) = (sender, &self.metrics) {
					m.signatures_accepted.inc();
					self.gossip.report(peer, GOOD_VOTE);
				}
			},
			VoteOutcome::Quorum(certificate) => {
				if let Some(m) = &self.metrics {
					m.signatures_accepted.inc();
				}
				self.apply_certificate(*certificate, Source::Formed);
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
		self.status.write().pending_signatures = self.voter.pending_signatures();
	}

	/// Where `certificate`'s block stands: final on the canonical chain, not yet, or
	/// contradicted by GRANDPA's finality.
	fn finality_of(&self, certificate: &Certificate) -> Finality {
		let checkpoint = &certificate.checkpoint;
		let info = self.client.info();
		let finalized: u32 = info.finalized_number.try_into().unwrap_or(u32::MAX);
		if checkpoint.block_number > finalized {
			return Finality::Pending;
		}
		match self.client.hash(checkpoint.block_number.into()) {
			Ok(Some(hash)) if hash == checkpoint.block_hash => Finality::Final,
			Ok(Some(_)) => Finality::Conflicting,
			_ => Finality::Pending,
		}
	}

	/// Persists a verified certificate of a GRANDPA-finalized block, records it as the block's
	/// second justification (engine id BRSC, so it travels with synced blocks) and gossips it.
	/// A certificate of a block not final yet waits; one contradicting finality is dropped.
	fn apply_certificate(&mut self, certificate: Certificate, source: Source) {
		let number = certificate.checkpoint.number;
		let hash = certificate.checkpoint.block_hash;
		match self.finality_of(&certificate) {
			Finality::Final => {},
			Finality::Pending => {
				log::debug!(target: LOG_TARGET, "certificate {number} waits for block {hash:?} to be final");
				// Verified certificates only, but bounded all the same: the oldest goes first.
				if self.waiting.len() >= MAX_WAITING && !self.waiting.contains_key(&number) {
					self.waiting.pop_first();
				}
				self.waiting.insert(number, (certificate, source));
				return;
			},
			Finality::Conflicting => {
				log::error!(
					target: LOG_TARGET,
					"⚠️  certificate {number} certifies block {hash:?}, but GRANDPA finalized another block #{}: dropped",
					certificate.checkpoint.block_number,
				);
				return;
			},
		}
		// One valid certificate per number is enough (another signer subset proves the same).
		if self.voter.db().certificate(number).ok().flatten().is_some() {
			return;
		}
		if let Err(e) = self.voter.store_certificate(&certificate) {
			log::error!(target: LOG_TARGET, "cannot persist certificate {number}: {e}");
			return;
		}
		let justification = (CONSENSUS_ENGINE_ID, certificate.encode());
		if let Err(e) = self.backend.append_justification(hash, justification) {
			// Already there (e.g. it came with the block), or the block is gone: the database
			// copy serves RPC either way.
			log::debug!(target: LOG_TARGET, "certificate {number} not attached to block {hash:?}: {e}");
		}
		log::info!(
			target: LOG_TARGET,
			"✅ Checkpoint {number} certified block #{} ({hash:?}) with {} signatures{}",
			certificate.checkpoint.block_number,
			certificate.signatures.len(),
			match source {
				Source::Formed => "",
				Source::Gossip => " (received certificate)",
				Source::BlockImport => " (certificate imported with the block)",
				Source::Request => " (requested from a peer)",
			},
		);
		let newest = self.voter.last_finalized().is_none_or(|last| number > last);
		self.voter.finalized(number);
		self.finalized.set(self.voter.last_finalized().unwrap_or(number));
		{
			let mut status = self.status.write();
			status.last_finalized = self.voter.last_finalized();
			if newest {
				status.last_finalized_block = Some(certificate.checkpoint.block_number);
			}
			status.certificates += 1;
			status.pending_signatures = self.voter.pending_signatures();
		}
		if let Some(m) = &self.metrics {
			m.certificates.inc();
			m.last_finalized.set(self.voter.last_finalized().unwrap_or(number));
		}
		// Old certificates from sync are of no use to peers.
		if newest {
			self.gossip.gossip_message(
				topic::<B>(),
				GossipMessage::Certificate(certificate).encode(),
				false,
			);
		}
	}

	/// Remembers a peer to ask for certificates.
	fn note_peer(&mut self, peer: sc_network_types::PeerId) {
		if !self.peers.contains(&peer) {
			if self.peers.len() >= MAX_PEERS {
				self.peers.pop_front();
			}
			self.peers.push_back(peer);
		}
	}

	/// Looks for finalized checkpoints without a certificate here (below the newest final
	/// one, within the window and the retention) and asks the next peer for them.
	fn catch_up(&mut self) {
		let Some(requester) = self.requester.clone() else { return };
		if !self.in_flight.is_empty() || self.peers.is_empty() {
			return;
		}
		// The newest final checkpoint may still be collecting signatures.
		let Some(top) = self.finalized.newest_final().and_then(|n| n.checked_sub(1)) else {
			return;
		};
		let retained = self
			.voter
			.last_finalized()
			.map_or(0, |last| last.saturating_sub(self.retention.checkpoints));
		let bottom = top.saturating_sub(CATCH_UP_WINDOW).max(retained);
		let Some(from) =
			(bottom..=top).find(|n| matches!(self.voter.db().certificate(*n), Ok(None)))
		else {
			return;
		};
		let peer = self.peers[0];
		self.peers.rotate_left(1);
		log::debug!(target: LOG_TARGET, "asking {peer} for certificates from checkpoint {from}");
		let request =
			crate::request::CertificateRequest { from, count: crate::request::MAX_PER_RESPONSE };
		self.in_flight.push(requester.ask(peer, request));
	}

	/// Checks and records the certificates a peer answered with.
	fn on_answer(
		&mut self,
		peer: sc_network_types::PeerId,
		request: crate::request::CertificateRequest,
		answer: Result<Vec<Certificate>, String>,
	) {
		let certificates = match answer {
			Ok(certificates) => certificates,
			Err(e) => {
				log::debug!(target: LOG_TARGET, "{peer} did not answer for checkpoints from {}: {e}", request.from);
				return;
			},
		};
		for certificate in certificates {
			let set = self
				.sets
				.get(&certificate.checkpoint.set_id)
				.cloned()
				.or_else(|| self.finalized.set_with_id(certificate.checkpoint.set_id));
			let valid = set.is_some_and(|set| certificate.verify(&set).is_ok());
			if !valid {
				self.rejected();
				self.gossip.report(peer, crate::gossip::cost::BAD_SIGNATURE);
				return;
			}
			self.apply_certificate(certificate, Source::Request);
		}
	}

	fn prune(&self) {
		match self.voter.prune(self.retention.checkpoints) {
			Ok((_, 0)) => {},
			Ok((below, n)) => {
				log::debug!(target: LOG_TARGET, "pruned {n} certificate(s) below {below}")
			},
			Err(e) => {
				log::error!(target: LOG_TARGET, "pruning the checkpoint database failed: {e}")
			},
		}
	}
}
