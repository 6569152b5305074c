//! Export/import of the order book and its storage migration.
use super::*;
use crate::migrations::v2::OrderV1;
use bourse_primitives::{orderbook::Order, trading_state::OrderbookState};
use frame_support::{
	traits::{tokens::Preservation, GetStorageVersion, Hooks, OnRuntimeUpgrade, StorageVersion},
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

#[test]
fn migration_v1_to_v2_rewrites_orders_without_losing_any() {
	new_test_ext().execute_with(|| {
		trade_a_little();
		let before: alloc::vec::Vec<_> = Orders::<Test>::iter().collect();
		// Rewrite every order in the v1 layout (no `post_only`), as a v1 chain stored them.
		for (id, o) in &before {
			let v1 = OrderV1 {
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
				prev: o.prev,
				next: o.next,
			};
			frame_support::storage::unhashed::put(&Orders::<Test>::hashed_key_for(id), &v1);
		}
		StorageVersion::new(1).put::<Orderbook>();
		assert!(Orders::<Test>::get(before[0].0).is_none(), "v1 bytes do not decode as v2");

		#[cfg(feature = "try-runtime")]
		migrations::v2::MigrateV1ToV2::<Test>::try_on_runtime_upgrade(true).expect("checks pass");
		#[cfg(not(feature = "try-runtime"))]
		migrations::v2::MigrateV1ToV2::<Test>::on_runtime_upgrade();

		assert_eq!(Orderbook::on_chain_storage_version(), StorageVersion::new(2));
		for (id, o) in &before {
			let migrated = Orders::<Test>::get(id).expect("migrated order decodes");
			assert_eq!(migrated, Order { post_only: false, ..o.clone() });
		}
		// The book still trades in the same priority after the upgrade.
		gtc(BOB, Side::Buy, 1_010, LOT);
		assert_eq!(fills().last().expect("a fill").maker, ALICE);
	});
}

#[test]
fn migration_v2_to_v3_moves_held_escrow_into_the_ledger() {
	use frame_support::traits::{
		fungible::{InspectHold as _, MutateHold as _},
		fungibles::{InspectHold as _, MutateHold as _},
	};
	new_test_ext().execute_with(|| {
		trade_a_little();
		let funds_before = all_funds();
		let orders_before: alloc::vec::Vec<_> = Orders::<Test>::iter().collect();
		// Turn the chain back into v2: each trader's locked escrow goes back to its wallet and
		// is held there; the ledger only keeps free amounts; expiries are per-block lists.
		let reason = RuntimeHoldReason::Orderbook(HoldReason::OrderEscrow);
		let vault = vault();
		for who in TRADERS {
			let f = funds(who);
			let base = AssetKind::Asset(BASE);
			for (asset, locked) in [(base, f.base_held), (AssetKind::Native, f.quote_held)] {
				if locked == 0 {
					continue;
				}
				Ledger::<Test>::mutate(who, asset, |e| e.as_mut().expect("entry").locked = 0);
				Orderbook::transfer_token(asset, &vault, &who, locked, Preservation::Preserve)
					.expect("vault pays");
				match asset {
					AssetKind::Native => Balances::hold(&reason, &who, locked),
					AssetKind::Asset(id) => AssetsHolder::hold(id, &reason, &who, locked),
				}
				.expect("hold");
			}
		}
		let mut lists: alloc::collections::BTreeMap<u32, alloc::vec::Vec<OrderId>> =
			Default::default();
		for (block, id, ()) in Expiries::<Test>::drain() {
			lists.entry(block).or_default().push(id);
		}
		// A stale id (its order left the book) must not come back.
		lists.entry(50).or_default().push(9_999);
		for (block, ids) in lists {
			migrations::v3::OldExpiries::<Test>::insert(block, ids);
		}
		StorageVersion::new(2).put::<Orderbook>();
		let held_before = Balances::balance_on_hold(&reason, &CHARLIE);
		assert!(held_before > 0, "Charlie's bids are held in its wallet");

		#[cfg(feature = "try-runtime")]
		migrations::v3::MigrateV2ToV3::<Test>::try_on_runtime_upgrade(true).expect("checks pass");
		#[cfg(not(feature = "try-runtime"))]
		migrations::v3::MigrateV2ToV3::<Test>::on_runtime_upgrade();

		assert_eq!(Orderbook::on_chain_storage_version(), StorageVersion::new(3));
		assert_eq!(all_funds(), funds_before, "every escrow is locked in the ledger again");
		assert_eq!(Balances::balance_on_hold(&reason, &CHARLIE), 0, "no hold is left");
		assert_eq!(AssetsHolder::balance_on_hold(BASE, &reason, &ALICE), 0);
		assert_eq!(Orders::<Test>::iter().collect::<alloc::vec::Vec<_>>(), orders_before);
		assert_eq!(Expiries::<Test>::iter().count(), 1, "the resting order's expiry only");
		assert!(Expiries::<Test>::contains_key(
			50,
			orders_before.iter().find(|(_, o)| o.expires_at == Some(50)).expect("expiring").0
		));
		totals();
		// The book still trades and expires.
		gtc(BOB, Side::Buy, 1_010, LOT);
		assert_eq!(fills().last().expect("a fill").maker, ALICE);
		Orderbook::on_idle(51, Weight::MAX);
		assert!(Orders::<Test>::iter().all(|(_, o)| o.expires_at != Some(50)));
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
		assert_eq!(Orderbook::on_chain_storage_version(), StorageVersion::new(4));
		assert_eq!(Orderbook::in_code_storage_version(), StorageVersion::new(4));
	});
}
