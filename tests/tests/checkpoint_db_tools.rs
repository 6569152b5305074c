//! Operator tools on the checkpoint gadget's database: `checkpoint-db inspect` reads it
//! read-only, also while the node runs, and creates nothing at a wrong path; `purge-chain`
//! removes it with the chain. A new base path gets a ParityDB chain database (the one the
//! runtime's weights are measured on), and `purge-chain` finds it without `--database`.
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
	let chain_dir = node.base_path().join("chains/bourse_dev");
	assert!(chain_dir.join("paritydb/full").exists(), "a new base path opens ParityDB");
	// `auto` probes for RocksDB first, which leaves an empty RocksDB directory (upstream
	// behaviour), but no database in it.
	assert!(!chain_dir.join("db/full/CURRENT").exists(), "and no RocksDB chain database");

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
	assert!(!chain_dir.join("paritydb").exists(), "and the ParityDB chain database");
	assert!(!chain_dir.join("db").exists(), "and the RocksDB directory the probe left");
}

/// A base path that already holds a RocksDB chain database keeps it: the default (`auto`)
/// never starts an existing node on an empty database (GRANDPA's voter state lives there).
#[test]
fn an_existing_rocksdb_chain_database_is_kept() {
	let _serial = bourse_tests::serial();
	let mut first = Node::start(&["--dev", "--database", "rocksdb", "--base-path", "BASE"]);
	let reached = first.wait_for_finalized(3, Duration::from_secs(180));
	assert!(
		first.stop(Duration::from_secs(60)).is_some_and(|s| s.success()),
		"{}",
		first.log_tail()
	);
	let chain_dir = first.base_path().join("chains/bourse_dev");
	assert!(chain_dir.join("db/full").exists(), "--database rocksdb opened RocksDB");

	let base = first.base_path().display().to_string();
	let mut second = Node::start(&["--dev", "--base-path", &base]);
	second.wait_for_rpc(Duration::from_secs(120));
	let best = second.best_number();
	assert!(best >= Some(reached), "the chain goes on from block {reached}, not genesis: {best:?}");
	assert!(!chain_dir.join("paritydb").exists(), "no ParityDB beside the existing database");
	assert!(
		second.stop(Duration::from_secs(60)).is_some_and(|s| s.success()),
		"{}",
		second.log_tail()
	);
}
