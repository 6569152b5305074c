//! A validator of the local 4-validator testnet killed with kill -9 at random moments, several
//! times: each time it comes back, restores its checkpoint database, serves every certificate
//! it served before, and signs again; no node ever sees it sign two blocks for one checkpoint.
//! Then it loses its checkpoint database and gets the certificates back by asking its peers.
use std::{
	collections::BTreeMap,
	time::{Duration, SystemTime},
};

use bourse_tests::{local_validator as validator, Node};
use serde_json::{json, Value};

const MINUTE: Duration = Duration::from_secs(60);

/// A small xorshift generator seeded from the clock: the kill moments differ between runs.
struct Random(u64);
impl Random {
	fn next(&mut self, below: u64) -> u64 {
		self.0 ^= self.0 << 13;
		self.0 ^= self.0 >> 7;
		self.0 ^= self.0 << 17;
		self.0 % below
	}
}

fn status(node: &Node) -> Value {
	node.rpc("checkpoint_status", json!([])).expect("checkpoint_status")
}

/// Every certificate `node` serves, by number.
fn served(node: &Node) -> BTreeMap<u64, Value> {
	let last = status(node)["lastFinalized"].as_u64().unwrap_or(0);
	(0..=last)
		.filter_map(|n| {
			let c = node.rpc("checkpoint_certificate", json!([n])).ok()?;
			(!c.is_null()).then_some((n, c))
		})
		.collect()
}

#[test]
fn a_validator_killed_at_random_moments_keeps_its_record_and_never_equivocates() {
	let _serial = bourse_tests::serial();
	let mut alice = validator("--alice", None);
	let boot = alice.multiaddr();
	let mut bob = validator("--bob", Some(&boot));
	let charlie = validator("--charlie", Some(&boot));
	let dave = validator("--dave", Some(&boot));
	alice.wait_for_finalized(10, 4 * MINUTE);
	bob.wait_for("bob certifies checkpoint 1", 2 * MINUTE, |node| {
		node.rpc("checkpoint_certificate", json!([1])).ok().filter(|c| !c.is_null())
	});

	let seed = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).expect("clock");
	let mut random = Random(seed.as_nanos() as u64 | 1);
	let mut before = BTreeMap::new();
	for kill in 1..=3 {
		// A random moment: anywhere in a checkpoint interval (5 blocks of 2 s) or two.
		let delay = Duration::from_millis(500 + random.next(12_000));
		std::thread::sleep(delay);
		before.extend(served(&bob));
		let at = bob.best_number();
		bob.kill9();
		bob.restart();
		bob.wait_for_rpc(3 * MINUTE);
		// Restored: his database holds certificates by now, so this is set once it ran.
		let restored = bob.wait_for("bob restored", 2 * MINUTE, |node| {
			node.rpc("checkpoint_status", json!([]))
				.ok()
				.filter(|s| !s["restored"]["lastFinalized"].is_null())
		});
		eprintln!("kill {kill} after {delay:?} at block {at:?}: restored {}", restored["restored"]);
		let after = served(&bob);
		for (number, certificate) in &before {
			let again = after.get(number).unwrap_or_else(|| {
				panic!(
					"certificate {number} served before kill {kill} is gone (status {}): {}",
					status(&bob),
					bob.log()
				)
			});
			assert_eq!(again["blockHash"], certificate["blockHash"], "checkpoint {number}");
			assert_eq!(again["stateDigest"], certificate["stateDigest"], "checkpoint {number}");
		}
	}

	// Bob is back in the game: finality and certificates go on, and he signs again.
	let finalized = alice.finalized_number().expect("finalized");
	bob.wait_for_finalized(finalized + 10, 4 * MINUTE);
	let signed_before = status(&bob)["signed"].as_u64().unwrap_or(0);
	bob.wait_for("bob signs after the last restart", 3 * MINUTE, |node| {
		let signed = node.rpc("checkpoint_status", json!([])).ok()?["signed"].as_u64()?;
		(signed > signed_before).then_some(())
	});
	let certified = status(&alice)["lastFinalized"].as_u64().expect("certified");
	assert!(certified > *before.keys().last().unwrap_or(&0), "certificates go on");
	for (name, node) in [("alice", &alice), ("bob", &bob), ("charlie", &charlie), ("dave", &dave)] {
		assert_eq!(status(node)["equivocations"], json!(0), "{name} saw an equivocation");
	}

	// Bob loses his checkpoint database (say, a replaced disk). He keeps his blocks, so sync
	// brings him no certificates: he asks his peers for those of the finalized checkpoints.
	bob.stop(MINUTE);
	std::fs::remove_dir_all(bob.base_path().join("chains/bourse_local/checkpoints"))
		.expect("remove bob's checkpoint database");
	bob.restart();
	bob.wait_for_rpc(3 * MINUTE);
	let again = bob.wait_for("certificate 1 requested again", 2 * MINUTE, |node| {
		node.rpc("checkpoint_certificate", json!([1])).ok().filter(|c| !c.is_null())
	});
	assert_eq!(again["blockHash"], before[&1]["blockHash"]);
	bob.wait_for("checkpoint 1 recorded from a peer's answer", MINUTE, |node| {
		node.log()
			.lines()
			.any(|l| {
				l.contains("Checkpoint 1 certified block #10")
					&& l.contains("requested from a peer")
			})
			.then_some(())
	});
}
