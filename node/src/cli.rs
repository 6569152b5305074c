//! Command-line interface of bourse-node.

/// bourse-node: a Substrate solochain for on-chain trading.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	/// A subcommand; without one the node runs.
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	/// Options of a running node.
	#[clap(flatten)]
	pub run: sc_cli::RunCmd,

	/// Checkpoint finality options.
	#[clap(flatten)]
	pub checkpoint: CheckpointParams,

	/// Oracle feeder options (validators).
	#[clap(flatten)]
	pub oracle: OracleParams,
}

/// Options of a validator's oracle feeder.
#[derive(Debug, Clone, clap::Args)]
pub struct OracleParams {
	/// Feed perp index prices from this source: an `http://host:port/path` URL or a file
	/// (`file:` prefix optional), holding a JSON object from perp market id to price in the
	/// chain's units, e.g. `{"1": "600000000"}`. Needs the checkpoint key (`ckpt`) of a current
	/// validator in the keystore (e.g. `--alice`); observations are signed with it, from that
	/// key's own account.
	#[arg(long = "oracle-feed", value_name = "SOURCE")]
	pub feed: Option<crate::oracle_source::PriceSource>,

	/// New best blocks between two observations.
	#[arg(long = "oracle-feed-every", value_name = "BLOCKS", default_value_t = 1)]
	pub every_blocks: u32,
}

/// Options of the checkpoint finality gadget.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckpointParams {
	/// Certificates kept in the checkpoint database; older ones are pruned.
	#[arg(long = "checkpoint-retention", default_value_t = 1000)]
	pub retention: u64,

	/// Seconds between prunes of the checkpoint database.
	#[arg(long = "checkpoint-prune-interval", default_value_t = 60)]
	pub prune_interval: u64,
}

/// `bourse-node checkpoint-db ...`: operator tools for the gadget's database.
#[derive(Debug, clap::Subcommand)]
pub enum CheckpointDbCmd {
	/// Print counts and the last finalized checkpoint as JSON.
	Inspect(CheckpointDbArgs),
	/// Print every retained certificate as JSON.
	Export(CheckpointDbArgs),
}

/// Which node's checkpoint database.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckpointDbArgs {
	#[allow(missing_docs)]
	#[clap(flatten)]
	pub shared: sc_cli::SharedParams,
}

impl sc_cli::CliConfiguration for CheckpointDbArgs {
	fn shared_params(&self) -> &sc_cli::SharedParams {
		&self.shared
	}
}

/// Subcommands of bourse-node.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management utilities.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification.
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export the chain specification.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Database meta-column information.
	ChainInfo(sc_cli::ChainInfoCmd),

	/// Inspect or export the checkpoint finality database.
	#[command(subcommand)]
	CheckpointDb(CheckpointDbCmd),

	/// Write the trading state (balances, order book, perps) at a block as JSON.
	ExportTradingState(crate::trading_state::ExportTradingStateCmd),

	/// Write a chain spec whose genesis starts from an exported trading state.
	ImportTradingState(crate::trading_state::ImportTradingStateCmd),

	/// Measure this node's database: `benchmark storage` writes the read and write weights
	/// of the chain's own database (`runtime/src/db_weights.rs`). Needs the node built with
	/// `--features storage-benchmark`.
	#[cfg(feature = "storage-benchmark")]
	#[command(subcommand)]
	Benchmark(StorageBenchmarkCmd),
}

/// `bourse-node benchmark ...`.
#[cfg(feature = "storage-benchmark")]
#[derive(Debug, clap::Subcommand)]
pub enum StorageBenchmarkCmd {
	/// Read and write weights of the node's database, measured on a chain's state.
	Storage(frame_benchmarking_cli::StorageCmd),
}
