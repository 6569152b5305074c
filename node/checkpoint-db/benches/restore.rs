//! Checkpoint database figures: restore time at service start vs retained history, a raw full
//! read beside it (the physical limit), disk use, and signature import throughput.
//! Run: `cargo bench -p bourse-checkpoint-db --bench restore` (release).
use std::{path::Path, time::Instant};

use bourse_checkpoint_db::{CheckpointDb, SignedCheckpoint};
use bourse_primitives::checkpoint::{Certificate, Checkpoint, CheckpointSignature};
use codec::Encode;
use sp_core::{ed25519, Pair, H256};

const VALIDATORS: u32 = 100;

fn pairs() -> Vec<ed25519::Pair> {
	(0..VALIDATORS).map(|i| ed25519::Pair::from_seed(&[i as u8 + 1; 32])).collect()
}

fn checkpoint(number: u64) -> Checkpoint {
	Checkpoint {
		number,
		block_number: number as u32 * 10,
		block_hash: H256::from_low_u64_be(number),
		state_digest: H256::repeat_byte(3),
		set_id: 0,
	}
}

fn sign(pair: &ed25519::Pair, checkpoint: &Checkpoint, index: u32) -> SignedCheckpoint {
	let signature: CheckpointSignature = pair.sign(&checkpoint.encode()).into();
	SignedCheckpoint { checkpoint: checkpoint.clone(), index, signature }
}

/// `retained` finalized checkpoints (each: 100 signatures imported, then a certificate of all
/// 100), plus 2 unfinalized checkpoints with all signatures pending and our own vote.
fn fill(db: &CheckpointDb, pairs: &[ed25519::Pair], retained: u64) {
	for number in 0..retained + 2 {
		let cp = checkpoint(number);
		let votes: Vec<_> = pairs.iter().enumerate().map(|(i, p)| sign(p, &cp, i as u32)).collect();
		db.store_own_vote(&votes[0]).expect("own vote");
		for vote in &votes[1..] {
			db.store_signature(vote).expect("signature");
		}
		if number < retained {
			let certificate = Certificate::new(
				cp,
				votes.iter().map(|v| (v.index, v.signature.clone())).collect(),
			);
			db.store_certificate(&certificate).expect("certificate");
		}
	}
}

/// Every file of the database directory (SST, WAL, manifest, RocksDB's own log).
fn dir_size(path: &Path) -> u64 {
	std::fs::read_dir(path)
		.map(|entries| {
			entries.filter_map(|e| e.ok()).filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum()
		})
		.unwrap_or(0)
}

fn best_ms(runs: usize, mut f: impl FnMut()) -> f64 {
	(0..runs)
		.map(|_| {
			let start = Instant::now();
			f();
			start.elapsed().as_secs_f64() * 1e3
		})
		.fold(f64::MAX, f64::min)
}

fn main() {
	let pairs = pairs();
	println!(
		"{:>9} {:>10} {:>12} {:>14} {:>12} {:>10}",
		"retained", "restore", "full read", "entries read", "disk", "pending"
	);
	for retained in [1_000u64, 10_000] {
		let dir = tempfile::tempdir().expect("tmp");
		let path = dir.path().join("checkpoints");
		fill(&CheckpointDb::open(&path).expect("create"), &pairs, retained);
		// Reopening flushes the memtable to SST files, as after a restart; the gadget's
		// maintenance task compacts after pruning.
		CheckpointDb::open(&path).expect("reopen").compact().expect("compact");
		let db = CheckpointDb::open(&path).expect("reopen");
		let mut pending = 0;
		let restore =
			best_ms(5, || pending = db.load_resume_state().expect("restore").pending.len());
		let mut entries = 0;
		let full = best_ms(5, || entries = db.read_everything().expect("scan").0);
		println!(
			"{:>9} {:>8.2}ms {:>10.2}ms {:>14} {:>9.2} MB {:>10}",
			retained,
			restore,
			full,
			entries,
			dir_size(&path) as f64 / 1e6,
			pending
		);
	}

	// Import throughput: verify an ed25519 signature and persist it.
	let dir = tempfile::tempdir().expect("tmp");
	let db = CheckpointDb::open(&dir.path().join("checkpoints")).expect("create");
	let cp = checkpoint(1);
	let votes: Vec<_> =
		(0..20_000u32).map(|i| sign(&pairs[(i % VALIDATORS) as usize], &cp, i)).collect();
	let publics: Vec<_> = pairs.iter().map(|p| p.public()).collect();
	let message = cp.encode();
	let start = Instant::now();
	for vote in &votes {
		let signature: ed25519::Signature = vote.signature.clone().into();
		assert!(ed25519::Pair::verify(
			&signature,
			&message,
			&publics[(vote.index % VALIDATORS) as usize]
		));
		db.store_signature(vote).expect("store");
	}
	let per_sec = votes.len() as f64 / start.elapsed().as_secs_f64();
	println!("\nsignature import (verify + persist): {per_sec:.0} signatures/s");
}
