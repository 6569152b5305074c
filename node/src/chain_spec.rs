//! Chain specifications built from the runtime's genesis presets.
use bourse_runtime::WASM_BINARY;
use sc_service::{ChainType, Properties};

/// The chain specification of Bourse (no extensions).
pub type ChainSpec = sc_service::GenericChainSpec;

fn wasm() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| {
		"the runtime's wasm was not built; build without SKIP_WASM_BUILD (see scripts/setup.sh)"
			.to_string()
	})
}

fn properties() -> Properties {
	let mut properties = Properties::new();
	properties.insert("tokenSymbol".into(), "BRS".into());
	properties.insert("tokenDecimals".into(), 12.into());
	properties.insert("ss58Format".into(), 42.into());
	properties
}

/// `--dev`: Alice alone produces blocks and signs checkpoints.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("Bourse Development")
		.with_id("bourse_dev")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// The `dev` or `local` chain spec with its genesis preset patched by `edit` (used to start a
/// chain from an exported trading state).
pub fn with_trading_state(
	chain: &str,
	edit: impl FnOnce(&mut serde_json::Value) -> Result<(), String>,
) -> Result<ChainSpec, String> {
	let (base, preset) = match chain {
		"dev" => (development_chain_spec()?, sp_genesis_builder::DEV_RUNTIME_PRESET),
		"local" => (local_chain_spec()?, sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
		other => return Err(format!("--chain {other}: use `dev` or `local`")),
	};
	let bytes = bourse_runtime::genesis_config_presets::get_preset(&preset.into())
		.ok_or_else(|| format!("the runtime has no preset {preset}"))?;
	let mut patch: serde_json::Value =
		serde_json::from_slice(&bytes).map_err(|e| format!("preset {preset}: {e}"))?;
	edit(&mut patch)?;
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name(&format!("{} (imported trading state)", sc_service::ChainSpec::name(&base)))
		.with_id(sc_service::ChainSpec::id(&base))
		.with_chain_type(sc_service::ChainSpec::chain_type(&base))
		.with_genesis_config_patch(patch)
		.with_properties(properties())
		.build())
}

/// `--chain local`: Alice, Bob, Charlie and Dave produce blocks and sign checkpoints.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("Bourse Local Testnet")
		.with_id("bourse_local")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_preset_name(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}
