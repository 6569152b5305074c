//! Export/import of the order book and its storage migration.
use super::*;
use bourse_primitives::{orderbook::Order, trading_state::OrderbookState};
use frame_support::{
	traits::{Get, GetStorageVersion, Hooks, OnRuntimeUpgrade, StorageVersion},
	weights::Weight,
};
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
		assert_eq!(OpenOrders::<Test>::get(), 7);
		assert_eq!(Expiries::<Test>::iter_key_prefix(50).count(), 1);
		// The imported book trades with its priorities: a buy at 1_010 meets Alice first.
		gtc(CHARLIE, Side::Buy, 1_010, LOT);
		assert_eq!(fills()[0].maker, ALICE);
		// And new orders get fresh ids.
		assert_eq!(NextOrderId::<Test>::get(), state.next_order_id + 1);
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

/// Rewrites the book of the v5 layout as a v4 chain stored it: orders by id linked per level,
/// levels with a tail, order ids per (account, market), valueless expiry keys. `extra` are
/// more orders (already escrowed) for the v4 layout only.
fn to_v4_layout(extra: &[Order<AccountId>]) {
	use migrations::v5::{old, LevelV4, OrderV4};
	let mut orders: alloc::vec::Vec<Order<AccountId>> =
		Orders::<Test>::iter_values().chain(extra.iter().cloned()).collect();
	// Book order: per (market, side), best price first, then oldest.
	orders
		.sort_by_key(|o| (o.market, o.side == Side::Sell, store::level_key(o.side, o.price), o.id));
	let _ = Orders::<Test>::clear(u32::MAX, None);
	let _ = Levels::<Test>::clear(u32::MAX, None);
	let _ = AccountOrders::<Test>::clear(u32::MAX, None);
	let _ = Expiries::<Test>::clear(u32::MAX, None);
	let same_level = |a: &Order<AccountId>, b: &Order<AccountId>| {
		(a.market, a.side, a.price) == (b.market, b.side, b.price)
	};
	for (i, o) in orders.iter().enumerate() {
		let prev = i.checked_sub(1).map(|p| &orders[p]).filter(|p| same_level(p, o));
		let next = orders.get(i + 1).filter(|n| same_level(n, o));
		old::Orders::<Test>::insert(
			o.id,
			OrderV4 {
				id: o.id,
				market: o.market,
				owner: o.owner,
				side: o.side,
				price: o.price,
				quantity: o.quantity,
				filled: o.filled,
				placed_at: o.placed_at,
				expires_at: o.expires_at,
				client_id: o.client_id,
				self_trade: o.self_trade,
				post_only: o.post_only,
				prev: prev.map(|p| p.id),
				next: next.map(|n| n.id),
			},
		);
		let key = ((o.market, o.side), store::level_key(o.side, o.price));
		let level = old::Levels::<Test>::get(key.0, key.1);
		let level = match level {
			None => LevelV4 { head: o.id, tail: o.id, quantity: o.remaining(), orders: 1 },
			Some(l) => LevelV4 {
				tail: o.id,
				quantity: l.quantity + o.remaining(),
				orders: l.orders + 1,
				..l
			},
		};
		old::Levels::<Test>::insert(key.0, key.1, level);
		old::AccountOrders::<Test>::mutate(o.owner, o.market, |ids| ids.push(o.id));
		if let Some(last) = o.expires_at {
			old::Expiries::<Test>::insert(last, o.id, ());
		}
	}
	StorageVersion::new(4).put::<Orderbook>();
}

#[test]
fn migration_v4_to_v5_requeues_the_book_in_priority() {
	new_test_ext().execute_with(|| {
		trade_a_little();
		let funds_before = all_funds();
		let orders_before: alloc::vec::Vec<_> = Orders::<Test>::iter_values().collect();
		let depth_before = Orderbook::depth(0, 100);
		to_v4_layout(&[]);
		let stored = migrations::v5::old::Orders::<Test>::iter_values().count();
		assert_eq!(stored, orders_before.len(), "every order is in the v4 layout");

		#[cfg(feature = "try-runtime")]
		migrations::v5::MigrateV4ToV5::<Test>::try_on_runtime_upgrade(true).expect("checks pass");
		#[cfg(not(feature = "try-runtime"))]
		migrations::v5::MigrateV4ToV5::<Test>::on_runtime_upgrade();

		assert_eq!(Orderbook::on_chain_storage_version(), StorageVersion::new(5));
		assert_eq!(Orders::<Test>::iter_values().collect::<alloc::vec::Vec<_>>(), orders_before);
		assert_eq!(Orderbook::depth(0, 100), depth_before);
		assert_eq!(all_funds(), funds_before);
		assert_eq!(OpenOrders::<Test>::get(), orders_before.len() as u64);
		totals();
		// The book still trades in the same priority, and expires.
		gtc(BOB, Side::Buy, 1_010, LOT);
		assert_eq!(fills().last().expect("a fill").maker, ALICE);
		Orderbook::on_idle(51, Weight::MAX);
		assert!(Orders::<Test>::iter_values().all(|o| o.expires_at != Some(50)));
		totals();
	});
}

#[test]
fn migration_v4_to_v5_cancels_what_no_longer_fits_an_account_and_releases_it() {
	new_test_ext().execute_with(|| {
		let max = <Test as Config>::MaxOrdersPerAccount::get();
		// v4 bounded an account per market; v5 over all markets. Dave has `max` bids here and
		// one more (in v4, in another market's index: the bound was per market).
		let ids: alloc::vec::Vec<OrderId> =
			(0..max).map(|i| gtc(CHARLIE, Side::Buy, 900 - i as u128 * 10, LOT)).collect();
		let quote = AssetKind::Native;
		let extra_price = 800;
		let escrow = extra_price * LOT / bourse_primitives::orderbook::PRICE_SCALE;
		Orderbook::lock(&CHARLIE, quote, escrow).expect("Dave has the funds");
		let id = NextOrderId::<Test>::mutate(|n| {
			*n += 1;
			*n - 1
		});
		OpenOrders::<Test>::mutate(|n| *n += 1);
		let extra = Order {
			id,
			market: 0,
			owner: CHARLIE,
			side: Side::Buy,
			price: extra_price,
			quantity: LOT,
			filled: 0,
			placed_at: 1,
			expires_at: None,
			client_id: None,
			self_trade: SelfTradePrevention::CancelMaker,
			post_only: false,
		};
		let free_before = Orderbook::trading_balance(&CHARLIE, quote).free;
		to_v4_layout(&[extra]);

		migrations::v5::MigrateV4ToV5::<Test>::on_runtime_upgrade();

		let kept: alloc::vec::Vec<OrderId> =
			Orderbook::open_orders(&CHARLIE).iter().map(|o| o.id).collect();
		assert_eq!(kept, ids, "the oldest orders stay");
		assert!(cancels().contains(&(id, CancelReason::NoRoom)));
		assert_eq!(Orderbook::trading_balance(&CHARLIE, quote).free, free_before + escrow);
		assert_eq!(OpenOrders::<Test>::get(), max as u64);
		totals();
	});
}

#[test]
fn migration_v3_to_v4_removes_the_fill_histories() {
	use frame_support::storage::{storage_prefix, unhashed};
	new_test_ext().execute_with(|| {
		trade_a_little();
		let funds_before = all_funds();
		// v3's histories: a fill, an account's and an order's ids, the pruning cursor.
		for (item, key) in [
			(&b"Fills"[..], &[1u8; 8][..]),
			(b"AccountFills", &[2; 24]),
			(b"OrderFills", &[3; 16]),
			(b"OldestFill", &[]),
		] {
			let mut full = storage_prefix(b"Orderbook", item).to_vec();
			full.extend_from_slice(key);
			unhashed::put(&full, &7u64);
		}
		assert!(migrations::v4::any_left::<Test>());
		StorageVersion::new(3).put::<Orderbook>();
		let next_fill = NextFillId::<Test>::get();

		#[cfg(feature = "try-runtime")]
		migrations::v4::MigrateV3ToV4::<Test>::try_on_runtime_upgrade(true).expect("checks pass");
		#[cfg(not(feature = "try-runtime"))]
		migrations::v4::MigrateV3ToV4::<Test>::on_runtime_upgrade();

		assert_eq!(Orderbook::on_chain_storage_version(), StorageVersion::new(4));
		assert!(!migrations::v4::any_left::<Test>(), "every history key is gone");
		assert_eq!(NextFillId::<Test>::get(), next_fill, "fill ids keep counting");
		assert_eq!(all_funds(), funds_before);
		gtc(CHARLIE, Side::Buy, 1_010, LOT);
		assert_eq!(fills().last().expect("trades on").maker, ALICE);
		totals();
	});
}

#[test]
fn genesis_sets_the_current_storage_version() {
	new_test_ext().execute_with(|| {
		assert_eq!(Orderbook::on_chain_storage_version(), StorageVersion::new(5));
		assert_eq!(Orderbook::in_code_storage_version(), StorageVersion::new(5));
	});
}
