//! Measures finality latency on the local 4-validator testnet: for each block, from its import
//! (Alice's best head reaching it) to GRANDPA finality, and for each checkpoint block to its
//! certificate. Polls Alice's RPC every 50 ms (the figures carry that resolution) and prints a
//! table. Run: `cargo run -p bourse-tests --example finality_latency -- [seconds]` (default 180)
//! after building the node (`cargo build -p bourse-node`).
use std::{
	collections::BTreeMap,
	time::{Duration, Instant},
};

use bourse_tests::{local_validator as validator, Node};
use serde_json::json;

const MINUTE: Duration = Duration::from_secs(60);

fn summary(name: &str, mut samples: Vec<u128>) -> String {
	samples.sort_unstable();
	if samples.is_empty() {
		return format!("| {name} | 0 | - | - | - |");
	}
	let median = samples[samples.len() / 2];
	let p90 = samples[samples.len() * 9 / 10];
	let worst = samples[samples.len() - 1];
	format!("| {name} | {} | {median} | {p90} | {worst} |", samples.len())
}

fn main() {
	let seconds: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(180);
	let mut alice = validator("--alice", None);
	let boot = alice.multiaddr();
	let _others: Vec<Node> =
		["--bob", "--charlie", "--dave"].iter().map(|v| validator(v, Some(&boot))).collect();
	// Let the network settle (peers connected, GRANDPA running) before measuring.
	let start_block = alice.wait_for_finalized(5, 4 * MINUTE) + 1;

	let (mut imported, mut finalized, mut certified) =
		(BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
	let deadline = Instant::now() + Duration::from_secs(seconds);
	while Instant::now() < deadline {
		let now = Instant::now();
		if let Some(best) = alice.best_number() {
			(start_block..=best).for_each(|n| {
				imported.entry(n).or_insert(now);
			});
		}
		if let Some(final_number) = alice.finalized_number() {
			(start_block..=final_number).for_each(|n| {
				finalized.entry(n).or_insert(now);
			});
		}
		if let Some(block) = alice
			.rpc("checkpoint_status", json!([]))
			.ok()
			.and_then(|s| s["lastFinalizedBlock"].as_u64())
		{
			(start_block..=block).filter(|n| n % 5 == 0).for_each(|n| {
				certified.entry(n).or_insert(now);
			});
		}
		std::thread::sleep(Duration::from_millis(50));
	}
	let lag = |to: &BTreeMap<u64, Instant>| -> Vec<u128> {
		to.iter()
			.filter_map(|(n, t)| Some(t.saturating_duration_since(*imported.get(n)?).as_millis()))
			.collect()
	};
	println!(
		"Finality latency on the local 4-validator testnet, {seconds} s, ms (±50 ms polling):"
	);
	println!("| from block import to | samples | median | p90 | worst |");
	println!("|---|---|---|---|---|");
	println!("{}", summary("GRANDPA finality", lag(&finalized)));
	println!("{}", summary("checkpoint certificate", lag(&certified)));
}
