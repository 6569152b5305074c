//! Export and import of a large trading state with the real runtime's pallets (native):
//! 100k resting orders (spot and perp) and 10k perp positions over 10k accounts.
//!
//! `cargo bench -p bourse-runtime --bench trading_state` prints one table: building genesis
//! from the state (what `import-trading-state` checks and a new chain starts from), exporting it
//! back from storage, and the JSON file's size and (de)serialisation time. The node runs the
//! import inside the wasm runtime, which is slower than these native figures.
use std::time::{Duration, Instant};

use bourse_primitives::{
	orderbook::{AssetKind, MarketKind, MarketStatus, SelfTradePrevention, Side},
	perp::MarginMode,
	trading_state::{
		digest, AccountAmount, AssetState, BalancesState, LedgerEntryState, OrderState,
		OrderbookState, PerpAccountState, PerpMarketState, PerpState, PositionState,
		TradingStateFile, FORMAT_VERSION,
	},
};
use bourse_runtime::{AccountId, Orderbook, Perp, Runtime, RuntimeGenesisConfig};
use sp_core::H256;
use sp_runtime::BuildStorage;

const ACCOUNTS: usize = 10_000;
const ORDERS_PER_ACCOUNT: usize = 10;
const SPOT: u32 = 0;
const PERP: u32 = 1;
const USDB: u32 = 1;
const WBTC: u32 = 2;
const LOT: u128 = 10_000;
const PRICE: u128 = 600_000_000;
const FUNDS: u128 = 1 << 60;

fn account(i: usize) -> AccountId {
	AccountId::new(sp_io::hashing::blake2_256(&(i as u64).to_le_bytes()))
}

fn market(id: u32, kind: MarketKind) -> bourse_primitives::trading_state::MarketState {
	bourse_primitives::trading_state::MarketState {
		id,
		kind,
		base: AssetKind::Asset(WBTC),
		quote: AssetKind::Asset(USDB),
		tick_size: 10_000,
		lot_size: LOT,
		min_size: LOT,
		maker_fee_ppm: 200,
		taker_fee_ppm: 500,
		status: MarketStatus::Active,
	}
}

/// The state: every account rests 10 orders (half spot, half perp; bids below and asks above
/// 60,000, 40 orders per price level) and holds one perp position (longs and shorts in pairs).
fn state() -> TradingStateFile<AccountId> {
	let accounts: Vec<AccountId> = (0..ACCOUNTS).map(account).collect();
	let mut orders: Vec<OrderState<AccountId>> = Vec::new();
	let mut id = 1;
	for (i, who) in accounts.iter().enumerate() {
		for k in 0..ORDERS_PER_ACCOUNT {
			let n = (i * ORDERS_PER_ACCOUNT + k) as u128;
			let side = if k % 2 == 0 { Side::Buy } else { Side::Sell };
			let level = 1 + (n / 4) % 625;
			orders.push(OrderState {
				id,
				market: if k < ORDERS_PER_ACCOUNT / 2 { SPOT } else { PERP },
				owner: who.clone(),
				side,
				price: match side {
					Side::Buy => PRICE - level * 10_000,
					Side::Sell => PRICE + level * 10_000,
				},
				quantity: 10 * LOT,
				filled: if k % 3 == 0 { LOT } else { 0 },
				placed_at: 1,
				expires_at: None,
				client_id: Some(id),
				self_trade: SelfTradePrevention::CancelMaker,
				post_only: false,
			});
			id += 1;
		}
	}
	// Book order: per market bids best first, then asks best first; arrival within a level.
	orders.sort_by_key(|o| {
		let price_rank = match o.side {
			Side::Buy => u128::MAX - o.price,
			Side::Sell => o.price,
		};
		(o.market, o.side == Side::Sell, price_rank, o.id)
	});
	// Spot orders trade from the ledger: each owner's escrow is locked there.
	let mut locked: std::collections::BTreeMap<(AccountId, AssetKind), u128> = Default::default();
	for o in orders.iter().filter(|o| o.market == SPOT) {
		let remaining = o.quantity - o.filled;
		let (asset, amount) = match o.side {
			Side::Buy => (AssetKind::Asset(USDB), remaining * o.price / 1_000_000),
			Side::Sell => (AssetKind::Asset(WBTC), remaining),
		};
		*locked.entry((o.owner.clone(), asset)).or_default() += amount;
	}
	let vault_of = |asset: AssetKind| -> u128 {
		locked.iter().filter(|((_, a), _)| *a == asset).map(|(_, v)| v).sum::<u128>() + 1
	};
	let (vault_usdb, vault_wbtc) =
		(vault_of(AssetKind::Asset(USDB)), vault_of(AssetKind::Asset(WBTC)));
	let ledger_entries = locked
		.into_iter()
		.map(|((account, asset), locked)| LedgerEntryState { account, asset, free: 0, locked })
		.collect();
	let orderbook = OrderbookState {
		next_market_id: 2,
		next_order_id: id,
		markets: vec![market(SPOT, MarketKind::Spot), market(PERP, MarketKind::Perp)],
		orders,
		ledger: ledger_entries,
		fees: Vec::new(),
	};

	let mut perp_accounts = Vec::new();
	let mut open_interest = 0;
	let mut ledger: i128 = 0;
	for (i, who) in accounts.iter().enumerate() {
		let lots = (i as i128 / 2) % 5 + 1;
		let size = if i % 2 == 0 { lots * LOT as i128 } else { -lots * LOT as i128 };
		open_interest += size.max(0) as u128;
		let isolated = i % 3 != 0;
		let position = PositionState {
			market: PERP,
			size,
			quote_balance: -size * 600,
			realized_pnl: 0,
			funding_snapshot: 0,
			isolated_margin: if isolated { 10_000_000_000 } else { 0 },
		};
		let collateral = 1_000_000_000_000;
		ledger += collateral + position.isolated_margin + position.quote_balance;
		perp_accounts.push(PerpAccountState {
			account: who.clone(),
			collateral,
			margin_mode: if isolated { MarginMode::Isolated } else { MarginMode::Cross },
			positions: vec![position],
		});
	}
	perp_accounts.sort_by(|a, b| a.account.cmp(&b.account));
	let perp = PerpState {
		markets: vec![PerpMarketState {
			id: PERP,
			initial_margin_ppm: 100_000,
			maintenance_margin_ppm: 50_000,
			liquidation_fee_ppm: 10_000,
			funding_interval: 1_800,
			max_funding_rate_ppm: 1_000,
			index_price: PRICE,
			cumulative_funding: 0,
			last_funding_rate_ppm: 0,
			last_funding_block: 0,
			open_interest,
		}],
		accounts: perp_accounts,
	};

	let holders = |asset: u32| {
		let mut list: Vec<AccountAmount<AccountId>> =
			accounts.iter().map(|a| AccountAmount { account: a.clone(), amount: FUNDS }).collect();
		// The vault: the ledger's locked escrow, perp collateral, its seed of 1.
		let vault = match asset {
			USDB => vault_usdb + ledger as u128,
			_ => vault_wbtc,
		};
		list.push(AccountAmount { account: Perp::vault(), amount: vault });
		list.sort_by(|a, b| a.account.cmp(&b.account));
		list
	};
	let token = |id: u32, symbol: &str| AssetState {
		id,
		owner: account(0),
		is_sufficient: true,
		min_balance: 1,
		name: symbol.into(),
		symbol: symbol.into(),
		decimals: 6,
		accounts: holders(id),
	};
	let mut native: Vec<AccountAmount<AccountId>> = accounts
		.iter()
		.map(|a| AccountAmount { account: a.clone(), amount: 1_000_000_000_000 })
		.collect();
	native.sort_by(|a, b| a.account.cmp(&b.account));
	let balances = BalancesState { native, assets: vec![token(USDB, "USDB"), token(WBTC, "WBTC")] };
	TradingStateFile {
		version: FORMAT_VERSION,
		source: bourse_primitives::trading_state::Source {
			chain: "bench".into(),
			block_number: 0,
			block_hash: H256::zero(),
			spec_version: bourse_runtime::VERSION.spec_version,
			state_digest: H256::zero(),
			checkpoints: Vec::new(),
		},
		digest: digest(&balances, &orderbook, &perp),
		balances,
		orderbook,
		perp,
	}
}

/// The genesis `import-trading-state` puts in the chain spec (native build).
fn genesis(file: &TradingStateFile<AccountId>) -> sp_core::storage::Storage {
	let b = &file.balances;
	RuntimeGenesisConfig {
		balances: pallet_balances::GenesisConfig {
			balances: b.native.iter().map(|a| (a.account.clone(), a.amount)).collect(),
			..Default::default()
		},
		assets: pallet_assets::GenesisConfig {
			assets: b.assets.iter().map(|a| (a.id, a.owner.clone(), true, a.min_balance)).collect(),
			metadata: b
				.assets
				.iter()
				.map(|a| {
					(a.id, a.name.clone().into_bytes(), a.symbol.clone().into_bytes(), a.decimals)
				})
				.collect(),
			accounts: b
				.assets
				.iter()
				.flat_map(|a| a.accounts.iter().map(move |h| (a.id, h.account.clone(), h.amount)))
				.collect(),
			..Default::default()
		},
		orderbook: pallet_orderbook::GenesisConfig {
			markets: Vec::new(),
			state: Some(file.orderbook.clone()),
			..Default::default()
		},
		perp: pallet_perp::GenesisConfig {
			markets: Vec::new(),
			state: Some(file.perp.clone()),
			..Default::default()
		},
		..Default::default()
	}
	.build_storage()
	.expect("the state imports")
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
	let mut best = Duration::MAX;
	let mut out = None;
	for _ in 0..runs {
		let started = Instant::now();
		let value = f();
		best = best.min(started.elapsed());
		out = Some(value);
	}
	(best, out.expect("at least one run"))
}

fn main() {
	let file = state();
	let (orders, positions) = (file.orderbook.orders.len(), file.perp.accounts.len());
	let (serialize, json) = best_of(3, || serde_json::to_vec_pretty(&file).expect("json"));
	let (parse, parsed) = best_of(3, || {
		serde_json::from_slice::<TradingStateFile<AccountId>>(&json).expect("parses")
	});
	assert_eq!(parsed, file);
	let (import, storage) = best_of(3, || genesis(&file));
	let mut ext = sp_io::TestExternalities::new(storage);
	let (export, exported) =
		best_of(3, || ext.execute_with(|| (Orderbook::export_state(), Perp::export_state())));
	assert_eq!(exported, (file.orderbook.clone(), file.perp.clone()), "round trip");
	let open = ext.execute_with(pallet_orderbook::Pallet::<Runtime>::open_order_count);
	assert_eq!(open as usize, orders);

	println!("trading state: {orders} resting orders, {positions} positions, {ACCOUNTS} accounts");
	println!("{:<44} {:>12}", "step (best of 3, native, release)", "result");
	println!("{:<44} {:>9.1} MB", "file size (pretty JSON)", json.len() as f64 / 1e6);
	println!("{:<44} {:>9} ms", "serialize file", serialize.as_millis());
	println!("{:<44} {:>9} ms", "parse file", parse.as_millis());
	println!("{:<44} {:>9} ms", "import: build genesis storage from it", import.as_millis());
	println!("{:<44} {:>9} ms", "export: order book + perps from storage", export.as_millis());
}
