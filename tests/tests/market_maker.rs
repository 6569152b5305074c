//! The example market-maker bot (`examples/market-maker`, @polkadot/api) against a dev node for
//! a minute: Alice deposits, quotes both sides of spot market 0 around the oracle price and
//! refreshes her quotes with `orderbook.batch`, Bob (the same script as a taker) trades across
//! them, Alice follows her fills over the `orderbook_subscribeFills` subscription, cancels,
//! withdraws, and her trading ledger must have changed by exactly what her fills say.
use std::{
	path::PathBuf,
	process::{Command, Stdio},
	time::Duration,
};

use bourse_tests::Node;
use serde_json::Value;

fn bot(port: u16, mode: &str, seconds: u32) -> Command {
	let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/market-maker");
	assert!(
		dir.join("node_modules/@polkadot/api").exists(),
		"the bot's dependencies are missing: run ./scripts/setup.sh (npm ci in {})",
		dir.display()
	);
	let mut command = Command::new("node");
	command
		.current_dir(&dir)
		.args(["bot.mjs", "--url", &format!("ws://127.0.0.1:{port}")])
		.args(["--mode", mode, "--seconds", &seconds.to_string()])
		.stdin(Stdio::null());
	command
}

#[test]
fn the_example_bot_quotes_follows_its_fills_and_reconciles() {
	let _serial = bourse_tests::serial();
	let mut node = Node::start(&["--dev", "--tmp"]);
	node.wait_for_block(1, Duration::from_secs(120));
	let mut taker = bot(node.rpc_port, "taker", 60)
		.stdout(Stdio::null())
		.stderr(Stdio::null())
		.spawn()
		.expect("node (JavaScript) runs the taker");
	let maker = bot(node.rpc_port, "maker", 60).output().expect("node runs the maker");
	let _ = taker.kill();
	let _ = taker.wait();
	let stdout = String::from_utf8_lossy(&maker.stdout);
	let stderr = String::from_utf8_lossy(&maker.stderr);
	let summary: Value = stdout
		.lines()
		.last()
		.and_then(|line| serde_json::from_str(line).ok())
		.unwrap_or_else(|| panic!("a JSON summary:\n{stdout}\n{stderr}\n{}", node.log_tail()));
	assert!(summary["refreshes"].as_u64() > Some(5), "quotes refreshed each block: {summary}");
	assert!(summary["fills"].as_u64() > Some(0), "Bob traded against the quotes: {summary}");
	assert_eq!(summary["reconciled"], Value::Bool(true), "ledger == fills: {summary}\n{stderr}");
	assert!(maker.status.success(), "{summary}\n{stderr}");
	assert!(node.stop(Duration::from_secs(60)).is_some_and(|s| s.success()), "{}", node.log_tail());
}
