//! GRANDPA finality and checkpoint certificates with real node processes: a dev node finalizes
//! and certifies alone; a local testnet of four validators finalizes, survives a kill -9 and
//! restart of one validator, stalls without quorum and resumes when the quorum is back; a
//! full node joining late gets the certificates of the synced history with the blocks.
use std::time::Duration;

use bourse_tests::Node;
use serde_json::json;

const MINUTE: Duration = Duration::from_secs(60);

#[test]
fn dev_node_finalizes_and_certifies_every_checkpoint_alone() {
	let _serial = bourse_tests::serial();
	let mut node = Node::start(&["--dev", "--tmp"]);
	// GRANDPA (one authority) finalizes; checkpoints every 5 blocks: block 10 is the second.
	node.wait_for_finalized(10, 3 * MINUTE);
	let round = node.rpc("grandpa_roundState", json!([])).expect("grandpa_roundState");
	assert_eq!(round["setId"], json!(0), "{round}");
	// Certified once final ("lastFinalized" is the last certified checkpoint).
	let status = node.wait_for("checkpoint 1 certified", MINUTE, |node| {
		node.rpc("checkpoint_status", json!([]))
			.ok()
			.filter(|s| s["lastFinalized"].as_u64().is_some_and(|n| n >= 1))
	});
	assert_eq!(status["validatorIndex"], json!(0), "{status}");
	let certificate =
		node.rpc("checkpoint_latestCertificate", json!([])).expect("latest certificate");
	assert_eq!(
		certificate["signers"],
		json!([0]),
		"one signature is a quorum of one: {certificate}"
	);
	let number = certificate["number"].as_u64().expect("number");
	let same = node.rpc("checkpoint_certificate", json!([number])).expect("certificate by number");
	assert_eq!(same, certificate);
	// The certificate is the block's second justification, beside GRANDPA's (engine BRSC).
	let block = node.rpc("chain_getBlock", json!([certificate["blockHash"]])).expect("block");
	let engines: Vec<&serde_json::Value> =
		block["justifications"].as_array().into_iter().flatten().map(|j| &j[0]).collect();
	assert!(engines.contains(&&json!([66, 82, 83, 67])), "BRSC justification: {block}");
	assert_eq!(node.rpc("checkpoint_certificate", json!([1_000_000])).expect("rpc"), json!(null));
}

/// Starts a node of the local testnet (`--alice` etc. for a validator, nothing for a full
/// node) and waits until it serves RPC: starting one at a time keeps a small machine from
/// spending minutes compiling four runtimes at once.
fn local_node(role: &[&str], bootnode: Option<&str>) -> Node {
	let mut args =
		vec!["--chain", "local", "--base-path", "BASE", "--unsafe-force-node-key-generation"];
	args.extend(role);
	if let Some(addr) = bootnode {
		args.extend(["--bootnodes", addr]);
	}
	let mut node = Node::start(&args);
	node.wait_for_rpc(3 * MINUTE);
	node
}

fn validator(name: &str, bootnode: Option<&str>) -> Node {
	local_node(&[name], bootnode)
}

#[test]
fn local_testnet_finalizes_survives_kill_and_stalls_without_quorum() {
	let _serial = bourse_tests::serial();
	let mut alice = validator("--alice", None);
	let boot = alice.multiaddr();
	let mut bob = validator("--bob", Some(&boot));
	let mut charlie = validator("--charlie", Some(&boot));
	let mut dave = validator("--dave", Some(&boot));

	let first = alice.wait_for_finalized(10, 4 * MINUTE);

	// kill -9 Bob at an arbitrary moment, then restart him on the same base path.
	bob.kill9();
	bob.restart();
	bob.wait_for_rpc(3 * MINUTE);
	let restored = bob.wait_for("bob's gadget status", 2 * MINUTE, |node| {
		node.rpc("checkpoint_status", json!([]))
			.ok()
			.filter(|s| !s["restored"]["lastFinalized"].is_null())
	});
	assert!(restored["restored"]["lastFinalized"].as_u64().is_some(), "{restored}");
	assert!(bob.log().contains("Restored checkpoint state"), "{}", bob.log_tail());
	let after_restart = bob.wait_for_finalized(first + 10, 4 * MINUTE);
	assert!(after_restart > first);
	bob.wait_for("bob signs again", 3 * MINUTE, |node| {
		node.rpc("checkpoint_status", json!([]))
			.ok()
			.filter(|s| s["signed"].as_u64().unwrap_or(0) > 0)
	});

	// Two of four down: 2 < quorum 3, blocks still come (Alice and Bob's slots) but finality stalls.
	charlie.stop(MINUTE);
	dave.stop(MINUTE);
	let stalled_at = alice.finalized_number().expect("finalized head");
	let best = alice.best_number().expect("best");
	alice.wait_for_block(best + 15, 4 * MINUTE);
	let still = alice.finalized_number().expect("finalized head");
	assert!(still <= stalled_at + 5, "finality must stall without quorum: {stalled_at} -> {still}");

	// Quorum back: finality resumes past the stall.
	charlie.restart();
	charlie.wait_for_rpc(3 * MINUTE);
	dave.restart();
	dave.wait_for_rpc(3 * MINUTE);
	let resumed = alice.wait_for_finalized(still + 10, 5 * MINUTE);

	// A full node joining now syncs the history. Gossip carries only recent certificates, so
	// its copy of checkpoint 1 (block 10, long final) can only come with the synced block.
	let mut late = local_node(&[], Some(&boot));
	late.wait_for_finalized(resumed, 4 * MINUTE);
	// Recorded once GRANDPA has finalized the block on this node too.
	let certificate = late.wait_for("certificate 1", MINUTE, |node| {
		node.rpc("checkpoint_certificate", json!([1])).ok().filter(|c| !c.is_null())
	});
	assert_eq!(certificate["number"], json!(1), "{certificate}\n{}", late.log_tail());
	assert_eq!(certificate["blockNumber"], json!(10), "{certificate}");
	// It came with the synced block (the log line may trail the database write).
	late.wait_for("checkpoint 1 recorded from its block", MINUTE, |node| {
		let log = node.log();
		let line = log.lines().find(|l| l.contains("Checkpoint 1 certified block #10"))?;
		line.contains("certificate imported with the block").then_some(())
	});
	let status = late.rpc("checkpoint_status", json!([])).expect("status");
	assert_eq!(status["validatorIndex"], json!(null), "a full node does not vote: {status}");
}
