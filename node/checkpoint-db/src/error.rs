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
		 this bourse-node supports: run a newer bourse-node, or move the directory away to start \
		 over (certificates are fetched again from peers and block justifications)"
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
		"the checkpoint database at {path} has an unreadable version file ({detail}): restore it \
		 from a backup or move the directory away to start over"
	)]
	BadVersionFile {
		/// Database directory.
		path: PathBuf,
		/// What was wrong.
		detail: String,
	},
	/// A stored value does not decode.
	#[error("the checkpoint database at {path} holds a corrupt entry ({what}): move it away to start over")]
	Corrupt {
		/// Database directory.
		path: PathBuf,
		/// Which entry.
		what: String,
	},
	/// A second, different own vote for one checkpoint was refused.
	#[error("refusing to store a second, different own vote for checkpoint {number}")]
	ConflictingOwnVote {
		/// The checkpoint number.
		number: u64,
	},
}
