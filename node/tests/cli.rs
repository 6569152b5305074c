//! The node's command line: chain specs build from the runtime presets.
use std::process::Command;

fn build_spec(args: &[&str]) -> serde_json::Value {
	let out = Command::new(env!("CARGO_BIN_EXE_bourse-node"))
		.args(["build-spec", "--disable-default-bootnode"])
		.args(args)
		.output()
		.expect("bourse-node runs");
	assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
	serde_json::from_slice(&out.stdout).expect("a JSON chain spec")
}

#[test]
fn build_spec_of_dev_and_local_chains() {
	for (chain, id) in [("dev", "bourse_dev"), ("local", "bourse_local")] {
		let spec = build_spec(&["--chain", chain]);
		assert_eq!(spec["id"], serde_json::json!(id));
		assert_eq!(spec["properties"]["tokenSymbol"], serde_json::json!("BRS"));
	}
}

#[test]
fn raw_dev_spec_carries_the_runtime_code() {
	let spec = build_spec(&["--chain", "dev", "--raw"]);
	// `:code` (hex 0x3a636f6465) holds the runtime's wasm in genesis.
	let code = &spec["genesis"]["raw"]["top"]["0x3a636f6465"];
	assert!(code.as_str().is_some_and(|c| c.len() > 100_000), "runtime code in genesis");
}
