//! Errors of the checkpoint database: each names the path and, where there is one, the fix.
use std::path::PathBuf;

/// What can go wrong opening or using the database.
#[derive(Debug, thiserror::Error)]
pub enum Error {
	/// RocksDB could not open the database.
	#[error("cannot open the checkpoint database at {path}: {source}")]
	Open {
		/// Database directory.
		path: PathBuf,
		/// The cause.
		source: std::io::Error,
	},
	/// A read or write failed.
	#[error("checkpoint database at {path}: {source}")]
	Io {
		/// Database directory.
		path: PathBuf,
		/// The cause.
		source: std::io::Error,
	},
	/// The database was written by a newer bourse-node.
	#[error(
		"the checkpoint database at {path} has schema version {found}, newer than the {supported} \
		 this bourse-node supports: run the bourse-node version that wrote it (or a newer one). Do \
		 not delete the directory: it holds this validator's signing record (its own votes), which \
		 keeps it from ever signing two checkpoints with one number"
	)]
	NewerVersion {
		/// Database directory.
		path: PathBuf,
		/// Version on disk.
		found: u32,
		/// Highest version this build knows.
		supported: u32,
	},
	/// The version file is unreadable.
	#[error(
		"the checkpoint database at {path} has an unreadable version file ({detail}): write the \
		 schema number (2 for this bourse-node) into {path}/VERSION, or restore the directory \
		 from a backup. Do not delete the directory: it holds this validator's signing record"
	)]
	BadVersionFile {
		/// Database directory.
		path: PathBuf,
		/// What was wrong.
		detail: String,
	},
	/// A stored value does not decode.
	#[error(
		"the checkpoint database at {path} holds a corrupt entry ({what}): restore the directory \
		 from a backup (`bourse-node checkpoint-db export` reads what is still readable). Do not \
		 delete it: it holds this validator's signing record"
	)]
	Corrupt {
		/// Database directory.
		path: PathBuf,
		/// Which entry.
		what: String,
	},
	/// No database where one was expected (operator tools do not create one).
	#[error(
		"no checkpoint database at {path}: check --chain and --base-path (the node creates it \
		 at <base-path>/chains/<chain-id>/checkpoints when it first starts)"
	)]
	Missing {
		/// Database directory.
		path: PathBuf,
	},
	/// An older schema that only the node upgrades (when it starts).
	#[error(
		"the checkpoint database at {path} has schema version {found}: start this bourse-node once \
		 (it upgrades the database in place, keeping every signature), then run the tool again"
	)]
	OlderVersion {
		/// Database directory.
		path: PathBuf,
		/// Version on disk.
		found: u32,
	},
	/// The database belongs to another chain with the same chain id.
	#[error(
		"the checkpoint database at {path} belongs to another chain (another genesis under the \
		 same chain id): if this node's chain was restarted from a new genesis, run `bourse-node \
		 purge-chain` with this chain's --chain and --base-path (it removes the old chain's \
		 data and this database together); otherwise check --chain and --base-path"
	)]
	OtherChain {
		/// Database directory.
		path: PathBuf,
	},
	/// A second, different own vote for one checkpoint was refused.
	#[error("refusing to store a second, different own vote for checkpoint {number}")]
	ConflictingOwnVote {
		/// The checkpoint number.
		number: u64,
	},
}
