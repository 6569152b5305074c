//! Schema versions and step-by-step upgrades (the shape of polkadot's `parachains_db`).
//!
//! * Version 1: columns meta, signatures, certificates. Own votes were kept among the
//!   signatures, each value tagged `(SignedCheckpoint, own: bool)`.
//! * Version 2: own votes get their own column, so a restart finds them without scanning
//!   peers' signatures; signature values are plain `SignedCheckpoint`.
//!
//! The version lives in a `VERSION` text file next to the RocksDB files.
use crate::{keys, Error, SignedCheckpoint};
use codec::{DecodeAll, Encode};
use kvdb::DBTransaction;
use kvdb_rocksdb::{Database, DatabaseConfig};
use std::{fs, path::Path};

/// Schema version this build writes.
pub const CURRENT_VERSION: u32 = 2;
/// Columns of the current version.
pub const COLUMNS: u32 = 4;
/// Columns of version 1.
const COLUMNS_V1: u32 = 3;

const VERSION_FILE: &str = "VERSION";

fn version_path(path: &Path) -> std::path::PathBuf {
	path.join(VERSION_FILE)
}

/// The version on disk; `None` for a directory without a database yet.
pub fn read_version(path: &Path) -> Result<Option<u32>, Error> {
	match fs::read_to_string(version_path(path)) {
		Ok(text) => text.trim().parse().map(Some).map_err(|e| Error::BadVersionFile {
			path: path.to_path_buf(),
			detail: format!("{text:?} is not a version number: {e}"),
		}),
		Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
			// RocksDB files without a version file: not ours, or damaged.
			if path.join("CURRENT").exists() {
				Err(Error::BadVersionFile {
					path: path.to_path_buf(),
					detail: "VERSION is missing".into(),
				})
			} else {
				Ok(None)
			}
		},
		Err(e) => Err(Error::BadVersionFile { path: path.to_path_buf(), detail: e.to_string() }),
	}
}

/// Writes the version file (after the data it describes is written).
pub fn write_version(path: &Path, version: u32) -> Result<(), Error> {
	let io = |source| Error::Io { path: path.to_path_buf(), source };
	let tmp = path.join("VERSION.tmp");
	fs::write(&tmp, format!("{version}\n")).map_err(io)?;
	fs::rename(&tmp, version_path(path)).map_err(io)
}

fn open_with(path: &Path, columns: u32) -> Result<Database, Error> {
	Database::open(&DatabaseConfig::with_columns(columns), path)
		.map_err(|source| Error::Open { path: path.to_path_buf(), source })
}

/// Opens the database at `path`: creates it, or upgrades an older schema step by step.
pub fn open_rocksdb(path: &Path) -> Result<Database, Error> {
	fs::create_dir_all(path).map_err(|source| Error::Open { path: path.to_path_buf(), source })?;
	let version = match read_version(path)? {
		None => {
			let db = open_with(path, COLUMNS)?;
			write_version(path, CURRENT_VERSION)?;
			return Ok(db);
		},
		Some(v) if v > CURRENT_VERSION => {
			return Err(Error::NewerVersion {
				path: path.to_path_buf(),
				found: v,
				supported: CURRENT_VERSION,
			})
		},
		Some(0) => {
			return Err(Error::BadVersionFile {
				path: path.to_path_buf(),
				detail: "version 0 never existed".into(),
			})
		},
		Some(v) => v,
	};
	if version == 1 {
		log::info!(target: "checkpoint", "upgrading checkpoint database at {} from schema 1 to 2", path.display());
		// A crash may have stopped an earlier upgrade after it added the own-votes column (or
		// even after it rewrote the signatures) but before VERSION said 2: open with the
		// column count on disk and run the (idempotent) upgrade again.
		let mut db = open_with(path, COLUMNS_V1).or_else(|_| open_with(path, COLUMNS))?;
		upgrade_1_to_2(&mut db, path)?;
		write_version(path, 2)?;
		drop(db);
	}
	open_with(path, COLUMNS)
}

/// Opens the database at `path` read-only, as a RocksDB secondary instance (`scratch` holds the
/// instance's own small files): it works while a node has the database open, creates nothing,
/// and never upgrades. A missing database or another schema version is an error naming the
/// path and the fix.
pub fn open_rocksdb_read_only(path: &Path, scratch: &Path) -> Result<Database, Error> {
	match read_version(path)? {
		None => return Err(Error::Missing { path: path.to_path_buf() }),
		Some(v) if v > CURRENT_VERSION => {
			return Err(Error::NewerVersion {
				path: path.to_path_buf(),
				found: v,
				supported: CURRENT_VERSION,
			})
		},
		Some(v) if v < CURRENT_VERSION => {
			return Err(Error::OlderVersion { path: path.to_path_buf(), found: v })
		},
		Some(_) => {},
	}
	let mut config = DatabaseConfig::with_columns(COLUMNS);
	config.secondary = Some(scratch.to_path_buf());
	config.create_if_missing = false;
	let db = Database::open(&config, path)
		.map_err(|source| Error::Open { path: path.to_path_buf(), source })?;
	db.try_catch_up_with_primary()
		.map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
	Ok(db)
}

/// Version 1 -> 2: add the own-votes column and move tagged own votes into it.
fn upgrade_1_to_2(db: &mut Database, path: &Path) -> Result<(), Error> {
	let io = |source| Error::Io { path: path.to_path_buf(), source };
	if db.num_columns() < COLUMNS {
		db.add_column().map_err(io)?;
	}
	let mut tx = DBTransaction::new();
	for entry in db.iter(keys::COL_SIGNATURES) {
		let (key, value) = entry.map_err(io)?;
		// Already in the schema-2 layout: an interrupted upgrade rewrote it.
		if SignedCheckpoint::decode_all(&mut &value[..]).is_ok() {
			continue;
		}
		let (signed, own) =
			<(SignedCheckpoint, bool)>::decode_all(&mut &value[..]).map_err(|e| {
				Error::Corrupt {
					path: path.to_path_buf(),
					what: format!("schema-1 signature {key:?}: {e}"),
				}
			})?;
		if own {
			tx.delete(keys::COL_SIGNATURES, &key);
			tx.put_vec(
				keys::COL_OWN_VOTES,
				&keys::number_key(keys::OWN_VOTE, signed.checkpoint.number),
				signed.encode(),
			);
		} else {
			tx.put_vec(keys::COL_SIGNATURES, &key, signed.encode());
		}
	}
	db.write(tx).map_err(io)
}

/// Runs the 1 -> 2 upgrade of the schema-1 database at `path` only as far as `step` (1: the
/// column added; 2: the signatures rewritten too) and stops there, VERSION still 1: what a
/// crash in the middle leaves (for upgrade tests).
#[cfg(test)]
pub fn interrupted_upgrade(path: &Path, step: u32) -> Result<(), Error> {
	let io = |source| Error::Io { path: path.to_path_buf(), source };
	let mut db = open_with(path, COLUMNS_V1)?;
	db.add_column().map_err(io)?;
	if step >= 2 {
		upgrade_1_to_2(&mut db, path)?;
	}
	Ok(())
}

/// Creates a schema-1 database (for upgrade tests).
#[cfg(test)]
pub fn create_v1(path: &Path, signatures: &[(SignedCheckpoint, bool)]) -> Result<(), Error> {
	let db = open_with(path, COLUMNS_V1)?;
	let mut tx = DBTransaction::new();
	for (signed, own) in signatures {
		tx.put_vec(
			keys::COL_SIGNATURES,
			&keys::signature_key(signed.checkpoint.number, signed.index),
			(signed, own).encode(),
		);
	}
	db.write(tx).map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
	write_version(path, 1)
}
