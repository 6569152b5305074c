//! Export/import of the trading state (order book + perps) on the mock runtime: round trips
//! of a traded state and of a large synthetic one, and refusal of inconsistent states.
use crate::{mock::*, *};
use bourse_primitives::{
	orderbook::{AssetKind, MarketKind, MarketStatus, SelfTradePrevention, Side, TimeInForce},
	perp::MarginMode,
	trading_state::{
		MarketState, OrderState, OrderbookState, PerpAccountState, PerpMarketState, PerpState,
		PositionState,
	},
};
use frame_support::{assert_ok, traits::Hooks};
use sp_runtime::BuildStorage;

const LOT: u128 = 100_000;
const M: u32 = 0;

/// Native total (free + held) of every account.
fn balances() -> Vec<(AccountId, u128)> {
	let mut all: Vec<_> = frame_system::Account::<Test>::iter()
		.map(|(who, info)| (who, info.data.free + info.data.reserved))
		.filter(|(_, total)| *total > 0)
		.collect();
	all.sort();
	all
}

type State = (OrderbookState<AccountId>, PerpState<AccountId>, Vec<(AccountId, u128)>);

fn export() -> State {
	(Orderbook::export_state(), Perp::export_state(), balances())
}

/// A new chain whose genesis holds `state`.
fn import(state: &State) -> Result<sp_io::TestExternalities, String> {
	let (book, perp, native) = state.clone();
	let built = std::panic::catch_unwind(move || {
		RuntimeGenesisConfig {
			system: Default::default(),
			balances: pallet_balances::GenesisConfig { balances: native, ..Default::default() },
			assets: Default::default(),
			orderbook: pallet_orderbook::GenesisConfig {
				markets: Vec::new(),
				state: Some(book),
				..Default::default()
			},
			perp: crate::GenesisConfig {
				markets: Vec::new(),
				state: Some(perp),
				_config: Default::default(),
			},
		}
		.build_storage()
	});
	match built {
		Ok(storage) => {
			let mut ext = sp_io::TestExternalities::new(storage.expect("storage"));
			ext.execute_with(|| System::set_block_number(1));
			Ok(ext)
		},
		Err(panic) => Err(panic
			.downcast_ref::<String>()
			.cloned()
			.or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
			.unwrap_or_default()),
	}
}

fn place(who: AccountId, side: Side, ticks: u128, lots: u128, tif: TimeInForce) {
	let _ = Orderbook::place_order(
		RuntimeOrigin::signed(who),
		M,
		side,
		ticks * 10,
		lots * LOT,
		tif,
		None,
		None,
		SelfTradePrevention::CancelMaker,
		u32::MAX,
	);
}

/// Trading that leaves positions (isolated and cross), funding, fees and resting orders.
fn trade() {
	assert_ok!(Perp::create_perp_market(
		RuntimeOrigin::root(),
		AssetKind::Asset(7),
		10,
		LOT,
		LOT,
		100,
		200,
		100_000,
		50_000,
		10,
		10_000,
		10,
		1_000
	));
	assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 1_000));
	assert_ok!(Perp::set_margin_mode(RuntimeOrigin::signed(BOB), MarginMode::Cross));
	for who in [ALICE, BOB, CHARLIE] {
		assert_ok!(Perp::deposit_collateral(RuntimeOrigin::signed(who), 5_000));
	}
	for round in 0..6u128 {
		place(ALICE, Side::Sell, 100 + round % 3, 2, TimeInForce::GoodTilCancelled);
		place(BOB, Side::Buy, 101, 1, TimeInForce::ImmediateOrCancel);
		place(CHARLIE, Side::Buy, 97 - round % 2, 1, TimeInForce::GoodTilCancelled);
		if round == 3 {
			System::set_block_number(20);
			Perp::on_initialize(20);
		}
	}
}

#[test]
fn traded_state_round_trips_exactly() {
	let state = new_test_ext().execute_with(|| {
		trade();
		export()
	});
	let (book, perp, _) = &state;
	assert!(book.orders.len() >= 6, "resting orders on both sides: {:?}", book.orders);
	assert!(perp.accounts.iter().any(|a| !a.positions.is_empty()));
	assert!(perp.markets[0].cumulative_funding != 0 || perp.markets[0].last_funding_block > 0);

	import(&state).expect("imports").execute_with(|| {
		assert_eq!(export(), state, "export -> import -> export is the identity");
		let vault = frame_system::Account::<Test>::get(Perp::vault()).data.free;
		// The vault also keeps its own seed (existential deposit), which backs nobody.
		assert_eq!(
			Perp::ledger_total(),
			(vault - VAULT_SEED) as i128,
			"the vault backs the ledger"
		);
		// Reservations of resting perp orders were rebuilt as placing them made them.
		let reserved: u128 = ReservedNotional::<Test>::iter_values().sum();
		let expected: u128 = state
			.0
			.orders
			.iter()
			.map(|o| bourse_primitives::orderbook::quote_amount(o.price, o.quantity - o.filled))
			.map(|n| n.expect("exact"))
			.sum();
		assert_eq!(reserved, expected);
		// The imported chain trades on: Bob lifts Alice's best ask.
		let best_ask = state.0.orders.iter().find(|o| o.side == Side::Sell).expect("an ask");
		let before = Positions::<Test>::get(BOB, M).map_or(0, |p| p.size);
		place(BOB, Side::Buy, best_ask.price / 10, 1, TimeInForce::ImmediateOrCancel);
		assert_eq!(Positions::<Test>::get(BOB, M).map_or(0, |p| p.size), before + LOT as i128);
	});
}

/// `accounts` traders, each with `orders_each` resting orders and one position (longs and
/// shorts in pairs at price 1_000), in canonical export order.
fn synthetic(accounts: u64, orders_each: u64) -> State {
	let market = MarketState {
		id: M,
		kind: MarketKind::Perp,
		base: AssetKind::Asset(7),
		quote: AssetKind::Native,
		tick_size: 10,
		lot_size: LOT,
		min_size: LOT,
		maker_fee_ppm: 100,
		taker_fee_ppm: 200,
		status: MarketStatus::Active,
	};
	let traders: Vec<AccountId> = (0..accounts).map(|i| 10_000 + i).collect();
	let mut bids = Vec::new();
	let mut asks = Vec::new();
	let mut id = 1;
	for (i, who) in traders.iter().enumerate() {
		for k in 0..orders_each {
			let level = (i as u128 * orders_each as u128 + k as u128) / 8;
			let side = if k % 2 == 0 { Side::Buy } else { Side::Sell };
			// Four orders per price level, far from the positions' price: any valid book will do.
			let price = match side {
				Side::Buy => 100_000 - 10 * level,
				Side::Sell => 100_010 + 10 * level,
			};
			let order = OrderState {
				id,
				market: M,
				owner: *who,
				side,
				price,
				quantity: 2 * LOT,
				filled: if k % 3 == 0 { LOT } else { 0 },
				placed_at: 1,
				expires_at: None,
				client_id: Some(id),
				self_trade: SelfTradePrevention::CancelMaker,
				post_only: k % 5 == 0,
			};
			id += 1;
			match side {
				Side::Buy => bids.push(order),
				Side::Sell => asks.push(order),
			}
		}
	}
	// Book order: best price first, then arrival (id).
	bids.sort_by_key(|o| (core::cmp::Reverse(o.price), o.id));
	asks.sort_by_key(|o| (o.price, o.id));
	let book = OrderbookState {
		next_market_id: 1,
		next_order_id: id,
		markets: vec![market],
		orders: bids.into_iter().chain(asks).collect(),
		ledger: vec![],
		fees: vec![],
	};
	let mut perp_accounts = Vec::new();
	let mut open_interest = 0;
	for (i, who) in traders.iter().enumerate() {
		let lots = (i as i128 / 2) % 5 + 1;
		let size = if i % 2 == 0 { lots * LOT as i128 } else { -lots * LOT as i128 };
		open_interest += size.max(0) as u128;
		let isolated = i % 3 != 0;
		perp_accounts.push(PerpAccountState {
			account: *who,
			collateral: 1_000,
			margin_mode: if isolated { MarginMode::Isolated } else { MarginMode::Cross },
			positions: vec![PositionState {
				market: M,
				size,
				quote_balance: -size / 1_000,
				realized_pnl: 0,
				funding_snapshot: 0,
				isolated_margin: if isolated { 300 } else { 0 },
			}],
		});
	}
	let ledger: i128 = perp_accounts
		.iter()
		.map(|a| {
			a.collateral
				+ a.positions.iter().map(|p| p.isolated_margin + p.quote_balance).sum::<i128>()
		})
		.sum();
	let perp = PerpState {
		markets: vec![PerpMarketState {
			id: M,
			initial_margin_ppm: 100_000,
			maintenance_margin_ppm: 50_000,
			liquidation_fee_ppm: 10_000,
			funding_interval: 10,
			max_funding_rate_ppm: 1_000,
			index_price: 1_000,
			cumulative_funding: 0,
			last_funding_rate_ppm: 0,
			last_funding_block: 0,
			open_interest,
		}],
		accounts: perp_accounts,
	};
	let mut native: Vec<(AccountId, u128)> = traders.iter().map(|who| (*who, 10_000)).collect();
	native.push((Perp::vault(), ledger as u128));
	native.sort();
	(book, perp, native)
}

#[test]
fn thousands_of_orders_and_hundreds_of_positions_round_trip() {
	let state = synthetic(400, 10);
	assert_eq!((state.0.orders.len(), state.1.accounts.len()), (4_000, 400));
	import(&state).expect("imports").execute_with(|| {
		assert_eq!(export(), state);
		assert_eq!(pallet_orderbook::Pallet::<Test>::open_order_count(), 4_000);
		assert_eq!(OpenPositions::<Test>::get(), 400);
	});
}

#[test]
fn inconsistent_states_are_refused_naming_the_entry() {
	let state = synthetic(4, 4);
	let refused = |mutate: &dyn Fn(&mut State)| {
		let mut bad = state.clone();
		mutate(&mut bad);
		let Err(message) = import(&bad) else { panic!("bad state is refused") };
		message
	};
	let e = refused(&|s| s.1.accounts[0].positions[0].size += LOT as i128);
	assert!(e.contains("perp market 0: position sizes sum to"), "{e}");
	let e = refused(&|s| s.1.accounts[1].account = s.1.accounts[0].account);
	assert!(e.contains("listed twice"), "{e}");
	let e = refused(&|s| s.2.retain(|(who, _)| *who != Perp::vault()));
	assert!(e.contains("the vault holds 0 of the collateral token"), "{e}");
	let e = refused(&|s| s.1.markets[0].id = 5);
	assert!(e.contains("perp market 5: no order-book market of kind Perp"), "{e}");
	let first = state.0.orders[0].id;
	let e = refused(&|s| s.0.orders[0].market = 3);
	assert!(e.contains(&format!("order {first}: unknown market 3")), "{e}");
}
