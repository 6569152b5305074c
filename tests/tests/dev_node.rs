//! `bourse-node --dev` produces blocks, answers RPC with the Bourse runtime, stops cleanly; with
//! `--rpc-methods safe` (as a public interface) it refuses the costly `orderbook_order`.
use std::time::Duration;

use bourse_tests::Node;
use serde_json::json;

#[test]
fn dev_node_produces_blocks_and_stops_cleanly() {
	let _serial = bourse_tests::serial();
	let mut node = Node::start(&["--dev", "--tmp", "--rpc-methods", "safe"]);
	node.wait_for_block(3, Duration::from_secs(120));

	let health = node.rpc("system_health", json!([])).expect("system_health");
	assert_eq!(health["isSyncing"], json!(false), "{health}");
	assert_eq!(health["shouldHavePeers"], json!(false), "a dev chain needs no peers: {health}");

	let version = node.rpc("state_getRuntimeVersion", json!([])).expect("runtime version");
	assert_eq!(version["specName"], json!("bourse"), "{version}");
	assert_eq!(version["specVersion"], json!(107), "{version}");
	let apis = version["apis"].as_array().expect("apis list");
	assert!(apis.len() >= 10, "standard and Bourse runtime APIs: {version}");

	// An order by id alone walks every trading account: refused on a safe interface. By owner
	// and id it is two reads, and served.
	let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
	let refused = node.rpc("orderbook_order", json!([1])).expect_err("an unsafe method");
	assert!(refused.contains("unsafe"), "{refused}");
	let none = node.rpc("orderbook_orderOf", json!([alice, u64::MAX])).expect("a safe method");
	assert_eq!(none, json!(null));

	assert!(
		node.log().contains("executed from on-chain wasm"),
		"the node logs the wasm runtime it runs:\n{}",
		node.log_tail()
	);

	let status = node.stop(Duration::from_secs(60)).expect("node exits after SIGTERM");
	assert!(status.success(), "exit status {status}; log:\n{}", node.log_tail());
}
