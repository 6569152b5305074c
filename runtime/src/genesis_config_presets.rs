//! Genesis presets: `development` (Alice alone) and `local_testnet` (Alice..Dave).
use crate::*;
use alloc::{vec, vec::Vec};
use bourse_primitives::{
	checkpoint::CheckpointId,
	orderbook::{AssetKind, Market, MarketKind, MarketStatus},
	perp::PerpMarketParams,
};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_genesis_builder::PresetId;
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// Test tokens created at genesis: (id, symbol, decimals).
pub const TEST_ASSETS: [(AssetId, &str, u8); 2] = [(1, "USDB", 6), (2, "WBTC", 8)];

/// Each endowed account's balance of the native token and of each test asset.
const ENDOWMENT: Balance = 1 << 60;

fn testnet_genesis(
	authorities: Vec<(Sr25519Keyring, Ed25519Keyring)>,
	endowed: Vec<AccountId>,
	root: AccountId,
	checkpoint_interval: u32,
) -> Value {
	let aura: Vec<AuraId> = authorities.iter().map(|(sr, _)| sr.public().into()).collect();
	let checkpoint: Vec<CheckpointId> =
		authorities.iter().map(|(_, ed)| ed.public().into()).collect();
	let grandpa: Vec<(sp_consensus_grandpa::AuthorityId, u64)> =
		authorities.iter().map(|(_, ed)| (ed.public().into(), 1)).collect();
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: pallet_balances::GenesisConfig {
			balances: endowed
				.iter()
				.cloned()
				.map(|k| (k, ENDOWMENT))
				.chain([(configs::Vault::get(), EXISTENTIAL_DEPOSIT)])
				// Oracle operators (the checkpoint keys' accounts) exist, so their fee-free feeds
				// pass the nonce check.
				.chain(authorities.iter().map(|(_, ed)| (AccountId::from(ed.public()), UNIT)))
				.collect::<Vec<_>>(),
		},
		aura: pallet_aura::GenesisConfig { authorities: aura },
		grandpa: pallet_grandpa::GenesisConfig { authorities: grandpa },
		sudo: pallet_sudo::GenesisConfig { key: Some(root.clone()) },
		assets: pallet_assets::GenesisConfig {
			assets: TEST_ASSETS
				.iter()
				.map(|(id, _, _)| (*id, root.clone(), true, 1))
				.collect::<Vec<_>>(),
			metadata: TEST_ASSETS
				.iter()
				.map(|(id, sym, dec)| (*id, sym.as_bytes().to_vec(), sym.as_bytes().to_vec(), *dec))
				.collect::<Vec<_>>(),
			accounts: TEST_ASSETS
				.iter()
				.flat_map(|(id, _, _)| endowed.iter().map(move |a| (*id, a.clone(), ENDOWMENT)))
				.chain(TEST_ASSETS.iter().map(|(id, _, _)| (*id, configs::Vault::get(), 1)))
				.collect::<Vec<_>>(),
		},
		orderbook: pallet_orderbook::GenesisConfig {
			markets: vec![wbtc_usdb()],
			// Dev accounts start with half of each test token in the trading ledger.
			deposits: TEST_ASSETS
				.iter()
				.flat_map(|(id, _, _)| {
					endowed.iter().map(move |a| (a.clone(), AssetKind::Asset(*id), ENDOWMENT / 2))
				})
				.collect::<Vec<_>>(),
		},
		perp: pallet_perp::GenesisConfig { markets: vec![btc_perp()] },
		checkpoint: pallet_checkpoint::GenesisConfig {
			validators: checkpoint,
			interval: checkpoint_interval,
		},
	})
}

/// Market 0: WBTC (8 decimals) priced in USDB (6 decimals). Prices are µUSDB per 10^6 sats
/// (0.01 BTC): tick 10^4 is 1 USDB per BTC; lot 10^4 sats is 0.0001 BTC.
pub fn wbtc_usdb() -> Market {
	Market {
		base: AssetKind::Asset(2),
		quote: AssetKind::Asset(1),
		tick_size: 10_000,
		lot_size: 10_000,
		min_size: 10_000,
		maker_fee_ppm: 200,
		taker_fee_ppm: 500,
		status: MarketStatus::Active,
		kind: MarketKind::Spot,
	}
}

/// Market 1: a BTC perpetual margined in USDB, on the same price and size grid as market 0;
/// 10% initial / 5% maintenance margin (10x), 1% liquidation penalty, hourly funding capped
/// at 0.1%, index 60,000 USDB per BTC.
pub fn btc_perp() -> PerpMarketParams {
	PerpMarketParams {
		underlying: AssetKind::Asset(2),
		tick_size: 10_000,
		lot_size: 10_000,
		min_size: 10_000,
		maker_fee_ppm: 200,
		taker_fee_ppm: 500,
		initial_margin_ppm: 100_000,
		maintenance_margin_ppm: 50_000,
		max_leverage: 10,
		liquidation_fee_ppm: 10_000,
		funding_interval: 1_800,
		max_funding_rate_ppm: 1_000,
		index_price: 600_000_000,
	}
}

fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect()
}

/// Alice alone authors, finalizes (GRANDPA) and signs checkpoints.
pub fn development_config_genesis() -> Value {
	testnet_genesis(
		vec![(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		dev_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
		5,
	)
}

/// Alice, Bob, Charlie and Dave author, finalize (GRANDPA, 3 of 4) and sign checkpoints
/// (quorum 3 of 4).
pub fn local_config_genesis() -> Value {
	testnet_genesis(
		vec![
			(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
			(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
			(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
		],
		dev_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
		5,
	)
}

/// The JSON patch of preset `id`.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		_ => return None,
	};
	Some(serde_json::to_string(&patch).expect("a JSON value serializes").into_bytes())
}

/// Applies a preset (a JSON patch) onto a full configuration, as the chain-spec builder does.
pub fn merge_patch(base: &mut Value, patch: Value) {
	match (base, patch) {
		(Value::Object(base), Value::Object(patch)) => {
			for (key, value) in patch {
				merge_patch(base.entry(key).or_insert(Value::Null), value);
			}
		},
		(base, patch) => *base = patch,
	}
}

/// The development preset as a whole genesis configuration (for native tests and tools).
#[cfg(feature = "std")]
pub fn development_config() -> RuntimeGenesisConfig {
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default())
		.expect("the default genesis config serializes");
	merge_patch(&mut config, development_config_genesis());
	serde_json::from_value(config).expect("the development preset is a genesis config")
}

/// Names of the presets.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
