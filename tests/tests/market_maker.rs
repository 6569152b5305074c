//! The example market-maker bot (`examples/market-maker`, @polkadot/api) against a dev node for
//! a minute: Alice deposits, quotes both sides of spot market 0 around the oracle price and
//! refreshes her quotes with `orderbook.batch`, Bob (the same script as a taker) trades across
//! them, Alice follows her fills over the `orderbook_subscribeFills` subscription, cancels,
//! withdraws, and her trading ledger must have changed by exactly what her fills say. The node
//! feeds the perp oracle meanwhile, as README's dev node does.
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
	// As README's dev node runs: Alice's node feeds the oracle while Alice trades (the feeds
	// are signed by her node's checkpoint key's account, so they take none of her nonces).
	let prices =
		PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/oracle/dev-prices.json");
	let prices = prices.display().to_string();
	let mut node = Node::start(&["--dev", "--tmp", "--oracle-feed", &prices]);
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

	// The node's fill history (its fill index of finalized blocks, plus newer best blocks)
	// holds every fill the bot saw over the subscription, newest first, paged.
	const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
	let history = node
		.rpc("orderbook_recentFills", serde_json::json!([ALICE, null, 1000]))
		.expect("recentFills");
	let history = history.as_array().expect("a list");
	let ids: Vec<u64> = history.iter().filter_map(|r| r["fillId"].as_u64()).collect();
	assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
	for seen in summary["fillIds"].as_array().expect("fill ids") {
		assert!(ids.contains(&seen.as_u64().expect("id")), "fill {seen} in the history: {ids:?}");
	}
	assert!(history.iter().any(|r| r["finalized"] == Value::Bool(true)), "indexed fills");
	let first =
		node.rpc("orderbook_recentFills", serde_json::json!([ALICE, null, 3])).expect("page 1");
	let last = first.as_array().and_then(|p| p.last()).expect("three fills")["fillId"].clone();
	let second =
		node.rpc("orderbook_recentFills", serde_json::json!([ALICE, last, 3])).expect("page 2");
	let page: Vec<u64> =
		second.as_array().expect("list").iter().filter_map(|r| r["fillId"].as_u64()).collect();
	assert_eq!(page, ids[3..6.min(ids.len())], "the next page continues below `from`");
	let order = history[0]["fill"]["makerOrder"].as_u64().expect("maker order");
	let of_order = node
		.rpc("orderbook_orderFills", serde_json::json!([order, null, null]))
		.expect("orderFills");
	let of_order = of_order.as_array().expect("list");
	assert!(!of_order.is_empty(), "the order's fills");
	for record in of_order {
		let (maker, taker) = (&record["fill"]["makerOrder"], &record["fill"]["takerOrder"]);
		assert!(maker.as_u64() == Some(order) || taker.as_u64() == Some(order), "{record}");
	}
	// The feeder ran the whole time, and the pool took every feed.
	let log = node.log();
	assert!(log.contains("feeding prices from"), "{}", node.log_tail());
	assert!(!log.contains("no observation at block"), "a feed failed:\n{}", node.log_tail());
	assert!(node.stop(Duration::from_secs(60)).is_some_and(|s| s.success()), "{}", node.log_tail());
}
