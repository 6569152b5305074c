//! `bourse-node export-trading-state` and `bourse-node import-trading-state`: the trading
//! state of a chain as a readable JSON file, and a chain spec whose genesis starts from it.
//!
//! Export reads storage at a block by running the pallets' own export code natively over that
//! block's state (the same code the runtime compiles to wasm), so the file is exactly what the
//! pallets' genesis configs accept on import.
use std::{io::Write, path::PathBuf, sync::Arc};

use bourse_primitives::{
	orderbook::AssetKind,
	trading_state::{
		digest, AccountAmount, AssetState, BalancesState, CheckpointState, OrderbookState,
		PerpState, Source, FORMAT_VERSION,
	},
};
use bourse_runtime::{AccountId, Runtime};

/// The exported file, with this runtime's accounts.
pub type TradingStateFile = bourse_primitives::trading_state::TradingStateFile<AccountId>;
use serde_json::Value;
use sp_blockchain::HeaderBackend;
use sp_core::H256;
use sp_runtime::traits::Block as BlockT;

/// Reads everything from the state in the current externalities (native runtime code).
fn read_state() -> (
	BalancesState<AccountId>,
	OrderbookState<AccountId>,
	PerpState<AccountId>,
	H256,
	Vec<CheckpointState>,
) {
	let mut native: Vec<AccountAmount<AccountId>> = frame_system::Account::<Runtime>::iter()
		.map(|(account, info)| AccountAmount {
			account,
			amount: info.data.free.saturating_add(info.data.reserved),
		})
		.filter(|a| a.amount > 0)
		.collect();
	native.sort_by(|a, b| a.account.cmp(&b.account));
	let mut assets: Vec<AssetState<AccountId>> = pallet_assets::Asset::<Runtime>::iter()
		.map(|(id, details)| {
			let metadata = pallet_assets::Metadata::<Runtime>::get(id);
			let mut accounts: Vec<_> = pallet_assets::Account::<Runtime>::iter_key_prefix(id)
				.map(|account| AccountAmount {
					amount: pallet_orderbook::settlement::total_balance::<Runtime>(
						AssetKind::Asset(id),
						&account,
					),
					account,
				})
				.collect();
			accounts.sort_by(|a, b| a.account.cmp(&b.account));
			AssetState {
				id,
				owner: details.owner,
				is_sufficient: details.is_sufficient,
				min_balance: details.min_balance,
				name: String::from_utf8_lossy(&metadata.name).into_owned(),
				symbol: String::from_utf8_lossy(&metadata.symbol).into_owned(),
				decimals: metadata.decimals,
				accounts,
			}
		})
		.collect();
	assets.sort_by_key(|a| a.id);
	let mut checkpoints: Vec<CheckpointState> =
		pallet_checkpoint::Records::<Runtime>::iter_values()
			.map(|r| CheckpointState {
				number: r.number,
				block_number: r.block_number,
				state_digest: r.state_digest,
				open_orders: r.open_orders,
				open_positions: r.open_positions,
				set_id: r.set_id,
			})
			.collect();
	checkpoints.sort_by_key(|c| c.number);
	(
		BalancesState { native, assets },
		bourse_runtime::Orderbook::export_state(),
		bourse_runtime::Perp::export_state(),
		pallet_checkpoint::StateDigest::<Runtime>::get(),
		checkpoints,
	)
}

/// `export-trading-state`: the trading state at a block, as JSON.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportTradingStateCmd {
	/// Block hash (0x...) or number to read at; the best block when absent.
	#[arg(long)]
	pub at: Option<String>,

	/// File to write; standard output when absent.
	#[arg(long, short)]
	pub output: Option<PathBuf>,

	#[allow(missing_docs)]
	#[clap(flatten)]
	pub shared: sc_cli::SharedParams,

	#[allow(missing_docs)]
	#[clap(flatten)]
	pub database: sc_cli::DatabaseParams,
}

impl sc_cli::CliConfiguration for ExportTradingStateCmd {
	fn shared_params(&self) -> &sc_cli::SharedParams {
		&self.shared
	}
	fn database_params(&self) -> Option<&sc_cli::DatabaseParams> {
		Some(&self.database)
	}
}

type Block = bourse_runtime::opaque::Block;

impl ExportTradingStateCmd {
	/// Reads the state at the chosen block of `client` and writes the file.
	pub fn run(&self, client: Arc<crate::client::FullClient>, chain: String) -> Result<(), String> {
		use sp_api::{Core, ProvideRuntimeApi};
		let hash = self.block_hash(&client)?;
		let number = client
			.number(hash)
			.map_err(|e| e.to_string())?
			.ok_or_else(|| format!("block {hash:?} is not in the database"))?;
		let spec_version = client
			.runtime_api()
			.version(hash)
			.map_err(|e| format!("runtime version at {hash:?}: {e}"))?
			.spec_version;
		if spec_version != bourse_runtime::VERSION.spec_version {
			return Err(format!(
				"block #{number} runs runtime spec {spec_version}, this bourse-node reads spec {}: \
				 export with the bourse-node release of that runtime",
				bourse_runtime::VERSION.spec_version
			));
		}
		let state = client.state_at(hash).map_err(|e| format!("state at {hash:?}: {e}"))?;
		let started = std::time::Instant::now();
		let mut overlay = sp_state_machine::OverlayedChanges::default();
		let mut ext = sp_state_machine::Ext::new(&mut overlay, &state, None);
		let (balances, orderbook, perp, state_digest, checkpoints) =
			sp_externalities::set_and_run_with_externalities(&mut ext, read_state);
		let file = TradingStateFile {
			version: FORMAT_VERSION,
			source: Source {
				chain,
				block_number: number,
				block_hash: hash,
				spec_version,
				state_digest,
				checkpoints,
			},
			digest: digest(&balances, &orderbook, &perp),
			balances,
			orderbook,
			perp,
		};
		let json = serde_json::to_vec_pretty(&file).map_err(|e| e.to_string())?;
		match &self.output {
			Some(path) => std::fs::write(path, &json)
				.map_err(|e| format!("cannot write {}: {e}", path.display()))?,
			None => std::io::stdout().write_all(&json).map_err(|e| e.to_string())?,
		}
		log::info!(
			target: "trading-state",
			"Exported block #{number}: {} market(s), {} order(s), {} perp account(s), {} bytes in {:?}",
			file.orderbook.markets.len(),
			file.orderbook.orders.len(),
			file.perp.accounts.len(),
			json.len(),
			started.elapsed(),
		);
		Ok(())
	}

	fn block_hash(
		&self,
		client: &crate::client::FullClient,
	) -> Result<<Block as BlockT>::Hash, String> {
		let Some(at) = &self.at else { return Ok(client.info().best_hash) };
		if let Some(hex) = at.strip_prefix("0x") {
			let bytes = sp_core::bytes::from_hex(hex).map_err(|e| format!("--at {at}: {e}"))?;
			if bytes.len() != 32 {
				return Err(format!("--at {at}: a block hash has 32 bytes"));
			}
			return Ok(<Block as BlockT>::Hash::from_slice(&bytes));
		}
		let number: u32 =
			at.parse().map_err(|_| format!("--at {at}: not a block number or 0x hash"))?;
		client
			.hash(number)
			.map_err(|e| e.to_string())?
			.ok_or_else(|| format!("--at {at}: no block #{number} in the database"))
	}
}

/// `import-trading-state`: a chain spec whose genesis holds an exported trading state.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportTradingStateCmd {
	/// The file `export-trading-state` wrote.
	#[arg(long)]
	pub input: PathBuf,

	/// Genesis preset the new chain starts from (validators, sudo, ...): `dev` or `local`.
	#[arg(long, default_value = "dev")]
	pub chain: String,

	/// File to write the chain spec to; standard output when absent.
	#[arg(long, short)]
	pub output: Option<PathBuf>,
}

impl ImportTradingStateCmd {
	/// Reads, checks and merges the file into the preset and writes the chain spec. The spec's
	/// genesis is built once before writing, so a bad file is refused with the genesis error
	/// (which names the offending entry) and nothing is written.
	pub fn run(&self) -> Result<(), String> {
		let text = std::fs::read(&self.input)
			.map_err(|e| format!("cannot read {}: {e}", self.input.display()))?;
		let file: TradingStateFile = serde_json::from_slice(&text)
			.map_err(|e| format!("{} is not a trading-state file: {e}", self.input.display()))?;
		if file.version != FORMAT_VERSION {
			return Err(format!(
				"{} has format version {}, this bourse-node reads version {FORMAT_VERSION}",
				self.input.display(),
				file.version
			));
		}
		let computed = digest(&file.balances, &file.orderbook, &file.perp);
		if computed != file.digest {
			return Err(format!(
				"{}: digest {:?} does not match its content ({computed:?}): the file was altered",
				self.input.display(),
				file.digest
			));
		}
		let spec = crate::chain_spec::with_trading_state(&self.chain, |patch| {
			merge(patch, &file)?;
			check_genesis(patch)
				.map_err(|e| format!("{} is not a valid state: {e}", self.input.display()))
		})?;
		let started = std::time::Instant::now();
		sp_runtime::BuildStorage::build_storage(&spec)
			.map_err(|e| format!("{} does not make a valid genesis: {e}", self.input.display()))?;
		log::info!(target: "trading-state", "Genesis from {} built in {:?}", self.input.display(), started.elapsed());
		let json = spec.as_json(false)?;
		match &self.output {
			Some(path) => std::fs::write(path, json)
				.map_err(|e| format!("cannot write {}: {e}", path.display())),
			None => std::io::stdout().write_all(json.as_bytes()).map_err(|e| e.to_string()),
		}
	}
}

/// Puts the file's state into a genesis preset patch: its balances replace the preset's for the
/// same accounts and assets; its order book and perps replace the preset's markets.
pub fn merge(patch: &mut Value, file: &TradingStateFile) -> Result<(), String> {
	let imported: Vec<Value> =
		file.balances.native.iter().map(|a| serde_json::json!([a.account, a.amount])).collect();
	let balances = &mut patch["balances"]["balances"];
	let keep: Vec<Value> = balances
		.as_array()
		.cloned()
		.unwrap_or_default()
		.into_iter()
		.filter(|entry| !imported.iter().any(|i| i[0] == entry[0]))
		.collect();
	*balances = Value::Array(keep.into_iter().chain(imported).collect());

	let ids: Vec<Value> = file.balances.assets.iter().map(|a| Value::from(a.id)).collect();
	let assets = &mut patch["assets"];
	for (key, id_index) in [("assets", 0), ("metadata", 0), ("accounts", 0)] {
		let kept: Vec<Value> = assets[key]
			.as_array()
			.cloned()
			.unwrap_or_default()
			.into_iter()
			.filter(|entry| !ids.contains(&entry[id_index]))
			.collect();
		assets[key] = Value::Array(kept);
	}
	for a in &file.balances.assets {
		push(
			&mut assets["assets"],
			serde_json::json!([a.id, a.owner, a.is_sufficient, a.min_balance]),
		);
		push(
			&mut assets["metadata"],
			serde_json::json!([a.id, a.name.as_bytes(), a.symbol.as_bytes(), a.decimals]),
		);
		for holder in &a.accounts {
			push(&mut assets["accounts"], serde_json::json!([a.id, holder.account, holder.amount]));
		}
	}
	patch["orderbook"] = serde_json::json!({ "markets": [], "state": file.orderbook });
	patch["perp"] = serde_json::json!({ "markets": [], "state": file.perp });
	Ok(())
}

/// Builds the genesis of `patch` natively, so that a bad entry is reported with the pallets'
/// message (the wasm build that follows reports only a trap).
fn check_genesis(patch: &Value) -> Result<(), String> {
	use sp_runtime::BuildStorage;
	let mut config = serde_json::to_value(bourse_runtime::RuntimeGenesisConfig::default())
		.map_err(|e| e.to_string())?;
	merge_json(&mut config, patch.clone());
	let config: bourse_runtime::RuntimeGenesisConfig =
		serde_json::from_value(config).map_err(|e| format!("genesis config: {e}"))?;
	// The pallets refuse bad entries by panicking in their genesis build; keep the message
	// and not the panic report.
	let hook = std::panic::take_hook();
	std::panic::set_hook(Box::new(|_| {}));
	let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| config.build_storage()));
	std::panic::set_hook(hook);
	match result {
		Ok(built) => built.map(|_| ()),
		Err(panic) => Err(panic
			.downcast_ref::<String>()
			.cloned()
			.or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
			.unwrap_or_else(|| "genesis build panicked".into())),
	}
}

/// JSON merge as chain specs apply genesis patches: objects key by key, anything else replaced.
fn merge_json(base: &mut Value, patch: Value) {
	match (base, patch) {
		(Value::Object(base), Value::Object(patch)) => {
			for (key, value) in patch {
				merge_json(base.entry(key).or_insert(Value::Null), value);
			}
		},
		(base, patch) => *base = patch,
	}
}

fn push(list: &mut Value, entry: Value) {
	if !list.is_array() {
		*list = Value::Array(Vec::new());
	}
	if let Value::Array(items) = list {
		items.push(entry);
	}
}
