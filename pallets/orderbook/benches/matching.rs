//! Matching throughput on a book of 10k resting orders with a mixed workload (70% resting
//! limits, 20% crossing, 10% cancels):
//! 1. the pure engine over memory, beside a naive matcher (BTreeMap levels + VecDeque FIFO +
//!    HashMap index) as the baseline;
//! 2. the same engine over the pallet's storage layout (`StorageBook`: orders in book order and
//!    each side's front in the market's record) in a storage overlay (`TestExternalities`);
//! 3. the whole pallet path (validation, escrow in the trading ledger, settlement, fees, fill history,
//!    events) over a storage overlay, on the bare in-memory trie of `TestExternalities` and on
//!    the same trie behind a trie cache, as a node's state is (`--trie-cache-size`, 1 GiB by
//!    default). The bare trie decodes every node it passes on each read and each ordered seek.
//!
//! Criterion measures each; a table with orders/s and the ratio to the baseline follows.
//! Run: `cargo bench -p pallet-orderbook --bench matching`.
use std::{
	collections::{BTreeMap, HashMap, VecDeque},
	time::{Duration, Instant},
};

use bourse_primitives::orderbook::{
	AssetKind, Market, MarketKind, MarketStatus, Order, SelfTradePrevention, Side, TimeInForce,
};
use criterion::{BatchSize, Criterion, Throughput};
use pallet_orderbook::{
	engine::{self, memory::MemoryBook, BookStore, Incoming, MatchLimits},
	store::StorageBook,
};

const BOOK: usize = 10_000;
const OPS: usize = 10_000;
const MID: u128 = 10_000;

#[derive(Clone, Copy, Debug)]
enum Op {
	Rest { owner: u64, side: Side, price: u128, qty: u128 },
	Cross { owner: u64, side: Side, qty: u128 },
	Cancel { nth: usize },
}

/// Deterministic xorshift, so every engine sees the same workload.
struct Rng(u64);
impl Rng {
	fn next(&mut self) -> u64 {
		self.0 ^= self.0 << 13;
		self.0 ^= self.0 >> 7;
		self.0 ^= self.0 << 17;
		self.0
	}
	fn below(&mut self, n: u64) -> u64 {
		self.next() % n
	}
}

fn side(rng: &mut Rng) -> Side {
	if rng.below(2) == 0 {
		Side::Buy
	} else {
		Side::Sell
	}
}

/// Resting price: 1..=200 ticks away from the mid on the order's own side (never crosses).
fn resting_price(rng: &mut Rng, side: Side) -> u128 {
	let offset = 1 + rng.below(200) as u128;
	match side {
		Side::Buy => MID - offset,
		Side::Sell => MID + offset,
	}
}

fn prefill(rng: &mut Rng) -> Vec<Op> {
	(0..BOOK)
		.map(|_| {
			let side = side(rng);
			Op::Rest {
				owner: rng.below(1000),
				side,
				price: resting_price(rng, side),
				qty: 1 + rng.below(10) as u128,
			}
		})
		.collect()
}

fn workload(rng: &mut Rng) -> Vec<Op> {
	(0..OPS)
		.map(|_| match rng.below(10) {
			0..=6 => {
				let side = side(rng);
				Op::Rest {
					owner: rng.below(1000),
					side,
					price: resting_price(rng, side),
					qty: 1 + rng.below(10) as u128,
				}
			},
			7 | 8 => Op::Cross {
				owner: 1000 + rng.below(100),
				side: side(rng),
				qty: 1 + rng.below(20) as u128,
			},
			_ => Op::Cancel { nth: rng.below(u64::MAX) as usize },
		})
		.collect()
}

// ---- 1a. the engine, over memory or over storage --------------------------------------------

struct EngineBook<S> {
	book: S,
	next_id: u64,
	live: Vec<engine::OrderRef>,
	/// Quantity traded so far (both books must trade the same workload alike).
	traded: u128,
}

impl<S: BookStore<u64>> EngineBook<S> {
	fn new(book: S) -> Self {
		Self { book, next_id: 1, live: Vec::new(), traded: 0 }
	}
	fn apply(&mut self, op: Op) {
		let id = self.next_id;
		self.next_id += 1;
		let limits = MatchLimits { max_fills: 64, now: 0 };
		match op {
			Op::Rest { owner, side, price, qty } => {
				let incoming = Incoming {
					id,
					market: 0,
					owner,
					side,
					limit: Some(price),
					quantity: qty,
					quote_cap: None,
					self_trade: SelfTradePrevention::CancelMaker,
				};
				let out = engine::match_order(&mut self.book, &incoming, limits);
				self.traded += qty - out.remaining;
				if out.remaining > 0 {
					let order = Order {
						id,
						market: 0,
						owner,
						side,
						price,
						quantity: qty,
						filled: qty - out.remaining,
						placed_at: 0,
						expires_at: None,
						client_id: None,
						self_trade: SelfTradePrevention::CancelMaker,
						post_only: false,
					};
					engine::insert(&mut self.book, order);
					self.live.push(engine::OrderRef { id, market: 0, side, price });
				}
			},
			Op::Cross { owner, side, qty } => {
				let incoming = Incoming {
					id,
					market: 0,
					owner,
					side,
					limit: None,
					quantity: qty,
					quote_cap: None,
					self_trade: SelfTradePrevention::CancelMaker,
				};
				let out = engine::match_order(&mut self.book, &incoming, limits);
				self.traded += qty - out.remaining;
			},
			Op::Cancel { nth } => {
				if !self.live.is_empty() {
					let victim = self.live.swap_remove(nth % self.live.len());
					let _ = engine::cancel(&mut self.book, &victim);
				}
			},
		}
	}
}

// ---- 1b. the naive baseline -----------------------------------------------------------------

#[derive(Default)]
struct NaiveBook {
	bids: BTreeMap<u128, VecDeque<(u64, u64, u128)>>,
	asks: BTreeMap<u128, VecDeque<(u64, u64, u128)>>,
	index: HashMap<u64, (Side, u128)>,
	next_id: u64,
	live: Vec<u64>,
}

impl NaiveBook {
	fn take(&mut self, side: Side, limit: Option<u128>, mut qty: u128) -> u128 {
		while qty > 0 {
			let book = if side == Side::Buy { &mut self.asks } else { &mut self.bids };
			let best = if side == Side::Buy {
				book.keys().next().copied()
			} else {
				book.keys().next_back().copied()
			};
			let Some(price) = best else { break };
			if limit.is_some_and(|l| if side == Side::Buy { price > l } else { price < l }) {
				break;
			}
			let level = book.get_mut(&price).expect("level");
			while qty > 0 {
				let Some(front) = level.front_mut() else { break };
				let traded = qty.min(front.2);
				qty -= traded;
				front.2 -= traded;
				if front.2 == 0 {
					let (id, _, _) = level.pop_front().expect("front");
					self.index.remove(&id);
				}
			}
			if level.is_empty() {
				book.remove(&price);
			}
		}
		qty
	}
	fn apply(&mut self, op: Op) {
		let id = self.next_id;
		self.next_id += 1;
		match op {
			Op::Rest { owner, side, price, qty } => {
				let left = self.take(side, Some(price), qty);
				if left > 0 {
					let book = if side == Side::Buy { &mut self.bids } else { &mut self.asks };
					book.entry(price).or_default().push_back((id, owner, left));
					self.index.insert(id, (side, price));
					self.live.push(id);
				}
			},
			Op::Cross { side, qty, .. } => {
				self.take(side, None, qty);
			},
			Op::Cancel { nth } => {
				if !self.live.is_empty() {
					let victim = self.live.swap_remove(nth % self.live.len());
					if let Some((side, price)) = self.index.remove(&victim) {
						let book = if side == Side::Buy { &mut self.bids } else { &mut self.asks };
						if let Some(level) = book.get_mut(&price) {
							level.retain(|(id, _, _)| *id != victim);
							if level.is_empty() {
								book.remove(&price);
							}
						}
					}
				}
			},
		}
	}
}

// ---- 2. the pallet over a storage overlay ---------------------------------------------------

mod runtime {
	use frame_support::{
		derive_impl, parameter_types,
		traits::{AsEnsureOriginWithArg, ConstU128, ConstU32, VariantCountOf},
	};
	use frame_system::{EnsureRoot, EnsureSigned};

	type Block = frame_system::mocking::MockBlock<Test>;

	#[frame_support::runtime]
	mod runtime {
		#[runtime::runtime]
		#[runtime::derive(
			RuntimeCall,
			RuntimeEvent,
			RuntimeError,
			RuntimeOrigin,
			RuntimeTask,
			RuntimeHoldReason,
			RuntimeFreezeReason
		)]
		pub struct Test;
		#[runtime::pallet_index(0)]
		pub type System = frame_system;
		#[runtime::pallet_index(1)]
		pub type Balances = pallet_balances;
		#[runtime::pallet_index(2)]
		pub type Assets = pallet_assets;
		#[runtime::pallet_index(3)]
		pub type AssetsHolder = pallet_assets_holder;
		#[runtime::pallet_index(4)]
		pub type Orderbook = pallet_orderbook;
	}

	#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
	impl frame_system::Config for Test {
		type Block = Block;
		type AccountData = pallet_balances::AccountData<u128>;
	}
	#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
	impl pallet_balances::Config for Test {
		type Balance = u128;
		type ExistentialDeposit = ConstU128<1>;
		type AccountStore = System;
		type RuntimeHoldReason = RuntimeHoldReason;
		type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	}
	#[derive_impl(pallet_assets::config_preludes::TestDefaultConfig as pallet_assets::DefaultConfig)]
	impl pallet_assets::Config for Test {
		type Balance = u128;
		type CreateOrigin = AsEnsureOriginWithArg<EnsureSigned<u64>>;
		type ForceOrigin = EnsureRoot<u64>;
		type Currency = Balances;
		type Holder = AssetsHolder;
	}
	impl pallet_assets_holder::Config for Test {
		type RuntimeHoldReason = RuntimeHoldReason;
		type RuntimeEvent = RuntimeEvent;
	}
	parameter_types! {
		pub const BookPalletId: frame_support::PalletId = frame_support::PalletId(*b"bo/bench");
	}
	impl pallet_orderbook::Config for Test {
		type RuntimeHoldReason = RuntimeHoldReason;
		type Currency = Balances;
		type Assets = Assets;
		type AssetHolds = AssetsHolder;
		type PalletId = BookPalletId;
		type MarketOrigin = EnsureRoot<u64>;
		type FeeOrigin = EnsureRoot<u64>;
		type PerpSettlement = ();
		type OnStateChange = ();
		type MaxOrdersPerAccount = ConstU32<256>;
		type MaxAssetsPerAccount = ConstU32<32>;
		type MaxFillsPerOrder = ConstU32<64>;
		type MaxBatch = ConstU32<32>;
		type MaxPrice = ConstU128<100_000_000_000_000_000_000>;
		type MaxOrderQuantity = ConstU128<1_000_000_000_000_000_000>;
		type MaxExpiryHorizon = ConstU32<1_000_000>;
		type WeightInfo = ();
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper = BenchHelper;
	}

	/// The frame-benchmarking helper (the feature is on when the whole workspace is linted
	/// with it): the bench market, funded by minting.
	#[cfg(feature = "runtime-benchmarks")]
	pub struct BenchHelper;
	#[cfg(feature = "runtime-benchmarks")]
	impl pallet_orderbook::BenchmarkHelper<u64> for BenchHelper {
		fn market() -> bourse_primitives::orderbook::Market {
			super::market()
		}
		fn fund(who: &u64, _: &bourse_primitives::orderbook::Market) {
			use frame_support::traits::{fungible::Mutate as _, fungibles::Mutate as _};
			let _ = Balances::mint_into(who, 1 << 100);
			let _ = Assets::mint_into(1, who, 1 << 100);
		}
	}
}

use runtime::*;

fn market() -> Market {
	// Prices in ticks of 100 with lots of 10_000: tick*lot = 1e6 = PRICE_SCALE.
	Market {
		base: AssetKind::Asset(1),
		quote: AssetKind::Native,
		tick_size: 100,
		lot_size: 10_000,
		min_size: 10_000,
		maker_fee_ppm: 100,
		taker_fee_ppm: 200,
		status: MarketStatus::Active,
		kind: MarketKind::Spot,
	}
}

fn overlay_ext() -> sp_io::TestExternalities {
	use sp_runtime::BuildStorage;
	let vault: u64 = {
		use sp_runtime::traits::AccountIdConversion;
		BookPalletId::get().into_account_truncating()
	};
	let traders: Vec<u64> = (0..1100).collect();
	let accounts: Vec<u64> = traders.iter().copied().chain([vault]).collect();
	let storage = RuntimeGenesisConfig {
		system: Default::default(),
		balances: pallet_balances::GenesisConfig {
			balances: accounts.iter().map(|a| (*a, 1u128 << 100)).collect(),
			..Default::default()
		},
		assets: pallet_assets::GenesisConfig {
			assets: vec![(1, 0, true, 1)],
			metadata: vec![],
			accounts: accounts.iter().map(|a| (1, *a, 1u128 << 100)).collect(),
			next_asset_id: None,
			reserves: vec![],
		},
		orderbook: pallet_orderbook::GenesisConfig {
			markets: vec![market()],
			state: None,
			// Traders trade from the ledger: half of each token deposited.
			deposits: traders
				.iter()
				.flat_map(|a| {
					[(*a, AssetKind::Native, 1u128 << 99), (*a, AssetKind::Asset(1), 1u128 << 99)]
				})
				.collect(),
			_config: Default::default(),
		},
	}
	.build_storage()
	.expect("genesis");
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		// As in a block: extrinsics run in the ApplyExtrinsic phase (each event reads it).
		System::note_finished_initialize();
	});
	ext
}

fn overlay_apply(op: Op, live: &mut Vec<(u64, u64)>) {
	let (tick, lot) = (100u128, 10_000u128);
	let stp = SelfTradePrevention::CancelMaker;
	match op {
		Op::Rest { owner, side, price, qty } => {
			let id = pallet_orderbook::Pallet::<Test>::next_order_id();
			let origin = RuntimeOrigin::signed(owner);
			let tif = TimeInForce::GoodTilCancelled;
			if Orderbook::place_order(
				origin,
				0,
				side,
				price * tick,
				qty * lot,
				tif,
				None,
				None,
				stp,
				u32::MAX,
			)
			.is_ok() && Orderbook::order_ref(&owner, id).is_some()
			{
				live.push((id, owner));
			}
		},
		Op::Cross { owner, side, qty } => {
			let worst = if side == Side::Buy { 2 * MID * tick } else { tick };
			let bound = pallet_orderbook::MarketOrderBound::WorstPrice(worst);
			let _ = Orderbook::place_market_order(
				RuntimeOrigin::signed(owner),
				0,
				side,
				qty * lot,
				bound,
				stp,
			);
		},
		Op::Cancel { nth } => {
			if !live.is_empty() {
				let (victim, owner) = live.swap_remove(nth % live.len());
				if Orderbook::order_ref(&owner, victim).is_some() {
					let _ = Orderbook::cancel_order(RuntimeOrigin::signed(owner), victim);
				}
			}
		},
	}
}

/// A prefilled overlay and its live order ids; events are cleared so they do not pile up.
fn overlay_with_book(prefill: &[Op]) -> (sp_io::TestExternalities, Vec<(u64, u64)>) {
	let mut ext = overlay_ext();
	let mut live = Vec::new();
	ext.execute_with(|| {
		for op in prefill {
			overlay_apply(*op, &mut live);
		}
		System::reset_events();
	});
	ext.commit_all().expect("commit prefill");
	(ext, live)
}

/// [`overlay_with_book`] whose committed state sits behind a trie cache (cold: it fills as the
/// workload runs), as a node imports and authors blocks.
fn cached_overlay_with_book(prefill: &[Op]) -> (sp_io::TestExternalities, Vec<(u64, u64)>) {
	let (mut ext, live) = overlay_with_book(prefill);
	let cache = sp_trie::cache::SharedTrieCache::<sp_core::Blake2Hasher>::new(
		sp_trie::cache::CacheSize::new(1 << 30),
		None,
	);
	let root = *ext.backend.root();
	let db = core::mem::take(&mut ext.backend).into_storage();
	ext.backend = sp_state_machine::TrieBackendBuilder::new(db, root)
		.with_cache(cache.local_cache_trusted())
		.build();
	(ext, live)
}

fn run_overlay(ext: &mut sp_io::TestExternalities, live: &mut Vec<(u64, u64)>, ops: &[Op]) {
	ext.execute_with(|| {
		for (i, op) in ops.iter().enumerate() {
			overlay_apply(*op, live);
			if i % 256 == 0 {
				System::reset_events();
			}
		}
	});
}

// ---- measurement ----------------------------------------------------------------------------

fn engine_with_book(prefill: &[Op]) -> EngineBook<MemoryBook<u64>> {
	let mut e = EngineBook::new(MemoryBook::default());
	prefill.iter().for_each(|op| e.apply(*op));
	e
}

/// The engine over `StorageBook` in a committed overlay holding the prefilled book.
fn engine_storage_with_book(
	prefill: &[Op],
) -> (sp_io::TestExternalities, EngineBook<StorageBook<Test>>) {
	let mut ext = sp_io::TestExternalities::default();
	let mut e = EngineBook::new(StorageBook::<Test>::default());
	ext.execute_with(|| {
		// The market's record holds its best prices, as the pallet keeps it.
		let record =
			pallet_orderbook::store::MarketRecord { market: market(), top: Default::default() };
		pallet_orderbook::Markets::<Test>::insert(0, record);
		prefill.iter().for_each(|op| e.apply(*op))
	});
	ext.commit_all().expect("commit prefill");
	(ext, e)
}

fn run_engine_storage(
	ext: &mut sp_io::TestExternalities,
	e: &mut EngineBook<StorageBook<Test>>,
	ops: &[Op],
) {
	ext.execute_with(|| ops.iter().for_each(|op| e.apply(*op)));
}

fn naive_with_book(prefill: &[Op]) -> NaiveBook {
	let mut n = NaiveBook::default();
	prefill.iter().for_each(|op| n.apply(*op));
	n
}

fn bench(c: &mut Criterion, prefill: &[Op], ops: &[Op]) {
	let mut group = c.benchmark_group("mixed-workload-10k-book");
	group.throughput(Throughput::Elements(ops.len() as u64));
	group.measurement_time(Duration::from_secs(8)).sample_size(10);
	group.bench_function("engine-memory", |b| {
		b.iter_batched(
			|| engine_with_book(prefill),
			|mut e| ops.iter().for_each(|op| e.apply(*op)),
			BatchSize::LargeInput,
		)
	});
	group.bench_function("naive-baseline", |b| {
		b.iter_batched(
			|| naive_with_book(prefill),
			|mut n| ops.iter().for_each(|op| n.apply(*op)),
			BatchSize::LargeInput,
		)
	});
	group.bench_function("engine-storage-overlay", |b| {
		b.iter_batched(
			|| engine_storage_with_book(prefill),
			|(mut ext, mut e)| run_engine_storage(&mut ext, &mut e, ops),
			BatchSize::LargeInput,
		)
	});
	group.bench_function("pallet-storage-overlay", |b| {
		b.iter_batched(
			|| overlay_with_book(prefill),
			|(mut ext, mut live)| run_overlay(&mut ext, &mut live, ops),
			BatchSize::LargeInput,
		)
	});
	group.bench_function("pallet-storage-overlay-trie-cache", |b| {
		b.iter_batched(
			|| cached_overlay_with_book(prefill),
			|(mut ext, mut live)| run_overlay(&mut ext, &mut live, ops),
			BatchSize::LargeInput,
		)
	});
	group.finish();
}

/// Best of `runs` timings of `f` over `ops.len()` orders, in orders per second.
fn rate<S>(
	runs: usize,
	ops: usize,
	mut setup: impl FnMut() -> S,
	mut f: impl FnMut(&mut S),
) -> f64 {
	(0..runs)
		.map(|_| {
			let mut state = setup();
			let start = Instant::now();
			f(&mut state);
			ops as f64 / start.elapsed().as_secs_f64()
		})
		.fold(0.0, f64::max)
}

fn main() {
	let mut rng = Rng(0x5eed_cafe_f00d_d00d);
	let prefill = prefill(&mut rng);
	let ops = workload(&mut rng);

	// `BOURSE_BENCH_PROFILE=overlay` runs only the pallet path once, e.g. under
	// `perf record`, to see where its time goes; `overlay-resting` only the workload's resting
	// orders; `overlay-cached` the pallet path behind a trie cache.
	let profile = std::env::var("BOURSE_BENCH_PROFILE").ok();
	if let Some(mode @ ("overlay" | "overlay-resting" | "overlay-cached")) = profile.as_deref() {
		let ops: Vec<Op> = match mode {
			"overlay-resting" => {
				ops.into_iter().filter(|op| matches!(op, Op::Rest { .. })).collect()
			},
			_ => ops,
		};
		let (mut ext, mut live) = match mode {
			"overlay-cached" => cached_overlay_with_book(&prefill),
			_ => overlay_with_book(&prefill),
		};
		let start = Instant::now();
		run_overlay(&mut ext, &mut live, &ops);
		println!(
			"pallet over storage overlay: {:.0} orders/s",
			ops.len() as f64 / start.elapsed().as_secs_f64()
		);
		return;
	}

	// The engine over storage must trade the workload exactly as over memory (a bench of a
	// book that never matched would be fast and meaningless).
	let mut memory = engine_with_book(&prefill);
	ops.iter().for_each(|op| memory.apply(*op));
	let (mut ext, mut storage) = engine_storage_with_book(&prefill);
	run_engine_storage(&mut ext, &mut storage, &ops);
	assert!(memory.traded > 0, "the workload trades");
	assert_eq!(memory.traded, storage.traded, "the engine trades alike over memory and storage");

	let mut criterion = Criterion::default().configure_from_args();
	bench(&mut criterion, &prefill, &ops);
	criterion.final_summary();

	let engine = rate(
		5,
		ops.len(),
		|| engine_with_book(&prefill),
		|e| ops.iter().for_each(|op| e.apply(*op)),
	);
	let naive = rate(
		5,
		ops.len(),
		|| naive_with_book(&prefill),
		|n| ops.iter().for_each(|op| n.apply(*op)),
	);
	let engine_storage = rate(
		3,
		ops.len(),
		|| engine_storage_with_book(&prefill),
		|(ext, e)| run_engine_storage(ext, e, &ops),
	);
	let overlay = rate(
		3,
		ops.len(),
		|| overlay_with_book(&prefill),
		|(ext, live)| run_overlay(ext, live, &ops),
	);
	println!("\n{:<34} {:>14} {:>10}", "mixed workload, 10k resting", "orders/s", "vs naive");
	println!("{:<34} {:>14.0} {:>10.2}", "naive (BTreeMap+VecDeque+HashMap)", naive, 1.0);
	println!("{:<34} {:>14.0} {:>10.2}", "engine over memory", engine, engine / naive);
	println!(
		"{:<34} {:>14.0} {:>10.2}",
		"engine over storage overlay",
		engine_storage,
		engine_storage / naive
	);
	let cached = rate(
		3,
		ops.len(),
		|| cached_overlay_with_book(&prefill),
		|(ext, live)| run_overlay(ext, live, &ops),
	);
	println!("{:<34} {:>14.0} {:>10.2}", "pallet over storage overlay", overlay, overlay / naive);
	println!(
		"{:<34} {:>14.0} {:>10.2}",
		"  the same, trie cache (as a node)",
		cached,
		cached / naive
	);
}
