//! The checkpoint finality gadget's own database.
//!
//! A kvdb-rocksdb database at `<base-path>/chains/<chain-id>/checkpoints` with its own columns
//! and a schema version file. Keys are big-endian numbers behind a one-byte prefix, so ranges
//! iterate in order. Every logical step (a vote, a certificate with the new last-finalized
//! number, a prune) is one kvdb transaction, so a crash never leaves half a step behind.
//!
//! What a restart needs is kept small on purpose: signatures are stored only until their
//! checkpoint has a certificate (the certificate holds them), so restoring reads the meta
//! column and the pending signatures, never the retained certificates.
mod error;
mod keys;
mod schema;
#[cfg(test)]
mod tests;

pub use error::Error;

use bourse_primitives::checkpoint::{
	Certificate, Checkpoint, CheckpointNumber, CheckpointSignature,
};
use codec::{Decode, Encode};
use kvdb::{DBTransaction, KeyValueDB};
use std::{
	path::{Path, PathBuf},
	sync::Arc,
};

/// A signature over a checkpoint by the validator at `index` of the set.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct SignedCheckpoint {
	/// What was signed.
	pub checkpoint: Checkpoint,
	/// Signer's index in the validator set.
	pub index: u32,
	/// The signature.
	pub signature: CheckpointSignature,
}

/// Everything a restarted gadget needs to resume.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ResumeState {
	/// Highest checkpoint finalized with a certificate.
	pub last_finalized: Option<CheckpointNumber>,
	/// This validator's own votes on checkpoints not finalized yet.
	pub own_votes: Vec<SignedCheckpoint>,
	/// Peers' signatures on checkpoints not finalized yet.
	pub pending: Vec<SignedCheckpoint>,
}

/// Sizes, for operators and metrics.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Stats {
	/// Certificates retained.
	pub certificates: u64,
	/// Pending peer signatures.
	pub pending_signatures: u64,
	/// Own votes not finalized yet.
	pub own_votes: u64,
	/// Highest finalized checkpoint.
	pub last_finalized: Option<CheckpointNumber>,
	/// Certificates below this number are pruned.
	pub pruned_below: CheckpointNumber,
}

/// The gadget's database.
pub struct CheckpointDb {
	db: Arc<dyn KeyValueDB>,
	/// The same database when it is RocksDB, for compaction.
	rocks: Option<Arc<kvdb_rocksdb::Database>>,
	path: Option<PathBuf>,
}

impl CheckpointDb {
	/// Opens (creating or upgrading) the RocksDB database at `path`.
	pub fn open(path: &Path) -> Result<Self, Error> {
		let rocks = Arc::new(schema::open_rocksdb(path)?);
		Ok(Self { db: rocks.clone(), rocks: Some(rocks), path: Some(path.to_path_buf()) })
	}

	/// Opens the RocksDB database at `path` read-only (operator tools): works while the node
	/// runs, never creates, writes or upgrades anything. `scratch` is a directory for the
	/// read-only instance's own files (the caller removes it).
	pub fn open_read_only(path: &Path, scratch: &Path) -> Result<Self, Error> {
		let rocks = Arc::new(schema::open_rocksdb_read_only(path, scratch)?);
		Ok(Self { db: rocks.clone(), rocks: None, path: Some(path.to_path_buf()) })
	}

	/// An in-memory database at the current schema (tests, `--tmp` style use).
	pub fn in_memory() -> Self {
		Self { db: Arc::new(kvdb_memorydb::create(schema::COLUMNS)), rocks: None, path: None }
	}

	/// Ties the database to the chain with `genesis`: recorded on first use, compared after.
	/// A database of another chain (a new genesis under the same chain id, whose checkpoint
	/// numbers start again) is an error naming the path and the fix, so the node neither mixes
	/// the two chains' votes nor stays silent.
	pub fn check_genesis(&self, genesis: [u8; 32]) -> Result<(), Error> {
		match self.db.get(keys::COL_META, keys::GENESIS).map_err(|e| self.io(e))? {
			Some(stored) if stored[..] == genesis[..] => Ok(()),
			Some(_) => Err(Error::OtherChain { path: self.path.clone().unwrap_or_default() }),
			None => {
				let mut tx = DBTransaction::new();
				tx.put(keys::COL_META, keys::GENESIS, &genesis);
				self.write(tx)
			},
		}
	}

	/// Where the database lives, if on disk.
	pub fn path(&self) -> Option<&Path> {
		self.path.as_deref()
	}

	fn io(&self, e: std::io::Error) -> Error {
		Error::Io { path: self.path.clone().unwrap_or_default(), source: e }
	}

	fn write(&self, tx: DBTransaction) -> Result<(), Error> {
		self.db.write(tx).map_err(|e| self.io(e))
	}

	fn get_meta<V: Decode>(&self, key: &[u8]) -> Result<Option<V>, Error> {
		match self.db.get(keys::COL_META, key).map_err(|e| self.io(e))? {
			Some(bytes) => V::decode(&mut &bytes[..]).map(Some).map_err(|e| self.corrupt(key, e)),
			None => Ok(None),
		}
	}

	fn corrupt(&self, key: &[u8], e: codec::Error) -> Error {
		Error::Corrupt {
			path: self.path.clone().unwrap_or_default(),
			what: format!("{key:?}: {e}"),
		}
	}

	/// Our own vote for checkpoint `number`, if we cast one (and it is not finalized).
	pub fn own_vote(&self, number: CheckpointNumber) -> Result<Option<SignedCheckpoint>, Error> {
		self.db
			.get(keys::COL_OWN_VOTES, &keys::number_key(keys::OWN_VOTE, number))
			.map_err(|e| self.io(e))?
			.map(|bytes| {
				SignedCheckpoint::decode(&mut &bytes[..]).map_err(|e| self.corrupt(b"own vote", e))
			})
			.transpose()
	}

	/// Persists our own vote. Must happen before the vote is gossiped; refuses a second,
	/// different vote for the same number (the caller must never sign twice).
	pub fn store_own_vote(&self, vote: &SignedCheckpoint) -> Result<(), Error> {
		if let Some(existing) = self.own_vote(vote.checkpoint.number)? {
			if existing.checkpoint != vote.checkpoint {
				return Err(Error::ConflictingOwnVote { number: vote.checkpoint.number });
			}
			return Ok(());
		}
		let mut tx = DBTransaction::new();
		tx.put_vec(
			keys::COL_OWN_VOTES,
			&keys::number_key(keys::OWN_VOTE, vote.checkpoint.number),
			vote.encode(),
		);
		self.write(tx)
	}

	/// Persists a peer's verified signature of a not-yet-finalized checkpoint.
	pub fn store_signature(&self, signed: &SignedCheckpoint) -> Result<(), Error> {
		let mut tx = DBTransaction::new();
		let key = keys::signature_key(signed.checkpoint.number, signed.index);
		tx.put_vec(keys::COL_SIGNATURES, &key, signed.encode());
		self.write(tx)
	}

	/// Persists a certificate and makes its checkpoint the last finalized, in one
	/// transaction; the signatures (own and peers') of that checkpoint are deleted, since the
	/// certificate holds them.
	pub fn store_certificate(&self, certificate: &Certificate) -> Result<(), Error> {
		let number = certificate.checkpoint.number;
		let mut tx = DBTransaction::new();
		tx.put_vec(
			keys::COL_CERTIFICATES,
			&keys::number_key(keys::CERTIFICATE, number),
			certificate.encode(),
		);
		if self.last_finalized()?.is_none_or(|last| number > last) {
			tx.put_vec(keys::COL_META, keys::LAST_FINALIZED, number.encode());
		}
		// Signatures of every checkpoint up to this one are no longer needed.
		for (key, _) in self.pending_entries()? {
			if keys::number_of(&key) <= number {
				tx.delete(keys::COL_SIGNATURES, &key);
			}
		}
		for vote in self.iter_decoded::<SignedCheckpoint>(keys::COL_OWN_VOTES)? {
			if vote.checkpoint.number <= number {
				tx.delete(
					keys::COL_OWN_VOTES,
					&keys::number_key(keys::OWN_VOTE, vote.checkpoint.number),
				);
			}
		}
		self.write(tx)
	}

	fn pending_entries(&self) -> Result<Vec<(Vec<u8>, Vec<u8>)>, Error> {
		self.db
			.iter(keys::COL_SIGNATURES)
			.map(|entry| entry.map(|(k, v)| (k.to_vec(), v)).map_err(|e| self.io(e)))
			.collect()
	}

	fn iter_decoded<V: Decode>(&self, col: u32) -> Result<Vec<V>, Error> {
		self.db
			.iter(col)
			.map(|entry| {
				let (_, value) = entry.map_err(|e| self.io(e))?;
				V::decode(&mut &value[..]).map_err(|e| self.corrupt(b"entry", e))
			})
			.collect()
	}

	/// Highest finalized checkpoint number.
	pub fn last_finalized(&self) -> Result<Option<CheckpointNumber>, Error> {
		self.get_meta(keys::LAST_FINALIZED)
	}

	/// The certificate of checkpoint `number`, while retained.
	pub fn certificate(&self, number: CheckpointNumber) -> Result<Option<Certificate>, Error> {
		self.db
			.get(keys::COL_CERTIFICATES, &keys::number_key(keys::CERTIFICATE, number))
			.map_err(|e| self.io(e))?
			.map(|bytes| {
				Certificate::decode(&mut &bytes[..]).map_err(|e| self.corrupt(b"certificate", e))
			})
			.transpose()
	}

	/// The certificate of the last finalized checkpoint.
	pub fn latest_certificate(&self) -> Result<Option<Certificate>, Error> {
		match self.last_finalized()? {
			Some(number) => self.certificate(number),
			None => Ok(None),
		}
	}

	/// Reads what resuming needs: last finalized, own votes and pending signatures. Its cost
	/// depends on the number of unfinalized checkpoints only, not on the retention.
	pub fn load_resume_state(&self) -> Result<ResumeState, Error> {
		let last_finalized = self.last_finalized()?;
		let after =
			|s: &SignedCheckpoint| last_finalized.is_none_or(|last| s.checkpoint.number > last);
		let own_votes = self
			.iter_decoded::<SignedCheckpoint>(keys::COL_OWN_VOTES)?
			.into_iter()
			.filter(after)
			.collect();
		let pending = self
			.iter_decoded::<SignedCheckpoint>(keys::COL_SIGNATURES)?
			.into_iter()
			.filter(after)
			.collect();
		Ok(ResumeState { last_finalized, own_votes, pending })
	}

	/// Deletes certificates below `number` (and any signatures below it), in one
	/// transaction. Returns how many certificates went.
	pub fn prune_below(&self, number: CheckpointNumber) -> Result<u64, Error> {
		let from: CheckpointNumber = self.get_meta(keys::PRUNED_BELOW)?.unwrap_or(0);
		if number <= from {
			return Ok(0);
		}
		let mut tx = DBTransaction::new();
		let mut pruned = 0;
		for n in from..number {
			let key = keys::number_key(keys::CERTIFICATE, n);
			if self.db.has_key(keys::COL_CERTIFICATES, &key).map_err(|e| self.io(e))? {
				tx.delete(keys::COL_CERTIFICATES, &key);
				pruned += 1;
			}
		}
		for (key, _) in self.pending_entries()? {
			if keys::number_of(&key) < number {
				tx.delete(keys::COL_SIGNATURES, &key);
			}
		}
		tx.put_vec(keys::COL_META, keys::PRUNED_BELOW, number.encode());
		self.write(tx)?;
		Ok(pruned)
	}

	/// Compacts the columns that see deletions, so pruned certificates and the signatures a
	/// certificate replaced free their disk space now rather than at RocksDB's leisure.
	pub fn compact(&self) -> Result<(), Error> {
		let Some(rocks) = &self.rocks else { return Ok(()) };
		for col in [keys::COL_SIGNATURES, keys::COL_OWN_VOTES, keys::COL_CERTIFICATES] {
			rocks.force_compact(col).map_err(|e| self.io(e))?;
		}
		Ok(())
	}

	/// Counts of what is stored.
	pub fn stats(&self) -> Result<Stats, Error> {
		let count = |col| self.db.iter(col).count() as u64;
		Ok(Stats {
			certificates: count(keys::COL_CERTIFICATES),
			pending_signatures: count(keys::COL_SIGNATURES),
			own_votes: count(keys::COL_OWN_VOTES),
			last_finalized: self.last_finalized()?,
			pruned_below: self.get_meta(keys::PRUNED_BELOW)?.unwrap_or(0),
		})
	}

	/// All retained certificates in number order (for `checkpoint-db export`).
	pub fn certificates(&self) -> Result<Vec<Certificate>, Error> {
		self.iter_decoded(keys::COL_CERTIFICATES)
	}

	/// Reads every key and value of every column: the physical cost of a full scan, printed
	/// beside restore in the benchmark.
	pub fn read_everything(&self) -> Result<(u64, u64), Error> {
		let (mut entries, mut bytes) = (0, 0);
		for col in 0..schema::COLUMNS {
			for entry in self.db.iter(col) {
				let (k, v) = entry.map_err(|e| self.io(e))?;
				entries += 1;
				bytes += (k.len() + v.len()) as u64;
			}
		}
		Ok((entries, bytes))
	}
}
