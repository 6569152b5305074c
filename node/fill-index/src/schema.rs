//! Schema version of the fill index, in a `VERSION` file next to the RocksDB files (the shape
//! of checkpoint-db). Version 1 is the first; later versions upgrade step by step.
use crate::{Error, COLUMNS};
use kvdb_rocksdb::{Database, DatabaseConfig};
use std::{fs, path::Path};

/// Schema version this build writes.
pub const CURRENT_VERSION: u32 = 1;

/// Opens the index at `path`: creates it, or refuses a version this build does not know.
pub fn open_rocksdb(path: &Path) -> Result<Database, Error> {
	let open_err = |source| Error::Open { path: path.to_path_buf(), source };
	fs::create_dir_all(path).map_err(open_err)?;
	let version_path = path.join("VERSION");
	let fresh = !path.join("CURRENT").exists();
	if !fresh {
		let text = fs::read_to_string(&version_path).unwrap_or_default();
		match text.trim().parse::<u32>() {
			Ok(CURRENT_VERSION) => {},
			_ => {
				return Err(Error::Version {
					path: path.to_path_buf(),
					detail: format!("{:?} (this build knows {CURRENT_VERSION})", text.trim()),
				})
			},
		}
	}
	let db = Database::open(&DatabaseConfig::with_columns(COLUMNS), path).map_err(open_err)?;
	if fresh {
		let tmp = path.join("VERSION.tmp");
		let io = |source| Error::Io { path: path.to_path_buf(), source };
		fs::write(&tmp, format!("{CURRENT_VERSION}\n")).map_err(io)?;
		fs::rename(&tmp, &version_path).map_err(io)?;
	}
	Ok(db)
}
