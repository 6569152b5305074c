//! `bourse-node --dev` produces blocks, answers RPC with the Bourse runtime, stops cleanly.
use std::time::Duration;

use bourse_tests::Node;
use serde_json::json;

#[test]
fn dev_node_produces_blocks_and_stops_cleanly() {
	let _serial = bourse_tests::serial();
	let mut node = Node::start(&["--dev", "--tmp"]);
	node.wait_for_block(3, Duration::from_secs(120));

	let health = node.rpc("system_health", json!([])).expect("system_health");
	assert_eq!(health["isSyncing"], json!(false), "{health}");
	assert_eq!(health["shouldHavePeers"], json!(false), "a dev chain needs no peers: {health}");

	let version = node.rpc("state_getRuntimeVersion", json!([])).expect("runtime version");
	assert_eq!(version["specName"], json!("bourse"), "{version}");
	assert_eq!(version["specVersion"], json!(103), "{version}");
	let apis = version["apis"].as_array().expect("apis list");
	assert!(apis.len() >= 10, "standard and Bourse runtime APIs: {version}");

	assert!(
		node.log().contains("executed from on-chain wasm"),
		"the node logs the wasm runtime it runs:\n{}",
		node.log_tail()
	);

	let status = node.stop(Duration::from_secs(60)).expect("node exits after SIGTERM");
	assert!(status.success(), "exit status {status}; log:\n{}", node.log_tail());
}
