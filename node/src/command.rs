//! Dispatches the command line to the node or a subcommand.
use crate::{
	chain_spec,
	cli::{CheckpointDbCmd, Cli, Subcommand},
	service,
};
use sc_cli::SubstrateCli;
use sc_service::PartialComponents;

impl SubstrateCli for Cli {
	fn impl_name() -> String {
		"Bourse Node".into()
	}

	fn impl_version() -> String {
		env!("SUBSTRATE_CLI_IMPL_VERSION").into()
	}

	fn description() -> String {
		env!("CARGO_PKG_DESCRIPTION").into()
	}

	fn author() -> String {
		env!("CARGO_PKG_AUTHORS").into()
	}

	fn support_url() -> String {
		"https://github.com/bourse-chain/bourse/issues".into()
	}

	fn copyright_start_year() -> i32 {
		2026
	}

	fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
		Ok(match id {
			"dev" => Box::new(chain_spec::development_chain_spec()?),
			"" | "local" => Box::new(chain_spec::local_chain_spec()?),
			path => {
				Box::new(chain_spec::ChainSpec::from_json_file(std::path::PathBuf::from(path))?)
			},
		})
	}
}

/// Parses the command line and runs it.
pub fn run() -> sc_cli::Result<()> {
	let mut cli = Cli::from_args();
	crate::database::default_to_auto(&mut cli);

	match &cli.subcommand {
		Some(Subcommand::Key(cmd)) => cmd.run(&cli),
		Some(Subcommand::BuildSpec(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
		},
		Some(Subcommand::ExportChainSpec(cmd)) => {
			let chain_spec = cli.load_spec(&cmd.chain)?;
			cmd.run(chain_spec)
		},
		Some(Subcommand::CheckBlock(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::ExportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.database), task_manager))
			})
		},
		Some(Subcommand::ExportState(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.chain_spec), task_manager))
			})
		},
		Some(Subcommand::ImportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::PurgeChain(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| {
				// The gadget's database belongs to the chain too: a new genesis under the same
				// chain id must not find the old chain's votes.
				let checkpoints = service::checkpoint_db_path(&config);
				let fills = crate::fill_indexer::fill_index_path(&config);
				let sources = crate::database::purged_sources(&config.database);
				for source in &sources {
					cmd.run(source.clone())?;
				}
				// The fill index is derived from the chain: it goes when the chain went.
				let chain_gone = sources.iter().all(|s| s.path().is_some_and(|p| !p.exists()));
				if chain_gone && fills.exists() {
					std::fs::remove_dir_all(&fills)?;
					println!("{:?} removed.", fills);
				}
				purge_checkpoints(&checkpoints, cmd.yes)
			})
		},
		Some(Subcommand::Revert(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, backend, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, backend, None), task_manager))
			})
		},
		Some(Subcommand::ChainInfo(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run::<bourse_runtime::opaque::Block>(&config))
		},
		Some(Subcommand::CheckpointDb(cmd)) => {
			let (args, export) = match cmd {
				CheckpointDbCmd::Inspect(args) => (args, false),
				CheckpointDbCmd::Export(args) => (args, true),
			};
			let runner = cli.create_runner(args)?;
			runner.sync_run(|config| {
				let path = service::checkpoint_db_path(&config);
				// Read-only (a RocksDB secondary instance): works while the node runs, and a
				// wrong path creates nothing.
				let scratch = std::env::temp_dir()
					.join(format!("bourse-checkpoint-db-{}", std::process::id()));
				let result = bourse_checkpoint_db::CheckpointDb::open_read_only(&path, &scratch)
					.and_then(
						|db| if export { export_certificates(&db) } else { inspect(&db, &path) },
					);
				let _ = std::fs::remove_dir_all(&scratch);
				let json = result.map_err(|e| sc_cli::Error::Application(Box::new(e)))?;
				println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
				Ok(())
			})
		},
		Some(Subcommand::ExportTradingState(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| {
				let chain = config.chain_spec.name().to_string();
				let PartialComponents { client, .. } = service::new_partial(&config)?;
				cmd.run(client, chain).map_err(sc_cli::Error::Input)
			})
		},
		Some(Subcommand::ImportTradingState(cmd)) => cmd.run().map_err(sc_cli::Error::Input),
		#[cfg(feature = "storage-benchmark")]
		Some(Subcommand::Benchmark(crate::cli::StorageBenchmarkCmd::Storage(cmd))) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| {
				let PartialComponents { client, backend, .. } = service::new_partial(&config)?;
				let db = backend.expose_db();
				let storage = backend.expose_storage();
				let shared_trie_cache = backend.expose_shared_trie_cache();
				cmd.run(config, client, db, storage, shared_trie_cache)
			})
		},
		None => {
			let runner = cli.create_runner(&cli.run)?;
			let checkpoint = cli.checkpoint.clone();
			let oracle = cli.oracle.clone();
			runner.run_node_until_exit(|config| async move {
				match config.network.network_backend {
					sc_network::config::NetworkBackendType::Libp2p => {
						service::new_full::<
							sc_network::NetworkWorker<
								bourse_runtime::opaque::Block,
								<bourse_runtime::opaque::Block as sp_runtime::traits::Block>::Hash,
							>,
						>(config, checkpoint, oracle)
						.map_err(sc_cli::Error::Service)
					},
					sc_network::config::NetworkBackendType::Litep2p => {
						service::new_full::<sc_network::Litep2pNetworkBackend>(
							config, checkpoint, oracle,
						)
						.map_err(sc_cli::Error::Service)
					},
				}
			})
		},
	}
}

/// Removes the checkpoint gadget's database of the purged chain, asking first unless `yes`.
fn purge_checkpoints(path: &std::path::Path, yes: bool) -> sc_cli::Result<()> {
	use std::io::Write;
	if !path.exists() {
		return Ok(());
	}
	if !yes {
		print!(
			"Also remove the checkpoint database {} (this validator's signing record for the \
			 purged chain)? [y/N]: ",
			path.display()
		);
		std::io::stdout().flush()?;
		let mut answer = String::new();
		std::io::stdin().read_line(&mut answer)?;
		if !matches!(answer.trim(), "y" | "Y") {
			println!("Aborted");
			return Ok(());
		}
	}
	std::fs::remove_dir_all(path)?;
	println!("{:?} removed.", path);
	Ok(())
}

fn inspect(
	db: &bourse_checkpoint_db::CheckpointDb,
	path: &std::path::Path,
) -> Result<serde_json::Value, bourse_checkpoint_db::Error> {
	let stats = db.stats()?;
	Ok(serde_json::json!({
		"path": path.display().to_string(),
		"lastFinalized": stats.last_finalized,
		"certificates": stats.certificates,
		"pendingSignatures": stats.pending_signatures,
		"ownVotes": stats.own_votes,
		"prunedBelow": stats.pruned_below,
	}))
}

fn export_certificates(
	db: &bourse_checkpoint_db::CheckpointDb,
) -> Result<serde_json::Value, bourse_checkpoint_db::Error> {
	let certificates: Vec<_> = db
		.certificates()?
		.iter()
		.map(bourse_finality_gadget::rpc::CertificateJson::from)
		.map(|c| serde_json::to_value(c).unwrap_or_default())
		.collect();
	Ok(serde_json::Value::Array(certificates))
}
