//! libFuzzer entry: each input is a run of blocks on a fresh development chain
//! (see `bourse_fuzz::run`). A finding panics, and libFuzzer keeps the input as a crash.
//! Every 1,000 inputs it prints how many extrinsics the campaign has run.
#![no_main]

use std::sync::atomic::{AtomicU64, Ordering};

static INPUTS: AtomicU64 = AtomicU64::new(0);
static EXTRINSICS: AtomicU64 = AtomicU64::new(0);

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
	let report = bourse_fuzz::run(data);
	let extrinsics =
		EXTRINSICS.fetch_add(u64::from(report.extrinsics), Ordering::Relaxed) + u64::from(report.extrinsics);
	let inputs = INPUTS.fetch_add(1, Ordering::Relaxed) + 1;
	if inputs % 1_000 == 0 {
		eprintln!("bourse-fuzz: {inputs} inputs, {extrinsics} extrinsics");
	}
});
