//! Which chain database a command opens when `--database` is not given.
//!
//! Every command defaults to `--database auto`: a base path that already holds a RocksDB chain
//! database (`<base>/chains/<id>/db`) keeps it, and a new one gets ParityDB
//! (`<base>/chains/<id>/paritydb`). ParityDB is what the runtime's weights are measured on
//! (README, "Database weights"); an existing node is never moved to an empty database, because
//! GRANDPA keeps its voter state in the chain database. An explicit `--database` wins.
use crate::cli::{Cli, Subcommand};
use sc_cli::{Database, DatabaseParams};
use sc_service::DatabaseSource;
use std::path::PathBuf;

/// Makes `auto` the database of every command that opens the chain and was not given one.
pub fn default_to_auto(cli: &mut Cli) {
	let params: Option<&mut DatabaseParams> = match &mut cli.subcommand {
		None => Some(&mut cli.run.import_params.database_params),
		Some(Subcommand::CheckBlock(cmd)) => Some(&mut cmd.import_params.database_params),
		Some(Subcommand::ImportBlocks(cmd)) => Some(&mut cmd.import_params.database_params),
		Some(Subcommand::ExportBlocks(cmd)) => Some(&mut cmd.database_params),
		Some(Subcommand::ExportState(cmd)) => Some(&mut cmd.database_params),
		Some(Subcommand::PurgeChain(cmd)) => Some(&mut cmd.database_params),
		Some(Subcommand::Revert(cmd)) => Some(&mut cmd.database_params),
		Some(Subcommand::ChainInfo(cmd)) => Some(&mut cmd.database_params),
		Some(Subcommand::ExportTradingState(cmd)) => Some(&mut cmd.database),
		#[cfg(feature = "storage-benchmark")]
		Some(Subcommand::Benchmark(crate::cli::StorageBenchmarkCmd::Storage(cmd))) => {
			Some(&mut cmd.database_params)
		},
		Some(
			Subcommand::Key(_)
			| Subcommand::BuildSpec(_)
			| Subcommand::ExportChainSpec(_)
			| Subcommand::CheckpointDb(_)
			| Subcommand::ImportTradingState(_),
		) => None,
	};
	if let Some(params) = params {
		params.database.get_or_insert(Database::Auto);
	}
}

/// The directories `purge-chain` removes for `source`: under `auto`, each database that exists
/// (a node may have been run with either), or ParityDB's when neither does.
pub fn purged_sources(source: &DatabaseSource) -> Vec<DatabaseSource> {
	let DatabaseSource::Auto { paritydb_path, rocksdb_path, cache_size } = source else {
		return vec![source.clone()];
	};
	let exists = |path: &PathBuf| path.parent().is_some_and(|dir| dir.exists());
	let parity = DatabaseSource::ParityDb { path: paritydb_path.clone() };
	let rocks = DatabaseSource::RocksDb { path: rocksdb_path.clone(), cache_size: *cache_size };
	match (exists(paritydb_path), exists(rocksdb_path)) {
		(_, false) => vec![parity],
		(false, true) => vec![rocks],
		(true, true) => vec![parity, rocks],
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use clap::Parser;

	fn database_of(args: &[&str]) -> Option<Database> {
		let mut cli = Cli::parse_from(args);
		default_to_auto(&mut cli);
		match &cli.subcommand {
			None => cli.run.import_params.database_params.database,
			Some(Subcommand::PurgeChain(cmd)) => cmd.database_params.database,
			Some(Subcommand::ExportBlocks(cmd)) => cmd.database_params.database,
			_ => unreachable!("not asked"),
		}
	}

	#[test]
	fn commands_default_to_auto_and_keep_an_explicit_choice() {
		assert!(matches!(database_of(&["bourse-node", "--dev"]), Some(Database::Auto)));
		assert!(matches!(database_of(&["bourse-node", "purge-chain"]), Some(Database::Auto)));
		assert!(matches!(database_of(&["bourse-node", "export-blocks"]), Some(Database::Auto)));
		assert!(matches!(
			database_of(&["bourse-node", "--database", "rocksdb"]),
			Some(Database::RocksDb)
		));
		assert!(matches!(
			database_of(&["bourse-node", "purge-chain", "--database", "paritydb"]),
			Some(Database::ParityDb)
		));
	}

	/// Removed when dropped, also when an assertion fails.
	struct TempDir(PathBuf);
	impl Drop for TempDir {
		fn drop(&mut self) {
			let _ = std::fs::remove_dir_all(&self.0);
		}
	}

	#[test]
	fn purge_under_auto_removes_whichever_database_exists() {
		let base = std::env::temp_dir().join(format!("bourse-database-{}", std::process::id()));
		let base = TempDir(base);
		let source = DatabaseSource::Auto {
			paritydb_path: base.0.join("paritydb/full"),
			rocksdb_path: base.0.join("db/full"),
			cache_size: 16,
		};
		let kinds = |sources: Vec<DatabaseSource>| {
			sources.iter().map(|s| matches!(s, DatabaseSource::ParityDb { .. })).collect::<Vec<_>>()
		};
		assert_eq!(kinds(purged_sources(&source)), [true]);
		std::fs::create_dir_all(base.0.join("db/full")).expect("mkdir");
		assert_eq!(kinds(purged_sources(&source)), [false]);
		std::fs::create_dir_all(base.0.join("paritydb/full")).expect("mkdir");
		assert_eq!(kinds(purged_sources(&source)), [true, false]);
	}
}
