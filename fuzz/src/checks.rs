//! What must hold after every extrinsic and block. A violation is a finding: the fuzzer
//! panics with what broke and the call that broke it (libFuzzer saves the input).
use bourse_runtime::{Runtime, RuntimeCall, RuntimeEvent};
use frame_support::weights::Weight;
use sp_runtime::{ApplyExtrinsicResult, DispatchError};
use std::time::Duration;

/// Token supplies and the event count before an extrinsic.
pub struct Snapshot {
	native: u128,
	assets: Vec<(u32, u128)>,
	events: usize,
}

impl Snapshot {
	/// Reads the supplies (inside the externalities).
	pub fn take() -> Self {
		let mut assets: Vec<(u32, u128)> =
			pallet_assets::Asset::<Runtime>::iter().map(|(id, a)| (id, a.supply)).collect();
		assets.sort();
		Self {
			native: pallet_balances::TotalIssuance::<Runtime>::get(),
			assets,
			events: frame_system::Pallet::<Runtime>::event_count() as usize,
		}
	}
}

fn finding(what: &str, call: &RuntimeCall, detail: impl core::fmt::Debug) -> ! {
	panic!("fuzzer finding: {what}\n  call: {call:?}\n  detail: {detail:?}")
}

/// Every pallet's `try_state` invariants (order book, perps, checkpoints).
pub fn invariants() -> Result<(), &'static str> {
	pallet_orderbook::Pallet::<Runtime>::do_try_state()
		.map_err(|_| "order book")
		.and_then(|()| pallet_perp::Pallet::<Runtime>::do_try_state().map_err(|_| "perp"))
		.and_then(|()| {
			pallet_checkpoint::Pallet::<Runtime>::do_try_state().map_err(|_| "checkpoint")
		})
}

fn invariant_error() -> sp_runtime::TryRuntimeError {
	pallet_orderbook::Pallet::<Runtime>::do_try_state()
		.and_then(|()| pallet_perp::Pallet::<Runtime>::do_try_state())
		.and_then(|()| pallet_checkpoint::Pallet::<Runtime>::do_try_state())
		.expect_err("called after a failed check")
}

/// Storage a failed extrinsic may change, and whose writes the extrinsic base weight already
/// pays: the signer's nonce and fee (`System::Account`), events, block weight and length, the
/// fee multiplier, the native issuance the burnt fee lowers, and the well-known `:`-keys
/// (`:extrinsic_index`, the storage-transaction level).
pub fn is_bookkeeping(key: &[u8]) -> bool {
	let system = sp_io::hashing::twox_128(b"System");
	let payment = sp_io::hashing::twox_128(b"TransactionPayment");
	let issuance =
		[sp_io::hashing::twox_128(b"Balances"), sp_io::hashing::twox_128(b"TotalIssuance")]
			.concat();
	key.starts_with(&system)
		|| key.starts_with(&payment)
		|| key == issuance.as_slice()
		|| key.starts_with(b":")
}

/// Whether benchmarks leave `key` uncounted (`#[pallet::whitelist_storage]`).
pub fn is_whitelisted(key: &[u8]) -> bool {
	use frame_support::traits::WhitelistedStorageKeys;
	bourse_runtime::AllPalletsWithSystem::whitelisted_storage_keys().iter().any(|w| w.key == key)
}

/// Whether a call's write of `key` is charged once per block by a pallet's `on_initialize`
/// instead of by the call: the whitelisted counters and every market's record (pallet-orderbook
/// charges one read and one write of each market per block).
pub fn is_charged_per_block(key: &[u8]) -> bool {
	use frame_support::storage::StoragePrefixedMap;
	is_whitelisted(key)
		|| key.starts_with(&pallet_orderbook::Markets::<bourse_runtime::Runtime>::final_prefix())
}

/// A storage key as `Pallet.Item` when it is one of the runtime's, else its bytes.
pub fn key_name(key: &[u8]) -> String {
	use frame_support::traits::PalletInfoAccess;
	let pallets: [(&str, &[&str]); 4] = [
		(
			bourse_runtime::Orderbook::name(),
			&[
				"Markets",
				"Orders",
				"Accounts",
				"Expiries",
				"OrderCounters",
				"NextFillId",
				"FeeBalances",
			],
		),
		(
			bourse_runtime::Perp::name(),
			&[
				"Collateral",
				"Positions",
				"IsolatedMargin",
				"ReservedNotional",
				"AccountMarkets",
				"PerpMarkets",
				"Prices",
			],
		),
		(bourse_runtime::Checkpoint::name(), &["StateDigest", "Checkpoints", "Interval"]),
		(
			bourse_runtime::Balances::name(),
			&["TotalIssuance", "Account", "Holds", "Freezes", "Locks", "Reserves"],
		),
	];
	for (pallet, items) in pallets {
		let prefix = sp_io::hashing::twox_128(pallet.as_bytes());
		if key.starts_with(&prefix) {
			let item = items
				.iter()
				.find(|i| key[16..].starts_with(&sp_io::hashing::twox_128(i.as_bytes())))
				.copied()
				.unwrap_or("?");
			return format!("{pallet}.{item}");
		}
	}
	match core::str::from_utf8(key) {
		Ok(text) => text.to_string(),
		Err(_) => format!("0x{}", sp_core::hexdisplay::HexDisplay::from(&key)),
	}
}

/// What one extrinsic did, as the checks and the report need it.
pub struct Outcome {
	/// The extrinsic's actual weight (from its `ExtrinsicSuccess` / `ExtrinsicFailed` event).
	pub weight: Weight,
	/// The dispatch error, if the call (or the call sudo ran) failed.
	pub error: Option<DispatchError>,
	/// Names of the events it deposited.
	pub events: Vec<String>,
}

/// Checks one applied extrinsic (inside the externalities, after its changes were committed):
/// invariants, supplies, that a failed call changed only bookkeeping, and that its weight
/// pays for the storage it wrote (and, in optimised builds, for the time it took).
pub fn after_extrinsic(
	call: &RuntimeCall,
	result: &ApplyExtrinsicResult,
	before: &Snapshot,
	written: &[Vec<u8>],
	elapsed: Duration,
) -> Option<Outcome> {
	if invariants().is_err() {
		finding("an invariant broke", call, (invariant_error(), result));
	}
	let after = Snapshot::take();
	let Ok(dispatched) = result else {
		// Invalid: the block builder dropped it and its changes.
		if !written.is_empty() || after.native != before.native {
			finding("an invalid extrinsic changed storage", call, result);
		}
		return None;
	};
	let records = frame_system::Pallet::<Runtime>::read_events_no_consensus()
		.skip(before.events)
		.collect::<Vec<_>>();
	let mut outcome = Outcome { weight: Weight::zero(), error: None, events: Vec::new() };
	let (mut burnt, mut inner_failed) = (0u128, false);
	for record in &records {
		outcome.events.push(event_name(&record.event));
		match &record.event {
			RuntimeEvent::System(frame_system::Event::ExtrinsicSuccess { dispatch_info })
			| RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
				dispatch_info, ..
			}) => {
				outcome.weight = dispatch_info.weight;
			},
			RuntimeEvent::TransactionPayment(
				pallet_transaction_payment::Event::TransactionFeePaid { actual_fee, .. },
			) => burnt = burnt.saturating_add(*actual_fee),
			RuntimeEvent::Balances(pallet_balances::Event::DustLost { amount, .. }) => {
				burnt = burnt.saturating_add(*amount)
			},
			RuntimeEvent::Sudo(pallet_sudo::Event::Sudid { sudo_result: Err(e) }) => {
				inner_failed = true;
				outcome.error = Some(*e);
			},
			_ => {},
		}
	}
	if let Err(e) = dispatched {
		outcome.error = Some(*e);
	}
	// Fees (and dust) are burnt; nothing else mints or burns any token.
	if before.native.checked_sub(burnt) != Some(after.native) {
		finding(
			"the native issuance moved by more than the fees",
			call,
			(before.native, burnt, after.native),
		);
	}
	if before.assets != after.assets {
		finding("an asset's supply changed", call, (&before.assets, &after.assets));
	}
	let work: Vec<&Vec<u8>> = written.iter().filter(|k| !is_bookkeeping(k)).collect();
	if (dispatched.is_err() || inner_failed) && !work.is_empty() {
		let keys: Vec<String> = work.iter().map(|k| key_name(k)).collect();
		finding("a failed call changed storage", call, (&outcome.error, keys));
	}
	// Hot keys (per-block counters, market records) are charged once per block by their
	// pallets' `on_initialize`, not per call.
	let charged = work.iter().filter(|k| !is_charged_per_block(k)).count();
	let write = <Runtime as frame_system::Config>::DbWeight::get().write;
	let writes_cost = write.saturating_mul(charged as u64);
	if outcome.weight.ref_time() < writes_cost {
		finding(
			"a call was charged less than the storage it wrote",
			call,
			(outcome.weight, work.len(), outcome.events.clone()),
		);
	}
	check_time(call, outcome.weight, elapsed);
	Some(outcome)
}

/// Optimised native code is faster than the benchmarked wasm: taking longer than the weight
/// (beyond a margin for the signature check and the machine's noise) means the call does
/// work its weight does not count. Debug builds are far slower than wasm and are not timed.
fn check_time(call: &RuntimeCall, weight: Weight, elapsed: Duration) {
	if cfg!(debug_assertions) {
		return;
	}
	let margin = Duration::from_millis(5);
	let charged = Duration::from_nanos(weight.ref_time() / 1_000);
	if elapsed > charged + margin {
		finding("a call took longer than its weight", call, (elapsed, weight));
	}
}

/// Checks a block's end: invariants, and that its weight stays within the block limit.
pub fn after_block(number: u32) {
	if invariants().is_err() {
		panic!(
			"fuzzer finding: an invariant broke in block {number}'s hooks: {:?}",
			invariant_error()
		);
	}
	let used = frame_system::Pallet::<Runtime>::block_weight().total();
	let max = <Runtime as frame_system::Config>::BlockWeights::get().max_block;
	if !used.all_lte(max) {
		panic!("fuzzer finding: block {number} weighs {used:?}, more than the limit {max:?}");
	}
}

/// `Pallet.Variant` of an event, for the report.
pub fn event_name(event: &RuntimeEvent) -> String {
	let text = format!("{event:?}");
	let (pallet, rest) = text.split_once('(').unwrap_or((&text, ""));
	let variant = rest.split([' ', '{', '(', ')']).next().unwrap_or_default();
	format!("{pallet}.{variant}")
}
