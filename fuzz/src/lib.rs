//! A runtime fuzzer for Bourse, modelled on SRLabs' substrate-runtime-fuzzer: input bytes
//! decode to a sequence of blocks, each holding signed extrinsics of a few funded accounts
//! (calls of every pallet, arguments biased toward the book and the limits, root calls
//! through sudo), run through the real `bourse-runtime`'s `Executive` natively.
//!
//! After every extrinsic it checks the pallets' `try_state` invariants, that no token's supply
//! moved except by the fees burnt, that a failed call changed nothing but its fee and nonce,
//! and that the call's weight pays for the storage it wrote (and, in optimised builds, for the
//! time it took); after every block, the invariants again and the block's weight. Any
//! violation, and any panic in the runtime, is a finding: the run panics with the call.
//!
//! Two ways to run it: [`run`] over seeded random bytes in the test suite (`tests/seeded.rs`),
//! and as a coverage-guided libFuzzer campaign (`fuzz/libfuzzer`, `scripts/fuzz.sh`).
pub mod calls;
pub mod chain;
pub mod checks;
pub mod input;

use std::{collections::BTreeMap, time::Duration};

/// Most blocks one input drives.
pub const MAX_BLOCKS: u32 = 32;
/// Most extrinsics in one block.
pub const MAX_EXTRINSICS_PER_BLOCK: u32 = 24;

/// How one kind of call fared.
#[derive(Default, Debug, Clone)]
pub struct CallStats {
	/// Dispatched without error.
	pub succeeded: u32,
	/// Dispatched with an error (fees paid, changes undone).
	pub failed: u32,
	/// Refused as invalid (not includable: e.g. it cannot pay its fee).
	pub invalid: u32,
}

/// What a run did.
#[derive(Default, Debug, Clone)]
pub struct Report {
	/// Blocks built.
	pub blocks: u32,
	/// Extrinsics applied (including invalid ones).
	pub extrinsics: u32,
	/// Per call (`Pallet.call`).
	pub calls: BTreeMap<String, CallStats>,
	/// Events seen, per `Pallet.Variant`.
	pub events: BTreeMap<String, u32>,
	/// Dispatch errors seen, per error.
	pub errors: BTreeMap<String, u32>,
}

impl Report {
	/// Adds another run's counts.
	pub fn merge(&mut self, other: Report) {
		self.blocks += other.blocks;
		self.extrinsics += other.extrinsics;
		for (name, stats) in other.calls {
			let mine = self.calls.entry(name).or_default();
			mine.succeeded += stats.succeeded;
			mine.failed += stats.failed;
			mine.invalid += stats.invalid;
		}
		for (name, n) in other.events {
			*self.events.entry(name).or_default() += n;
		}
		for (name, n) in other.errors {
			*self.errors.entry(name).or_default() += n;
		}
	}

	/// Events of `name` (`Pallet.Variant`) seen.
	pub fn event(&self, name: &str) -> u32 {
		self.events.get(name).copied().unwrap_or(0)
	}

	/// Successful dispatches of `name` (`Pallet.call`).
	pub fn succeeded(&self, name: &str) -> u32 {
		self.calls.get(name).map_or(0, |c| c.succeeded)
	}

	/// A table of calls, events and errors.
	pub fn table(&self) -> String {
		let mut out = format!("{} blocks, {} extrinsics\n", self.blocks, self.extrinsics);
		out += &format!("{:<44} {:>9} {:>9} {:>9}\n", "call", "ok", "failed", "invalid");
		for (name, c) in &self.calls {
			out += &format!("{name:<44} {:>9} {:>9} {:>9}\n", c.succeeded, c.failed, c.invalid);
		}
		out += &format!("{:<44} {:>9}\n", "event", "count");
		for (name, n) in &self.events {
			out += &format!("{name:<44} {n:>9}\n");
		}
		out += &format!("{:<44} {:>9}\n", "dispatch error", "count");
		for (name, n) in &self.errors {
			out += &format!("{name:<70} {n:>9}\n");
		}
		out
	}
}

fn call_name(call: &bourse_runtime::RuntimeCall) -> String {
	use frame_support::traits::GetCallMetadata;
	let meta = call.get_call_metadata();
	format!("{}.{}", meta.pallet_name, meta.function_name)
}

fn error_name(error: &sp_runtime::DispatchError) -> String {
	match error {
		sp_runtime::DispatchError::Module(m) => {
			format!("module {} {}", m.index, m.message.unwrap_or("?"))
		},
		other => format!("{other:?}"),
	}
}

/// Runs `data` as blocks of extrinsics on a fresh development chain; panics on a finding.
pub fn run(data: &[u8]) -> Report {
	let mut ext = sp_io::TestExternalities::new(chain::genesis());
	let mut input = input::Input::new(data);
	let mut producer = chain::Producer::default();
	let mut report = Report::default();
	// An extrinsic the last block had no room for: the next block starts with it, as a
	// node's transaction pool would include it.
	let mut pending = None;
	for _ in 0..MAX_BLOCKS {
		if input.is_empty() {
			break;
		}
		// Mostly the next slot; sometimes a long gap (stale prices, due expiries).
		let slots = if input.byte() > 230 { 1 + u64::from(input.below(600)) } else { 1 };
		ext.execute_with(|| producer.open_block(slots));
		ext.commit_all().expect("the block's start commits");
		let extrinsics = 1 + input.below(MAX_EXTRINSICS_PER_BLOCK);
		for _ in 0..extrinsics {
			if input.is_empty() && pending.is_none() {
				break;
			}
			// A full block ends: the author moves on to the next one, as a node does.
			let retried = pending.is_some();
			if let Step::BlockFull(xt) = step(&mut ext, &mut input, &mut report, pending.take()) {
				// One that does not fit an empty block never will: dropped.
				pending = (!retried).then_some(xt);
				break;
			}
		}
		let number = ext.execute_with(|| {
			producer.close_block();
			let number = frame_system::Pallet::<bourse_runtime::Runtime>::block_number();
			checks::after_block(number);
			number
		});
		let _ = number;
		ext.commit_all().expect("the block commits");
		report.blocks += 1;
	}
	report
}

type Pending = (bourse_runtime::UncheckedExtrinsic, bourse_runtime::RuntimeCall);

/// Whether the block has room for more; if not, the extrinsic that did not fit.
enum Step {
	Applied,
	BlockFull(Pending),
}

/// Generates (or takes the pending one), signs, applies and checks one extrinsic.
fn step(
	ext: &mut sp_io::TestExternalities,
	input: &mut input::Input,
	report: &mut Report,
	pending: Option<Pending>,
) -> Step {
	let (xt, call, before) = ext.execute_with(|| {
		let (xt, call) = pending.unwrap_or_else(|| {
			let (who, call) = calls::next_call(input);
			let signer = calls::ACCOUNTS[who];
			let nonce = frame_system::Pallet::<bourse_runtime::Runtime>::account_nonce(
				signer.to_account_id(),
			);
			(chain::sign(signer, call.clone(), nonce), call)
		});
		(xt, call, checks::Snapshot::take())
	});
	let started = thread_cpu_time();
	let result = ext.execute_with(|| chain::Producer::apply(xt.clone()));
	let elapsed = thread_cpu_time().saturating_sub(started);
	let written: Vec<Vec<u8>> =
		ext.overlayed_changes().changes().map(|(key, _)| key.clone()).collect();
	ext.commit_all().expect("the extrinsic commits");
	let outcome =
		ext.execute_with(|| checks::after_extrinsic(&call, &result, &before, &written, elapsed));
	report.extrinsics += 1;
	let stats = report.calls.entry(call_name(&call)).or_default();
	match outcome {
		None => {
			stats.invalid += 1;
			if let Err(invalid) = &result {
				*report.errors.entry(format!("invalid: {invalid:?}")).or_default() += 1;
			}
		},
		Some(outcome) => {
			match &outcome.error {
				None => stats.succeeded += 1,
				Some(error) => {
					stats.failed += 1;
					*report.errors.entry(error_name(error)).or_default() += 1;
				},
			}
			for event in outcome.events {
				*report.events.entry(event).or_default() += 1;
			}
		},
	}
	use sp_runtime::transaction_validity::{InvalidTransaction, TransactionValidityError};
	match result {
		Err(TransactionValidityError::Invalid(InvalidTransaction::ExhaustsResources)) => {
			Step::BlockFull((xt, call))
		},
		_ => Step::Applied,
	}
}

/// CPU time this thread has used: what an extrinsic costs, without the time the machine gave
/// other processes meanwhile (wall-clock time made busy machines report false findings).
#[allow(unsafe_code)]
fn thread_cpu_time() -> Duration {
	let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
	// SAFETY: `now` is a valid, writable timespec; this clock exists on every Linux.
	let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
	assert_eq!(status, 0, "the thread CPU clock is readable");
	Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// Deterministic pseudo-random bytes (xorshift64*), for seeded runs.
pub fn seeded_bytes(seed: u64, len: usize) -> Vec<u8> {
	let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
	(0..len)
		.map(|_| {
			state ^= state >> 12;
			state ^= state << 25;
			state ^= state >> 27;
			(state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
		})
		.collect()
}
