//! The fuzzer as a regression test: fixed seeds, a few thousand extrinsics through the real
//! runtime, every check after every extrinsic and block. It must also exercise what it claims:
//! trades on the spot and the perp book, perp liquidations and root calls must happen, and
//! most trading calls must get through (else the generator only tests refusals).
use bourse_fuzz::{run, seeded_bytes, Report};

#[test]
fn seeded_runs_find_nothing_and_trade() {
	// `FUZZ_SEEDS=n` runs more (or fewer) seeds than the test suite's default.
	let seeds = std::env::var("FUZZ_SEEDS").ok().and_then(|n| n.parse().ok()).unwrap_or(8u64);
	let mut report = Report::default();
	for seed in 0..seeds {
		report.merge(run(&seeded_bytes(seed, 12_000)));
	}
	println!("{}", report.table());
	// Floors under what the default eight seeds reach: a generator change that stops
	// reaching the book fails here. Orders allowed all fills are charged most of a block up
	// front, so blocks hold few of them; the generator also sends small `max_fills`.
	assert!(report.extrinsics >= 600, "{}", report.table());
	assert!(report.succeeded("Orderbook.place_order") >= 15, "{}", report.table());
	assert!(report.event("Orderbook.Event::Filled") >= 8, "{}", report.table());
	assert!(report.event("Orderbook.Event::OrderCancelled") >= 15, "{}", report.table());
	assert!(report.succeeded("Orderbook.batch") >= 15, "{}", report.table());
	assert!(report.succeeded("Orderbook.place_orders") >= 10, "{}", report.table());
	assert!(report.succeeded("Perp.deposit_collateral") >= 5, "{}", report.table());
	assert!(report.succeeded("Sudo.sudo") >= 5, "{}", report.table());
}
