//! Operator tools on the checkpoint gadget's database: `checkpoint-db inspect` reads it
//! read-only, also while the node runs, and creates nothing at a wrong path; `purge-chain`
//! removes it with the chain.
use std::time::Duration;

use bourse_tests::{node_command, Node};

#[test]
fn inspect_is_read_only_and_purge_chain_removes_the_checkpoint_database() {
	let _serial = bourse_tests::serial();
	let mut node = Node::start(&["--dev", "--base-path", "BASE"]);
	node.wait_for_finalized(5, Duration::from_secs(180));
	let base = node.base_path().display().to_string();
	let checkpoints = node.base_path().join("chains/bourse_dev/checkpoints");
	assert!(checkpoints.join("VERSION").exists(), "the gadget's database exists");

	// Beside the running node (which holds the RocksDB lock): read-only, no lock error.
	let (ok, stdout, stderr) =
		node_command(&["checkpoint-db", "inspect", "--chain", "dev", "--base-path", &base]);
	assert!(ok, "inspect beside the running node: {stderr}");
	let stats: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
	assert!(
		stats["lastFinalized"].is_u64() && stats["certificates"].as_u64() >= Some(1),
		"{stats}"
	);

	// A wrong path is an error naming it, and nothing is created there.
	let wrong = node.base_path().join("nowhere");
	let (ok, _, stderr) = node_command(&[
		"checkpoint-db",
		"inspect",
		"--chain",
		"dev",
		"--base-path",
		&wrong.display().to_string(),
	]);
	assert!(!ok && stderr.contains("no checkpoint database"), "{stderr}");
	assert!(!wrong.join("chains/bourse_dev/checkpoints").exists(), "nothing created");

	assert!(node.stop(Duration::from_secs(60)).is_some_and(|s| s.success()), "{}", node.log_tail());
	let (ok, _, stderr) =
		node_command(&["purge-chain", "--chain", "dev", "--base-path", &base, "-y"]);
	assert!(ok, "purge-chain: {stderr}");
	assert!(!checkpoints.exists(), "purge-chain removes the checkpoint database too");
}
