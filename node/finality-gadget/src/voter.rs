//! The validator's decisions and their persistence, without network or client: sign each
//! checkpoint number once (persisted before anyone sees the vote), count verified votes,
//! record certificates, and restore all of it after a restart. The worker wires this to the
//! chain and to gossip; keeping it apart makes the restart guarantees testable in-process.
use crate::round::{Rounds, VoteOutcome};
use bourse_checkpoint_db::{CheckpointDb, Error as DbError, ResumeState, SignedCheckpoint};
use bourse_primitives::checkpoint::{
	Certificate, Checkpoint, CheckpointNumber, ValidatorSet, ValidatorSetId, KEY_TYPE,
};
use codec::Encode;
use sp_core::ed25519;
use sp_keystore::KeystorePtr;
use std::sync::Arc;

/// What [`Voter::sign`] did.
#[derive(Debug)]
pub enum SignOutcome {
	/// No key of `set` in the keystore: this node does not vote.
	NotValidator,
	/// The vote (new, or the one persisted before for this very checkpoint) and what counting
	/// it did.
	Voted(SignedCheckpoint, VoteOutcome),
	/// We already voted for a different block with this number; nothing signed.
	Refused {
		/// What we signed before.
		earlier: Box<Checkpoint>,
	},
}

/// Why signing failed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
	/// The keystore could not sign with a key it listed.
	#[error("keystore cannot sign checkpoint {number}: {reason}")]
	Keystore {
		/// Checkpoint number.
		number: CheckpointNumber,
		/// Keystore's answer.
		reason: String,
	},
	/// The vote could not be persisted, so it was not used.
	#[error(transparent)]
	Db(#[from] DbError),
}

/// Signing, counting and persistence of one validator (or of a non-voting full node).
pub struct Voter {
	db: Arc<CheckpointDb>,
	keystore: Option<KeystorePtr>,
	rounds: Rounds,
}

impl Voter {
	/// A voter over `db`; call [`Voter::restore`] before use.
	pub fn new(db: Arc<CheckpointDb>, keystore: Option<KeystorePtr>) -> Self {
		Self { db, keystore, rounds: Rounds::new(None) }
	}

	/// Loads the persisted state and counts the stored votes again. `set_of` returns the
	/// validator set with an id (votes of unknown sets are not counted).
	pub fn restore(
		&mut self,
		set_of: impl Fn(ValidatorSetId) -> Option<ValidatorSet>,
	) -> Result<ResumeState, DbError> {
		let state = self.db.load_resume_state()?;
		self.rounds = Rounds::new(state.last_finalized);
		for vote in state.own_votes.iter().chain(&state.pending) {
			if let Some(set) = set_of(vote.checkpoint.set_id) {
				self.rounds.add_vote(&set, &vote.checkpoint, vote.index, vote.signature.clone());
			}
		}
		Ok(state)
	}

	/// The database.
	pub fn db(&self) -> &CheckpointDb {
		&self.db
	}

	/// Highest checkpoint finalized.
	pub fn last_finalized(&self) -> Option<CheckpointNumber> {
		self.rounds.last_finalized()
	}

	/// Signatures held for unfinalized checkpoints.
	pub fn pending_signatures(&self) -> usize {
		self.rounds.pending_signatures()
	}

	/// Our index in `set` and our key, if the keystore holds one of its keys.
	pub fn local_key(&self, set: &ValidatorSet) -> Option<(u32, ed25519::Public)> {
		let ours = self.keystore.as_ref()?.ed25519_public_keys(KEY_TYPE);
		set.validators.iter().enumerate().find_map(|(i, id)| {
			let public: ed25519::Public = id.clone().into();
			ours.contains(&public).then_some((i as u32, public))
		})
	}

	/// Votes for `checkpoint` if we are in `set`. A number is signed at most once, also across
	/// restarts: the vote is persisted before it is returned, and a later request for another
	/// block with the same number is refused.
	pub fn sign(
		&mut self,
		set: &ValidatorSet,
		checkpoint: Checkpoint,
	) -> Result<SignOutcome, SignError> {
		let Some((index, public)) = self.local_key(set) else {
			return Ok(SignOutcome::NotValidator);
		};
		if let Some(earlier) = self.db.own_vote(checkpoint.number)? {
			if earlier.checkpoint != checkpoint {
				return Ok(SignOutcome::Refused { earlier: Box::new(earlier.checkpoint) });
			}
			let outcome = self.count(set, &earlier);
			return Ok(SignOutcome::Voted(earlier, outcome));
		}
		let number = checkpoint.number;
		let signature = match self
			.keystore
			.as_ref()
			.map(|k| k.ed25519_sign(KEY_TYPE, &public, &checkpoint.encode()))
		{
			Some(Ok(Some(signature))) => signature.into(),
			other => return Err(SignError::Keystore { number, reason: format!("{other:?}") }),
		};
		let vote = SignedCheckpoint { checkpoint, index, signature };
		match self.db.store_own_vote(&vote) {
			Ok(()) => {},
			Err(DbError::ConflictingOwnVote { .. }) => {
				let earlier = self.db.own_vote(number)?.map(|v| v.checkpoint);
				return Ok(SignOutcome::Refused {
					earlier: Box::new(earlier.unwrap_or(vote.checkpoint)),
				});
			},
			Err(e) => return Err(e.into()),
		}
		let outcome = self.count(set, &vote);
		Ok(SignOutcome::Voted(vote, outcome))
	}

	fn count(&mut self, set: &ValidatorSet, vote: &SignedCheckpoint) -> VoteOutcome {
		self.rounds.add_vote(set, &vote.checkpoint, vote.index, vote.signature.clone())
	}

	/// Counts a peer's vote whose signature the caller verified against `set`; a newly
	/// accepted one is persisted.
	pub fn add_peer_vote(
		&mut self,
		set: &ValidatorSet,
		vote: &SignedCheckpoint,
	) -> Result<VoteOutcome, DbError> {
		let outcome = self.count(set, vote);
		if outcome == VoteOutcome::Accepted {
			self.db.store_signature(vote)?;
		}
		Ok(outcome)
	}

	/// Persists a verified certificate (and the new last finalized).
	pub fn store_certificate(&self, certificate: &Certificate) -> Result<(), DbError> {
		self.db.store_certificate(certificate)
	}

	/// Closes the rounds up to `number` once its block is finalized.
	pub fn finalized(&mut self, number: CheckpointNumber) {
		self.rounds.finalized(number);
	}

	/// Prunes certificates older than `retention` checkpoints below the last finalized, and
	/// compacts when something went so the disk space comes back.
	pub fn prune(&self, retention: u64) -> Result<(CheckpointNumber, u64), DbError> {
		let Some(last) = self.last_finalized() else { return Ok((0, 0)) };
		let below = last.saturating_sub(retention);
		let pruned = self.db.prune_below(below)?;
		if pruned > 0 {
			self.db.compact()?;
		}
		Ok((below, pruned))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use bourse_primitives::checkpoint::CheckpointId;
	use sp_core::{Pair, H256};
	use sp_keystore::{testing::MemoryKeystore, Keystore};

	/// A keystore holding validator 0's key, and the 4-validator set.
	fn setup() -> (KeystorePtr, Vec<ed25519::Pair>, ValidatorSet) {
		let keystore = MemoryKeystore::new();
		let ours = keystore.ed25519_generate_new(KEY_TYPE, Some("//Alice")).expect("key");
		let peers: Vec<_> = (1..4u8).map(|i| ed25519::Pair::from_seed(&[i; 32])).collect();
		let validators = std::iter::once(CheckpointId::from(ours))
			.chain(peers.iter().map(|p| CheckpointId::from(p.public())))
			.collect();
		(Arc::new(keystore), peers, ValidatorSet { id: 0, validators })
	}

	fn checkpoint(number: u64, hash: u64) -> Checkpoint {
		Checkpoint {
			number,
			block_number: number as u32 * 5,
			block_hash: H256::from_low_u64_be(hash),
			state_digest: H256::repeat_byte(7),
			set_id: 0,
		}
	}

	fn peer_vote(pair: &ed25519::Pair, index: u32, checkpoint: &Checkpoint) -> SignedCheckpoint {
		let signature = pair.sign(&checkpoint.encode()).into();
		SignedCheckpoint { checkpoint: checkpoint.clone(), index, signature }
	}

	fn voted(outcome: SignOutcome) -> (SignedCheckpoint, VoteOutcome) {
		match outcome {
			SignOutcome::Voted(vote, counted) => (vote, counted),
			other => panic!("expected a vote, got {other:?}"),
		}
	}

	#[test]
	fn restarted_voter_resumes_mid_round_and_never_signs_twice() {
		let dir = tempfile::tempdir().expect("tmp");
		let path = dir.path().join("checkpoints");
		let (keystore, peers, set) = setup();
		let a = checkpoint(3, 0xa);
		let own = {
			let db = Arc::new(CheckpointDb::open(&path).expect("open"));
			let mut voter = Voter::new(db, Some(keystore.clone()));
			voter.restore(|_| Some(set.clone())).expect("restore");
			let (own, counted) = voted(voter.sign(&set, a.clone()).expect("sign"));
			assert_eq!((own.index, counted), (0, VoteOutcome::Accepted));
			assert!(a.verify(&set.validators[0], &own.signature));
			let peer = peer_vote(&peers[0], 1, &a);
			assert_eq!(voter.add_peer_vote(&set, &peer).expect("count"), VoteOutcome::Accepted);
			assert_eq!(voter.pending_signatures(), 2);
			own
			// Dropped here without any shutdown step, as after kill -9.
		};

		let db = Arc::new(CheckpointDb::open(&path).expect("reopen"));
		let mut voter = Voter::new(db, Some(keystore));
		let state = voter.restore(|_| Some(set.clone())).expect("restore");
		assert_eq!(state.own_votes, vec![own.clone()]);
		assert_eq!(state.pending, vec![peer_vote(&peers[0], 1, &a)]);
		assert_eq!(voter.pending_signatures(), 2);

		// Another block under the same number: refused, nothing new persisted.
		match voter.sign(&set, checkpoint(3, 0xb)).expect("sign") {
			SignOutcome::Refused { earlier } => assert_eq!(*earlier, a),
			other => panic!("signed a second block for checkpoint 3: {other:?}"),
		}
		assert_eq!(voter.db().own_vote(3).expect("read"), Some(own.clone()));
		// The same block again gives back the persisted vote, counted once.
		assert_eq!(
			voted(voter.sign(&set, a.clone()).expect("sign")),
			(own, VoteOutcome::Duplicate)
		);

		// The restored signatures still count toward quorum (3 of 4).
		match voter.add_peer_vote(&set, &peer_vote(&peers[1], 2, &a)).expect("count") {
			VoteOutcome::Quorum(certificate) => {
				assert_eq!(certificate.verify(&set), Ok(()));
				let signers: Vec<u32> = certificate
					.signed_by()
					.expect("signers")
					.into_iter()
					.map(|(index, _)| index)
					.collect();
				assert_eq!(signers, vec![0, 1, 2]);
				voter.store_certificate(&certificate).expect("store");
				voter.finalized(3);
			},
			other => panic!("expected quorum, got {other:?}"),
		}
		assert_eq!(voter.pending_signatures(), 0);
		let state = voter.restore(|_| Some(set.clone())).expect("restore");
		assert_eq!(
			(state.last_finalized, state.own_votes.len(), state.pending.len()),
			(Some(3), 0, 0)
		);
	}

	#[test]
	fn full_node_without_keys_does_not_vote() {
		let (_, _, set) = setup();
		let mut voter = Voter::new(Arc::new(CheckpointDb::in_memory()), None);
		assert!(matches!(voter.sign(&set, checkpoint(1, 1)), Ok(SignOutcome::NotValidator)));
		assert_eq!(voter.db().own_vote(1).expect("read"), None);
	}

	#[test]
	fn votes_at_or_below_last_finalized_are_stale() {
		let (keystore, peers, set) = setup();
		let mut voter = Voter::new(Arc::new(CheckpointDb::in_memory()), Some(keystore));
		voter.finalized(4);
		let vote = peer_vote(&peers[0], 1, &checkpoint(4, 4));
		assert_eq!(voter.add_peer_vote(&set, &vote).expect("count"), VoteOutcome::Stale);
		assert_eq!(voter.db().load_resume_state().expect("read").pending, vec![]);
	}
}
