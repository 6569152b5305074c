//! Export/import of the order book and its storage migration.
use super::*;
use bourse_primitives::trading_state::OrderbookState;
use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
use sp_runtime::BuildStorage;

/// A chain started from `state`, whose vault holds the traders' and the fee entries' total
/// ledger funds (as an exported chain's vault does) plus its seed.
fn ext_from(
	state: OrderbookState<AccountId>,
	totals: &[(AccountId, Funds)],
) -> sp_io::TestExternalities {
	let (base, quote) = totals.iter().fold((VAULT_SEED, VAULT_SEED), |(b, q), (_, f)| {
		(b + f.base_free + f.base_held, q + f.quote_free + f.quote_held)
	});
	let storage = RuntimeGenesisConfig {
		system: Default::default(),
		balances: pallet_balances::GenesisConfig {
			balances: alloc::vec![(vault(), quote)],
			..Default::default()
		},
		assets: pallet_assets::GenesisConfig {
			assets: alloc::vec![(BASE, ALICE, true, 1)],
			metadata: alloc::vec![],
			accounts: alloc::vec![(BASE, vault(), base)],
			next_asset_id: None,
			reserves: alloc::vec![],
		},
		orderbook: crate::GenesisConfig {
			markets: alloc::vec![],
			state: Some(state),
			deposits: alloc::vec![],
			_config: Default::default(),
		},
	}
	.build_storage()
	.expect("the exported state imports");
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

fn all_funds() -> alloc::vec::Vec<(AccountId, Funds)> {
	TRADERS.iter().chain([&FEE_ACCOUNT]).map(|a| (*a, funds(*a))).collect()
}

/// A book with partial fills, several levels, post-only and expiring orders.
fn trade_a_little() {
	gtc(ALICE, Side::Sell, 1_010, 3 * LOT);
	gtc(BOB, Side::Sell, 1_010, 2 * LOT);
	gtc(ALICE, Side::Sell, 1_020, LOT);
	place(CHARLIE, Side::Sell, 1_030, LOT, TimeInForce::PostOnly);
	gtc(CHARLIE, Side::Buy, 1_010, LOT); // partly fills Alice's first ask
	gtc(BOB, Side::Buy, 990, 2 * LOT);
	gtc(ALICE, Side::Buy, 990, LOT);
	assert_ok!(Orderbook::place_order(
		RuntimeOrigin::signed(CHARLIE),
		0,
		Side::Buy,
		980,
		LOT,
		TimeInForce::GoodTilCancelled,
		Some(50),
		Some(7),
		SelfTradePrevention::CancelBoth,
		u32::MAX
	));
}

#[test]
fn export_then_import_gives_the_same_book_and_funds() {
	let (state, funds_before) = new_test_ext().execute_with(|| {
		trade_a_little();
		(Orderbook::export_state(), all_funds())
	});
	assert_eq!(state.orders.len(), 7);
	let first_ask_level: alloc::vec::Vec<_> =
		state.orders.iter().filter(|o| o.side == Side::Sell && o.price == 1_010).collect();
	assert_eq!(first_ask_level[0].owner, ALICE, "time priority: Alice's ask came first");
	assert_eq!(first_ask_level[0].filled, LOT);

	ext_from(state.clone(), &funds_before).execute_with(|| {
		assert_eq!(Orderbook::export_state(), state, "round trip");
		assert_eq!(all_funds(), funds_before, "ledger and escrow restored, nothing lost");
		assert_eq!(Orderbook::open_order_count(), 7);
		assert_eq!(Expiries::<Test>::iter_key_prefix(50).count(), 1);
		// The imported book trades with its priorities: a buy at 1_010 meets Alice first.
		gtc(CHARLIE, Side::Buy, 1_010, LOT);
		assert_eq!(fills()[0].maker, ALICE);
		// And new orders get fresh ids.
		assert_eq!(Orderbook::next_order_id(), state.next_order_id + 1);
	});
}

fn import_error(mutate: impl FnOnce(&mut OrderbookState<AccountId>)) -> String {
	let (mut state, funds) = new_test_ext().execute_with(|| {
		trade_a_little();
		(Orderbook::export_state(), all_funds())
	});
	mutate(&mut state);
	let result = std::panic::catch_unwind(move || ext_from(state, &funds));
	let Err(panic) = result else { panic!("bad state is refused") };
	panic
		.downcast_ref::<String>()
		.cloned()
		.or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
		.unwrap_or_default()
}

#[test]
fn bad_states_are_refused_naming_the_entry() {
	let e = import_error(|s| s.orders[1].market = 9);
	assert!(e.contains("unknown market 9"), "{e}");
	let e = import_error(|s| s.orders[2].id = s.orders[0].id);
	assert!(e.contains("duplicate id"), "{e}");
	let e = import_error(|s| {
		let bid = s.orders.iter().position(|o| o.side == Side::Buy).expect("a bid");
		s.orders[bid].price = 1_050;
	});
	assert!(e.contains("market 0: crossed book"), "{e}");
	let e = import_error(|s| s.orders[0].quantity = 20_000_000 * LOT);
	assert!(e.contains("differs from its resting orders' escrow"), "{e}");
	let e = import_error(|s| s.ledger[0].free += 1_000 * FUNDS);
	assert!(e.contains("the vault holds less than the ledger owes"), "{e}");
	let e = import_error(|s| s.orders[0].price = 1_011);
	assert!(e.contains("off the tick grid"), "{e}");
	let e = import_error(|s| s.next_order_id = 3);
	assert!(e.contains("not below nextOrderId"), "{e}");
}

/// Rewrites every trading account as a v5 chain stored it: non-empty ledger entries per
/// (account, token), order indexes per account.
fn to_v5_layout() {
	use migrations::v6::old;
	for (who, record) in Accounts::<Test>::drain() {
		for (token, balance) in record.balances.iter().copied() {
			if !balance.is_empty() {
				old::Ledger::<Test>::insert(who, token, balance);
			}
		}
		if !record.orders.is_empty() {
			let refs: alloc::vec::Vec<_> = record.refs().collect();
			old::AccountOrders::<Test>::insert(who, frame_support::BoundedVec::truncate_from(refs));
		}
	}
	StorageVersion::new(5).put::<Orderbook>();
}

fn migrate_to_v6() {
	#[cfg(feature = "try-runtime")]
	migrations::v6::MigrateV5ToV6::<Test>::try_on_runtime_upgrade(true).expect("checks pass");
	#[cfg(not(feature = "try-runtime"))]
	migrations::v6::MigrateV5ToV6::<Test>::on_runtime_upgrade();
	assert_eq!(Orderbook::on_chain_storage_version(), StorageVersion::new(6));
}

/// An account's record with its entries in token order (their order in a record is the order
/// they were made, which a migration does not keep).
fn sorted_record(who: AccountId) -> crate::ledger::TradingAccountOf<Test> {
	let mut record = Orderbook::trading_account(&who);
	record.balances.sort_by_key(|(token, _)| *token);
	record
}

#[test]
fn migration_v5_to_v6_folds_entries_and_indexes_into_one_record() {
	new_test_ext().execute_with(|| {
		trade_a_little();
		let funds_before = all_funds();
		let records_before: alloc::vec::Vec<_> = TRADERS.map(sorted_record).into();
		assert!(records_before.iter().all(|r| !r.orders.is_empty()), "every trader rests orders");
		to_v5_layout();
		assert_eq!(Accounts::<Test>::iter().count(), 0, "the v5 layout has no record");
		assert_eq!(Orderbook::trading_balance(&ALICE, AssetKind::Native), Default::default());

		migrate_to_v6();

		let records_after: alloc::vec::Vec<_> = TRADERS.map(sorted_record).into();
		assert_eq!(records_after, records_before, "entries (also the empty ones) and indexes");
		assert_eq!(migrations::v6::old::Ledger::<Test>::iter().count(), 0);
		assert_eq!(migrations::v6::old::AccountOrders::<Test>::iter().count(), 0);
		assert_eq!(all_funds(), funds_before);
		// The book trades on: Charlie's buy fills Alice's oldest ask at 1,010 and cancels by id.
		gtc(CHARLIE, Side::Buy, 1_010, LOT);
		assert_eq!(fills().last().expect("trades on").maker, ALICE);
		let oldest = Orderbook::open_orders(&BOB)[0].id;
		assert_ok!(Orderbook::cancel_order(RuntimeOrigin::signed(BOB), oldest));
		totals();
	});
}

/// An account that never traded.
const DAVE: AccountId = 4;

#[test]
fn migration_v5_to_v6_pays_out_what_no_longer_fits_an_account() {
	new_test_ext().execute_with(|| {
		let most: u32 =
			<<Test as Config>::MaxAssetsPerAccount as frame_support::traits::Get<u32>>::get();
		// An account with free entries of two tokens more than a record may hold.
		let tokens: alloc::vec::Vec<AssetKind> = (0..most + 2)
			.map(|i| match i {
				0 => AssetKind::Native,
				1 => AssetKind::Asset(BASE),
				i => {
					let id = 100 + i;
					assert_ok!(Assets::force_create(RuntimeOrigin::root(), id, ALICE, true, 1));
					assert_ok!(Assets::mint(RuntimeOrigin::signed(ALICE), id, vault(), 1_000));
					AssetKind::Asset(id)
				},
			})
			.collect();
		// The vault holds what Dave's entries say (as a deposit would have put there).
		assert_ok!(<Balances as frame_support::traits::fungible::Mutate<_>>::mint_into(
			&vault(),
			500
		));
		assert_ok!(<Assets as frame_support::traits::fungibles::Mutate<_>>::mint_into(
			BASE,
			&vault(),
			500
		));
		to_v5_layout();
		for token in &tokens {
			let balance = bourse_primitives::orderbook::TradingBalance { free: 500, locked: 0 };
			migrations::v6::old::Ledger::<Test>::insert(DAVE, token, balance);
		}
		let wallets_before: alloc::vec::Vec<u128> =
			tokens.iter().map(|t| Orderbook::wallet_balance(*t, &DAVE)).collect();

		migrate_to_v6();

		let record = Orderbook::trading_account(&DAVE);
		assert_eq!(record.balances.len() as u32, most, "a full record");
		let paid: alloc::vec::Vec<AssetKind> = tokens
			.iter()
			.zip(&wallets_before)
			.filter(|(t, before)| Orderbook::wallet_balance(**t, &DAVE) == **before + 500)
			.map(|(t, _)| *t)
			.collect();
		assert_eq!(paid.len(), 2, "two entries were paid out to the wallet");
		for token in &tokens {
			let in_ledger = record.balance(*token).free;
			assert_eq!(in_ledger + if paid.contains(token) { 500 } else { 0 }, 500, "{token:?}");
		}
		System::assert_has_event(
			Event::Withdrawn { who: DAVE, asset: paid[0], amount: 500 }.into(),
		);
	});
}

/// Runs migration `M` as a runtime upgrade would (with try-runtime's checks when that feature
/// is on).
fn run_migration<M: frame_support::traits::OnRuntimeUpgrade>() {
	#[cfg(feature = "try-runtime")]
	M::try_on_runtime_upgrade(true).expect("checks pass");
	#[cfg(not(feature = "try-runtime"))]
	M::on_runtime_upgrade();
}

/// Rewrites the markets as a v8 chain stored them: each record with its best prices, not its
/// first orders.
fn to_v8_layout() {
	use migrations::v8_layout;
	let records: alloc::vec::Vec<_> = Markets::<Test>::drain().collect();
	for (id, record) in records {
		let top =
			v8_layout::BookTop { bid: record.top.of(Side::Buy), ask: record.top.of(Side::Sell) };
		v8_layout::Markets::<Test>::insert(
			id,
			v8_layout::MarketRecord { market: record.market, top },
		);
	}
	StorageVersion::new(8).put::<Orderbook>();
}

/// Rewrites the markets as a v7 chain stored them: configuration in `Markets`, best prices in
/// `BestPrices`.
fn to_v7_layout() {
	use migrations::{v7_layout, v8_layout};
	to_v8_layout();
	let records: alloc::vec::Vec<_> = v8_layout::Markets::<Test>::drain().collect();
	for (id, record) in records {
		v7_layout::Markets::<Test>::insert(id, record.market);
		v7_layout::BestPrices::<Test>::insert(id, record.top);
	}
	let counters = OrderCounters::<Test>::take();
	v7_layout::NextOrderId::<Test>::put(counters.next_id);
	v7_layout::OpenOrders::<Test>::put(counters.open);
	StorageVersion::new(7).put::<Orderbook>();
}

/// Rewrites the book as a v6 chain stored it: a level record per (market, side, price) and
/// a best price per (market, side).
fn to_v6_layout() {
	use migrations::v7::old;
	to_v7_layout();
	let top = migrations::v7_layout::BestPrices::<Test>::take(0).expect("recorded");
	assert!(migrations::v7_layout::BestPrices::<Test>::iter().next().is_none(), "one market");
	for side in [Side::Buy, Side::Sell] {
		old::BestPrices::<Test>::insert((0, side), top.of(side));
	}
	for order in Orders::<Test>::iter_values() {
		let key = store::level_key(order.side, order.price);
		old::Levels::<Test>::mutate((0, order.side), key, |level| {
			let (head, quantity, count) = level.get_or_insert((order.id, 0, 0));
			*head = (*head).min(order.id);
			*quantity += order.remaining();
			*count += 1;
		});
	}
	StorageVersion::new(6).put::<Orderbook>();
}

#[test]
fn migration_v7_to_v8_folds_best_prices_into_market_records() {
	new_test_ext().execute_with(|| {
		trade_a_little();
		let market_before = Orderbook::market(0).expect("market 0");
		let best_before = Orderbook::best_prices(0);
		let counters_before = OrderCounters::<Test>::get();
		assert!(counters_before.next_id > 1 && counters_before.open > 0);
		assert_eq!(best_before, (Some(990), Some(1_010)));
		to_v7_layout();
		// A market whose v7 entry is missing gets the best prices its book holds.
		migrations::v7_layout::BestPrices::<Test>::remove(0);

		#[cfg(feature = "try-runtime")]
		migrations::v8::MigrateV7ToV8::<Test>::try_on_runtime_upgrade(true).expect("checks pass");
		#[cfg(not(feature = "try-runtime"))]
		migrations::v8::MigrateV7ToV8::<Test>::on_runtime_upgrade();

		assert_eq!(Orderbook::on_chain_storage_version(), StorageVersion::new(8));
		assert!(migrations::v7_layout::BestPrices::<Test>::iter().next().is_none(), "no v7 key");
		assert_eq!(
			OrderCounters::<Test>::get(),
			counters_before,
			"the counters moved as they were"
		);
		let record = migrations::v8_layout::Markets::<Test>::get(0).expect("a record");
		assert_eq!(record.market, market_before);
		assert_eq!((record.top.bid, record.top.ask), best_before);
		run_migration::<migrations::v9::MigrateV8ToV9<Test>>();
		assert_ok!(Orderbook::do_try_state());
		// The book trades on: a buy through the best ask moves it to the next level.
		gtc(CHARLIE, Side::Buy, 1_010, 4 * LOT);
		assert_eq!(Orderbook::best_prices(0), (Some(990), Some(1_020)));
		totals();
	});
}

#[test]
fn migration_v6_to_v7_drops_level_records_and_keeps_best_prices() {
	new_test_ext().execute_with(|| {
		trade_a_little();
		let depth_before = Orderbook::depth(0, u32::MAX);
		let best_before = Orderbook::best_prices(0);
		assert_eq!(best_before, (Some(990), Some(1_010)));
		to_v6_layout();
		assert_eq!(migrations::v7::old::Levels::<Test>::iter().count(), 5, "v6 levels");

		#[cfg(feature = "try-runtime")]
		migrations::v7::MigrateV6ToV7::<Test>::try_on_runtime_upgrade(true).expect("checks pass");
		#[cfg(not(feature = "try-runtime"))]
		migrations::v7::MigrateV6ToV7::<Test>::on_runtime_upgrade();

		assert_eq!(Orderbook::on_chain_storage_version(), StorageVersion::new(7));
		assert_eq!(migrations::v7::old::Levels::<Test>::iter().count(), 0);
		let v7_tops: alloc::vec::Vec<_> = migrations::v7_layout::BestPrices::<Test>::iter()
			.map(|(id, top)| (id, top.bid, top.ask))
			.collect();
		assert_eq!(v7_tops, [(0, best_before.0, best_before.1)], "one value per market");

		#[cfg(feature = "try-runtime")]
		migrations::v8::MigrateV7ToV8::<Test>::try_on_runtime_upgrade(true).expect("checks pass");
		#[cfg(not(feature = "try-runtime"))]
		migrations::v8::MigrateV7ToV8::<Test>::on_runtime_upgrade();
		assert_eq!(Orderbook::on_chain_storage_version(), StorageVersion::new(8));
		run_migration::<migrations::v9::MigrateV8ToV9<Test>>();
		assert_eq!(Orderbook::best_prices(0), best_before);
		assert_eq!(Orderbook::depth(0, u32::MAX), depth_before);
		assert_ok!(Orderbook::do_try_state());
		// The book trades on: a sell through the best bid moves it to the next level.
		gtc(CHARLIE, Side::Sell, 990, 3 * LOT);
		assert_eq!(Orderbook::best_prices(0), (Some(980), Some(1_010)));
		totals();
	});
}

#[test]
fn migration_v8_to_v9_records_the_fronts() {
	new_test_ext().execute_with(|| {
		trade_a_little();
		// A second order at the best bid: the first order is the older one.
		gtc(CHARLIE, Side::Buy, 990, LOT);
		let record_before = Markets::<Test>::get(0).expect("a record");
		let best_before = Orderbook::best_prices(0);
		to_v8_layout();
		run_migration::<migrations::v9::MigrateV8ToV9<Test>>();

		assert_eq!(Orderbook::on_chain_storage_version(), StorageVersion::new(9));
		let record = Markets::<Test>::get(0).expect("a record");
		assert_eq!(record.market, record_before.market);
		assert_eq!(
			record.top,
			store::BookTop::scan::<Test>(0),
			"the fronts as the book holds them"
		);
		assert!(record.top.bid.len() > 1, "a front of several orders");
		let first_bid = record.top.first(Side::Buy).expect("bids rest");
		let oldest = Orders::<Test>::iter_prefix_values((0, Side::Buy))
			.filter(|o| o.price == 990)
			.map(|o| o.id)
			.min();
		assert_eq!(Some(first_bid.id), oldest, "the oldest order at the best bid");
		// The book trades on: a sell takes the first bid (Bob's, 2 lots) first.
		assert!(Orderbook::order_ref(&BOB, first_bid.id).is_some(), "Bob's bid is first");
		gtc(CHARLIE, Side::Sell, 990, 2 * LOT);
		assert_eq!(Orderbook::order_ref(&BOB, first_bid.id), None, "the first bid filled");
		assert_eq!(Orderbook::best_prices(0), best_before, "the level still has orders");
		assert_ok!(Orderbook::do_try_state());
		totals();
	});
}

#[test]
fn genesis_sets_the_current_storage_version() {
	new_test_ext().execute_with(|| {
		assert_eq!(Orderbook::on_chain_storage_version(), StorageVersion::new(10));
		assert_eq!(Orderbook::in_code_storage_version(), StorageVersion::new(10));
	});
}

#[test]
fn migration_v9_to_v10_lists_the_markets_tokens() {
	new_test_ext().execute_with(|| {
		trade_a_little();
		// A v9 chain: no listing; the ledger took any token.
		let _ = ListedAssets::<Test>::clear(u32::MAX, None);
		StorageVersion::new(9).put::<Orderbook>();
		assert!(Orderbook::do_try_state().is_err(), "a market's tokens are not listed");
		run_migration::<migrations::v10::MigrateV9ToV10<Test>>();
		assert_eq!(Orderbook::on_chain_storage_version(), StorageVersion::new(10));
		let mut listed: alloc::vec::Vec<AssetKind> = ListedAssets::<Test>::iter_keys().collect();
		listed.sort();
		assert_eq!(listed, [AssetKind::Native, AssetKind::Asset(BASE)]);
		assert_ok!(Orderbook::deposit(RuntimeOrigin::signed(ALICE), AssetKind::Asset(BASE), 5));
		// Run again: the version guard makes it a no-op.
		run_migration::<migrations::v10::MigrateV9ToV10<Test>>();
		totals();
	});
}
