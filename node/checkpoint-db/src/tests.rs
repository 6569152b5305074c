//! Tests over kvdb-memorydb and real RocksDB in temp dirs, including reopen and upgrades.
use super::*;
use bourse_primitives::checkpoint::{Checkpoint, CheckpointSignature};
use sp_core::{ed25519, Pair, H256};

fn checkpoint(number: u64, hash: u8) -> Checkpoint {
	Checkpoint {
		number,
		block_number: number as u32 * 5,
		block_hash: H256::repeat_byte(hash),
		state_digest: H256::repeat_byte(7),
		set_id: 0,
	}
}

fn signed(number: u64, index: u32, hash: u8) -> SignedCheckpoint {
	let pair = ed25519::Pair::from_seed(&[index as u8 + 1; 32]);
	let checkpoint = checkpoint(number, hash);
	let signature: CheckpointSignature = pair.sign(&checkpoint.encode()).into();
	SignedCheckpoint { checkpoint, index, signature }
}

fn certificate(number: u64, signers: u32) -> Certificate {
	Certificate::new(
		checkpoint(number, 1),
		(0..signers).map(|i| (i, signed(number, i, 1).signature)).collect(),
	)
}

fn exercise(db: &CheckpointDb) {
	assert_eq!(db.load_resume_state().expect("read"), ResumeState::default());
	db.store_own_vote(&signed(1, 0, 1)).expect("own vote");
	db.store_own_vote(&signed(1, 0, 1)).expect("same vote again is fine");
	assert!(matches!(
		db.store_own_vote(&signed(1, 0, 2)),
		Err(Error::ConflictingOwnVote { number: 1 })
	));
	db.store_signature(&signed(1, 1, 1)).expect("peer");
	db.store_signature(&signed(2, 1, 1)).expect("peer");
	let state = db.load_resume_state().expect("read");
	assert_eq!((state.own_votes.len(), state.pending.len(), state.last_finalized), (1, 2, None));

	db.store_certificate(&certificate(1, 3)).expect("certificate");
	let state = db.load_resume_state().expect("read");
	assert_eq!(state.last_finalized, Some(1));
	assert!(state.own_votes.is_empty(), "the certificate holds our vote");
	assert_eq!(state.pending, vec![signed(2, 1, 1)], "only unfinalized signatures stay");
	assert_eq!(db.latest_certificate().expect("read"), Some(certificate(1, 3)));
	// An older certificate arriving late does not move last-finalized back.
	db.store_certificate(&certificate(0, 3)).expect("certificate");
	assert_eq!(db.last_finalized().expect("read"), Some(1));
}

#[test]
fn memory_database_round_trip() {
	exercise(&CheckpointDb::in_memory());
}

#[test]
fn rocksdb_survives_reopen() {
	let dir = tempfile::tempdir().expect("tmp");
	let path = dir.path().join("checkpoints");
	{
		let db = CheckpointDb::open(&path).expect("create");
		exercise(&db);
		db.store_own_vote(&signed(2, 0, 9)).expect("own vote");
	}
	let db = CheckpointDb::open(&path).expect("reopen");
	let state = db.load_resume_state().expect("read");
	assert_eq!(state.last_finalized, Some(1));
	assert_eq!(state.own_votes, vec![signed(2, 0, 9)]);
	assert_eq!(state.pending, vec![signed(2, 1, 1)]);
	// After a restart it still refuses to sign a different block for number 2.
	assert!(matches!(
		db.store_own_vote(&signed(2, 0, 1)),
		Err(Error::ConflictingOwnVote { number: 2 })
	));
	assert_eq!(schema::read_version(&path).expect("version"), Some(schema::CURRENT_VERSION));
}

#[test]
fn pruning_removes_old_certificates_only() {
	let db = CheckpointDb::in_memory();
	for n in 0..10 {
		db.store_certificate(&certificate(n, 2)).expect("certificate");
	}
	assert_eq!(db.prune_below(6).expect("prune"), 6);
	assert_eq!(db.prune_below(6).expect("prune again"), 0);
	let stats = db.stats().expect("stats");
	assert_eq!((stats.certificates, stats.pruned_below, stats.last_finalized), (4, 6, Some(9)));
	assert!(db.certificate(5).expect("read").is_none());
	assert!(db.certificate(6).expect("read").is_some());
}

/// A schema-1 database: own vote on checkpoint 3, peers' signatures on 3 and 4.
fn create_v1_with_one_own_vote(path: &std::path::Path) {
	schema::create_v1(
		path,
		&[(signed(3, 0, 1), true), (signed(3, 1, 1), false), (signed(4, 2, 1), false)],
	)
	.expect("v1 database");
}

#[test]
fn upgrade_from_schema_1_moves_own_votes() {
	let dir = tempfile::tempdir().expect("tmp");
	let path = dir.path().join("checkpoints");
	create_v1_with_one_own_vote(&path);
	let db = CheckpointDb::open(&path).expect("upgrade");
	assert_eq!(schema::read_version(&path).expect("version"), Some(2));
	let state = db.load_resume_state().expect("read");
	assert_eq!(state.own_votes, vec![signed(3, 0, 1)]);
	assert_eq!(state.pending, vec![signed(3, 1, 1), signed(4, 2, 1)]);
	drop(db);
	// Reopening the upgraded database is a plain open.
	assert_eq!(
		CheckpointDb::open(&path).expect("reopen").load_resume_state().expect("read"),
		state
	);
}

#[test]
fn newer_or_unreadable_versions_are_clear_errors() {
	let dir = tempfile::tempdir().expect("tmp");
	let path = dir.path().join("checkpoints");
	drop(CheckpointDb::open(&path).expect("create"));

	schema::write_version(&path, 99).expect("write");
	let err = CheckpointDb::open(&path).err().expect("refused").to_string();
	assert!(err.contains(&path.display().to_string()) && err.contains("newer"), "{err}");

	std::fs::write(path.join("VERSION"), "garbage").expect("write");
	let err = CheckpointDb::open(&path).err().expect("refused").to_string();
	assert!(
		err.contains(&path.display().to_string()) && err.contains("unreadable version"),
		"{err}"
	);

	std::fs::remove_file(path.join("VERSION")).expect("rm");
	let err = CheckpointDb::open(&path).err().expect("refused").to_string();
	assert!(err.contains("VERSION is missing"), "{err}");
}

#[test]
fn read_only_open_creates_nothing_and_works_beside_the_open_database() {
	let dir = tempfile::tempdir().expect("tmp");
	let path = dir.path().join("checkpoints");
	let scratch = dir.path().join("scratch");
	// A wrong path is an error naming it; nothing is created there.
	let err = CheckpointDb::open_read_only(&path, &scratch).err().expect("missing").to_string();
	assert!(err.contains("no checkpoint database") && err.contains(&path.display().to_string()));
	assert!(!path.exists(), "a read-only open creates nothing");

	// Beside the node's open (read-write, locked) database, it reads what was written.
	let node = CheckpointDb::open(&path).expect("create");
	node.store_own_vote(&signed(1, 0, 1)).expect("vote");
	let tool = CheckpointDb::open_read_only(&path, &scratch).expect("opens beside the node");
	assert_eq!(tool.own_vote(1).expect("read"), Some(signed(1, 0, 1)));
	assert!(tool.store_own_vote(&signed(2, 0, 1)).is_err(), "it cannot write");
	drop((node, tool));

	// An older schema is left for the node to upgrade; a newer one is refused.
	schema::write_version(&path, 1).expect("write");
	let err = CheckpointDb::open_read_only(&path, &scratch).err().expect("older").to_string();
	assert!(err.contains("start this bourse-node once"), "{err}");
	schema::write_version(&path, 99).expect("write");
	let err = CheckpointDb::open_read_only(&path, &scratch).err().expect("newer").to_string();
	assert!(err.contains("Do not delete"), "{err}");
	assert_eq!(schema::read_version(&path).expect("version"), Some(99), "nothing rewritten");
}

#[test]
fn a_database_of_another_genesis_is_refused_naming_the_fix() {
	let dir = tempfile::tempdir().expect("tmp");
	let path = dir.path().join("checkpoints");
	let db = CheckpointDb::open(&path).expect("create");
	db.check_genesis([1; 32]).expect("recorded on first use");
	db.check_genesis([1; 32]).expect("the same chain");
	drop(db);
	let db = CheckpointDb::open(&path).expect("reopen");
	db.check_genesis([1; 32]).expect("survives reopen");
	let err = db.check_genesis([2; 32]).expect_err("another chain").to_string();
	assert!(err.contains(&path.display().to_string()) && err.contains("purge-chain"), "{err}");
}

#[test]
fn an_upgrade_interrupted_at_any_step_completes_at_the_next_open() {
	for step in [1, 2] {
		let dir = tempfile::tempdir().expect("tmp");
		let path = dir.path().join("checkpoints");
		create_v1_with_one_own_vote(&path);
		// The crash: the column added (step 1), or the signatures rewritten too (step 2), and
		// VERSION still says 1.
		schema::interrupted_upgrade(&path, step).expect("half an upgrade");
		assert_eq!(schema::read_version(&path).expect("version"), Some(1));
		let db = CheckpointDb::open(&path).unwrap_or_else(|e| panic!("step {step}: {e}"));
		assert_eq!(schema::read_version(&path).expect("version"), Some(2));
		let state = db.load_resume_state().expect("read");
		assert_eq!(state.own_votes, vec![signed(3, 0, 1)], "step {step}: own vote kept");
		assert_eq!(state.pending, vec![signed(3, 1, 1), signed(4, 2, 1)], "step {step}");
	}
}
