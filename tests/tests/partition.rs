//! A network partition of the local 4-validator testnet (`--reserved-only` groups, healed with
//! `system_addReservedPeer`): Alice and Bob on one side, Charlie and Dave on the other. Both
//! sides produce blocks (a fork) but neither can finalize (3 of 4 needed); once healed, one
//! chain is finalized that every node agrees on, block by block, and every checkpoint
//! certificate certifies that chain's block.
use std::time::Duration;

use bourse_tests::Node;
use serde_json::{json, Value};

const MINUTE: Duration = Duration::from_secs(60);

fn validator(name: &str) -> Node {
	let args = ["--chain", "local", "--base-path", "BASE", "--unsafe-force-node-key-generation"];
	let mut args = args.to_vec();
	// Only the peers the test adds: the partition is made and healed over RPC.
	args.extend([name, "--reserved-only", "--rpc-methods", "unsafe"]);
	let mut node = Node::start(&args);
	node.wait_for_rpc(3 * MINUTE);
	node
}

fn connect(a: &mut Node, b: &mut Node) {
	let (a_addr, b_addr) = (a.multiaddr(), b.multiaddr());
	a.rpc("system_addReservedPeer", json!([b_addr])).expect("add reserved peer");
	b.rpc("system_addReservedPeer", json!([a_addr])).expect("add reserved peer");
}

fn block_hash(node: &Node, number: u64) -> Value {
	node.rpc("chain_getBlockHash", json!([number])).expect("block hash")
}

#[test]
fn a_healed_partition_finalizes_one_chain_everyone_agrees_on() {
	let _serial = bourse_tests::serial();
	let mut nodes: Vec<Node> = ["--alice", "--bob", "--charlie", "--dave"].map(validator).into();
	// Partitioned from the start: {Alice, Bob} | {Charlie, Dave}.
	for (i, j) in [(0usize, 1usize), (2, 3)] {
		let (left, right) = nodes.split_at_mut(j);
		connect(&mut left[i], &mut right[0]);
	}
	// Both sides build blocks in their validators' slots, but neither finalizes (3 of 4).
	for node in nodes.iter_mut() {
		node.wait_for_block(8, 4 * MINUTE);
	}
	for node in &nodes {
		assert_eq!(node.finalized_number(), Some(0), "no side finalizes alone");
	}
	let height = nodes[0].best_number().expect("best").min(nodes[2].best_number().expect("best"));
	assert_ne!(block_hash(&nodes[0], height), block_hash(&nodes[2], height), "the sides forked");

	// Heal.
	for (i, j) in [(0usize, 2usize), (0, 3), (1, 2), (1, 3)] {
		let (left, right) = nodes.split_at_mut(j);
		connect(&mut left[i], &mut right[0]);
	}
	let target = nodes.iter().map(|n| n.best_number().expect("best")).max().expect("max") + 10;
	for node in nodes.iter_mut() {
		node.wait_for_finalized(target, 5 * MINUTE);
	}
	let finalized = nodes.iter().map(|n| n.finalized_number().expect("final")).min().expect("min");
	for number in 1..=finalized {
		let alice = block_hash(&nodes[0], number);
		for node in &nodes[1..] {
			assert_eq!(block_hash(node, number), alice, "every node finalized the same #{number}");
		}
	}
	// Every certificate any node holds certifies the finalized block of its height.
	for node in nodes.iter_mut() {
		node.wait_for("a certificate after the heal", 2 * MINUTE, |node| {
			let status = node.rpc("checkpoint_status", json!([])).ok()?;
			status["lastFinalized"].as_u64()
		});
	}
	for node in &nodes {
		let last = node.rpc("checkpoint_status", json!([])).expect("status")["lastFinalized"]
			.as_u64()
			.unwrap_or(0);
		for number in 0..=last {
			let certificate = node.rpc("checkpoint_certificate", json!([number])).expect("rpc");
			if certificate.is_null() {
				continue;
			}
			let height = certificate["blockNumber"].as_u64().expect("block number");
			assert_eq!(
				certificate["blockHash"],
				block_hash(&nodes[0], height),
				"checkpoint {number} certifies the finalized block"
			);
		}
	}
}
