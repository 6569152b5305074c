//! Errors of the fill index: each names the path and the fix.
use std::path::PathBuf;

/// What can go wrong opening or using the index.
#[derive(Debug, thiserror::Error)]
pub enum Error {
	/// RocksDB could not open the database.
	#[error("cannot open the fill index at {path}: {source}")]
	Open {
		/// Database directory.
		path: PathBuf,
		/// The cause.
		source: std::io::Error,
	},
	/// A read or write failed.
	#[error("fill index at {path}: {source}")]
	Io {
		/// Database directory.
		path: PathBuf,
		/// The cause.
		source: std::io::Error,
	},
	/// The version file is unreadable or names a schema this build does not know.
	#[error(
		"the fill index at {path} has schema {detail}: delete the directory {path} and restart; \
		 the index is rebuilt from the chain (it holds no data of its own)"
	)]
	Version {
		/// Database directory.
		path: PathBuf,
		/// What was found.
		detail: String,
	},
	/// The index belongs to another chain (a new genesis under the same chain id).
	#[error(
		"the fill index at {path} was built for another genesis: run `bourse-node purge-chain` \
		 for this chain, or delete {path}; the index is rebuilt from the chain"
	)]
	OtherChain {
		/// Database directory.
		path: PathBuf,
	},
	/// A stored value does not decode.
	#[error(
		"the fill index at {path} holds a corrupt entry ({what}): delete the directory and \
		 restart; the index is rebuilt from the chain"
	)]
	Corrupt {
		/// Database directory.
		path: PathBuf,
		/// Which entry.
		what: String,
	},
}
