//! Vote bookkeeping per checkpoint number: collects signatures per distinct checkpoint, spots
//! equivocations, and says when one checkpoint reaches quorum.
use bourse_primitives::checkpoint::{
	Certificate, Checkpoint, CheckpointNumber, CheckpointSignature, ValidatorSet,
};
use std::collections::{BTreeMap, HashMap};

/// What adding a vote did.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum VoteOutcome {
	/// New signature, no quorum yet.
	Accepted,
	/// Already had exactly this vote.
	Duplicate,
	/// For a checkpoint already finalized (or older).
	Stale,
	/// The validator signed a different checkpoint for this number before: both kept for the
	/// record, only the first counts.
	Equivocation {
		/// The earlier, different checkpoint.
		first: Box<Checkpoint>,
	},
	/// This vote completed a quorum.
	Quorum(Box<Certificate>),
}

/// Votes of one checkpoint number.
#[derive(Default, Debug)]
struct Round {
	/// Per distinct checkpoint: signatures by validator index.
	by_checkpoint: HashMap<Checkpoint, BTreeMap<u32, CheckpointSignature>>,
	/// Which checkpoint each validator voted for first.
	first_vote: HashMap<u32, Checkpoint>,
	/// Quorum was reached (a certificate exists).
	done: bool,
}

/// All open rounds above the last finalized checkpoint.
#[derive(Default, Debug)]
pub struct Rounds {
	rounds: BTreeMap<CheckpointNumber, Round>,
	last_finalized: Option<CheckpointNumber>,
}

impl Rounds {
	/// Rounds resuming after `last_finalized`.
	pub fn new(last_finalized: Option<CheckpointNumber>) -> Self {
		Self { rounds: BTreeMap::new(), last_finalized }
	}

	/// Highest checkpoint known finalized.
	pub fn last_finalized(&self) -> Option<CheckpointNumber> {
		self.last_finalized
	}

	/// Adds a vote that is already verified (signature valid, `index` member of `set`).
	pub fn add_vote(
		&mut self,
		set: &ValidatorSet,
		checkpoint: &Checkpoint,
		index: u32,
		signature: CheckpointSignature,
	) -> VoteOutcome {
		if self.last_finalized.is_some_and(|last| checkpoint.number <= last) {
			return VoteOutcome::Stale;
		}
		let round = self.rounds.entry(checkpoint.number).or_default();
		if let Some(first) = round.first_vote.get(&index) {
			if first != checkpoint {
				return VoteOutcome::Equivocation { first: Box::new(first.clone()) };
			}
			return VoteOutcome::Duplicate;
		}
		round.first_vote.insert(index, checkpoint.clone());
		let votes = round.by_checkpoint.entry(checkpoint.clone()).or_default();
		votes.insert(index, signature);
		if round.done || votes.len() < set.quorum() {
			return VoteOutcome::Accepted;
		}
		round.done = true;
		let signed = votes.iter().map(|(i, s)| (*i, s.clone())).collect();
		VoteOutcome::Quorum(Box::new(Certificate::new(checkpoint.clone(), signed)))
	}

	/// Marks `number` finalized: drops it and every older round.
	pub fn finalized(&mut self, number: CheckpointNumber) {
		if self.last_finalized.is_none_or(|last| number > last) {
			self.last_finalized = Some(number);
		}
		self.rounds = match number.checked_add(1) {
			Some(next) => self.rounds.split_off(&next),
			None => Default::default(),
		};
	}

	/// Number of signatures held for unfinalized checkpoints.
	pub fn pending_signatures(&self) -> usize {
		self.rounds.values().flat_map(|r| r.by_checkpoint.values()).map(|v| v.len()).sum()
	}

	/// Open checkpoint numbers.
	pub fn open(&self) -> impl Iterator<Item = CheckpointNumber> + '_ {
		self.rounds.keys().copied()
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use bourse_primitives::checkpoint::CheckpointId;
	use sp_core::{ed25519, Pair, H256};

	fn keys(n: u8) -> Vec<ed25519::Pair> {
		(0..n).map(|i| ed25519::Pair::from_seed(&[i + 1; 32])).collect()
	}

	fn set(pairs: &[ed25519::Pair]) -> ValidatorSet {
		ValidatorSet {
			id: 0,
			validators: pairs.iter().map(|p| CheckpointId::from(p.public())).collect(),
		}
	}

	fn checkpoint(number: u64, hash: u8) -> Checkpoint {
		Checkpoint {
			number,
			block_number: number as u32,
			block_hash: H256::repeat_byte(hash),
			state_digest: H256::zero(),
			set_id: 0,
		}
	}

	fn vote(rounds: &mut Rounds, pairs: &[ed25519::Pair], cp: &Checkpoint, i: u32) -> VoteOutcome {
		let sig = pairs[i as usize].sign(&codec::Encode::encode(cp)).into();
		rounds.add_vote(&set(pairs), cp, i, sig)
	}

	#[test]
	fn quorum_of_four_is_three_and_certificate_verifies() {
		let pairs = keys(4);
		let mut rounds = Rounds::new(None);
		let cp = checkpoint(1, 1);
		assert_eq!(vote(&mut rounds, &pairs, &cp, 0), VoteOutcome::Accepted);
		assert_eq!(vote(&mut rounds, &pairs, &cp, 0), VoteOutcome::Duplicate);
		assert_eq!(vote(&mut rounds, &pairs, &cp, 1), VoteOutcome::Accepted);
		let VoteOutcome::Quorum(cert) = vote(&mut rounds, &pairs, &cp, 3) else { panic!("quorum") };
		assert_eq!(cert.verify(&set(&pairs)), Ok(()));
		assert_eq!(
			cert.signed_by().map(|s| s.iter().map(|(i, _)| *i).collect::<Vec<_>>()),
			Some(vec![0, 1, 3])
		);
		// A fourth vote after quorum is accepted but makes no second certificate.
		assert_eq!(vote(&mut rounds, &pairs, &cp, 2), VoteOutcome::Accepted);
	}

	#[test]
	fn equivocation_is_detected_and_does_not_count() {
		let pairs = keys(4);
		let mut rounds = Rounds::new(None);
		let (a, b) = (checkpoint(2, 1), checkpoint(2, 2));
		vote(&mut rounds, &pairs, &a, 0);
		assert!(
			matches!(vote(&mut rounds, &pairs, &b, 0), VoteOutcome::Equivocation { first } if *first == a)
		);
		vote(&mut rounds, &pairs, &b, 1);
		vote(&mut rounds, &pairs, &b, 2);
		// Validator 0's vote for `b` did not count: b has 2 of 3 needed.
		assert_eq!(rounds.pending_signatures(), 3);
		assert!(matches!(vote(&mut rounds, &pairs, &b, 3), VoteOutcome::Quorum(_)));
	}

	#[test]
	fn finalized_rounds_are_dropped_and_old_votes_stale() {
		let pairs = keys(4);
		let mut rounds = Rounds::new(None);
		vote(&mut rounds, &pairs, &checkpoint(1, 1), 0);
		vote(&mut rounds, &pairs, &checkpoint(2, 1), 0);
		rounds.finalized(1);
		assert_eq!(rounds.open().collect::<Vec<_>>(), vec![2]);
		assert_eq!(vote(&mut rounds, &pairs, &checkpoint(1, 1), 1), VoteOutcome::Stale);
	}

	#[test]
	fn tampered_certificates_fail_verification() {
		use bourse_primitives::checkpoint::CertificateError;
		let pairs = keys(4);
		let mut rounds = Rounds::new(None);
		let cp = checkpoint(1, 1);
		for i in 0..2 {
			vote(&mut rounds, &pairs, &cp, i);
		}
		let VoteOutcome::Quorum(cert) = vote(&mut rounds, &pairs, &cp, 2) else { panic!("quorum") };
		let mut wrong_block = (*cert).clone();
		wrong_block.checkpoint.block_hash = H256::repeat_byte(9);
		assert_eq!(wrong_block.verify(&set(&pairs)), Err(CertificateError::BadSignature(0)));
		let mut short = (*cert).clone();
		short.signatures.pop();
		assert_eq!(short.verify(&set(&pairs)), Err(CertificateError::Malformed));
		let mut other_set = set(&pairs);
		other_set.id = 1;
		assert_eq!(cert.verify(&other_set), Err(CertificateError::WrongSet));
		let small = Certificate::new(cp.clone(), vec![(0, cert.signatures[0].clone())]);
		assert_eq!(small.verify(&set(&pairs)), Err(CertificateError::NoQuorum));
		// An empty set's quorum is zero signatures: refused, never a proof.
		let empty = ValidatorSet { id: 0, validators: vec![] };
		let nobody = Certificate::new(cp, vec![]);
		assert_eq!(nobody.verify(&empty), Err(CertificateError::EmptySet));
	}

	#[test]
	fn the_largest_checkpoint_number_closes_every_round() {
		let pairs = keys(4);
		let mut rounds = Rounds::new(None);
		vote(&mut rounds, &pairs, &checkpoint(1, 1), 0);
		rounds.finalized(u64::MAX);
		assert_eq!(rounds.open().count(), 0);
		assert_eq!(rounds.last_finalized(), Some(u64::MAX));
	}
}
