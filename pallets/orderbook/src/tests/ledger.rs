//! The trading ledger: deposits, withdrawals, fee withdrawals, and orders trading from it.
use super::*;
use frame_support::{
	assert_noop,
	traits::{fungibles::Mutate, tokens::Preservation},
};
use sp_runtime::{DispatchError, DispatchResult, TokenError};

const NATIVE: AssetKind = AssetKind::Native;
const BASE_TOKEN: AssetKind = AssetKind::Asset(BASE);

fn wallet(who: AccountId) -> (u128, u128) {
	(
		Assets::balance(BASE, who),
		<Balances as frame_support::traits::fungible::Inspect<_>>::balance(&who),
	)
}

#[test]
fn deposit_and_withdraw_move_tokens_between_wallet_and_ledger() {
	new_test_ext().execute_with(|| {
		let (base, native) = wallet(ALICE);
		assert_ok!(Orderbook::deposit(RuntimeOrigin::signed(ALICE), BASE_TOKEN, 500));
		assert_eq!(wallet(ALICE), (base - 500, native));
		assert_eq!(funds(ALICE).base_free, FUNDS + 500);
		System::assert_last_event(
			Event::Deposited { who: ALICE, asset: BASE_TOKEN, amount: 500 }.into(),
		);

		assert_ok!(Orderbook::withdraw(RuntimeOrigin::signed(ALICE), NATIVE, 700));
		assert_eq!(wallet(ALICE), (base - 500, native + 700));
		assert_eq!(funds(ALICE).quote_free, FUNDS - 700);
		System::assert_last_event(
			Event::Withdrawn { who: ALICE, asset: NATIVE, amount: 700 }.into(),
		);
		totals();
	});
}

#[test]
fn bad_deposits_and_withdrawals_change_nothing() {
	new_test_ext().execute_with(|| {
		let before = (funds(ALICE), wallet(ALICE));
		let alice = || RuntimeOrigin::signed(ALICE);
		assert_noop!(Orderbook::deposit(alice(), NATIVE, 0), Error::<Test>::ZeroAmount);
		assert_noop!(Orderbook::withdraw(alice(), NATIVE, 0), Error::<Test>::ZeroAmount);
		// More than the wallet has (it keeps its existential deposit).
		assert_noop!(
			Orderbook::deposit(alice(), NATIVE, WALLET),
			DispatchError::Token(TokenError::NotExpendable)
		);
		assert_noop!(
			Orderbook::deposit(alice(), BASE_TOKEN, 10 * WALLET),
			DispatchError::Token(TokenError::FundsUnavailable)
		);
		// More than the ledger's free balance.
		assert_noop!(
			Orderbook::withdraw(alice(), BASE_TOKEN, FUNDS + 1),
			Error::<Test>::InsufficientBalance
		);
		// A token nobody deposited.
		assert_noop!(
			Orderbook::withdraw(alice(), AssetKind::Asset(77), 1),
			Error::<Test>::InsufficientBalance
		);
		assert_eq!((funds(ALICE), wallet(ALICE)), before);
	});
}

#[test]
fn locked_funds_cannot_be_withdrawn_until_the_order_leaves() {
	new_test_ext().execute_with(|| {
		let id = gtc(ALICE, Side::Sell, 1_000, 3 * LOT);
		let free = funds(ALICE).base_free;
		assert_eq!(funds(ALICE).base_held, 3 * LOT);
		assert_noop!(
			Orderbook::withdraw(RuntimeOrigin::signed(ALICE), BASE_TOKEN, free + 1),
			Error::<Test>::InsufficientBalance
		);
		assert_ok!(Orderbook::cancel_order(RuntimeOrigin::signed(ALICE), id));
		assert_ok!(Orderbook::withdraw(RuntimeOrigin::signed(ALICE), BASE_TOKEN, free + 3 * LOT));
		assert_eq!(funds(ALICE), Funds { base_free: 0, base_held: 0, ..funds(ALICE) });
		assert!(
			Orderbook::trading_account(&ALICE).balances.iter().all(|(t, _)| *t != BASE_TOKEN),
			"empty entries are removed once no order rests"
		);
		totals();
	});
}

#[test]
fn an_order_needs_ledger_funds_whatever_the_wallet_holds() {
	new_test_ext().execute_with(|| {
		assert_ok!(Orderbook::withdraw(RuntimeOrigin::signed(BOB), NATIVE, FUNDS));
		assert!(wallet(BOB).1 > FUNDS, "Bob's wallet is rich");
		assert_noop!(
			Orderbook::place_order(
				RuntimeOrigin::signed(BOB),
				0,
				Side::Buy,
				1_000,
				LOT,
				TimeInForce::GoodTilCancelled,
				None,
				None,
				SelfTradePrevention::CancelMaker,
				u32::MAX
			),
			Error::<Test>::InsufficientBalance
		);
	});
}

#[test]
fn everyone_can_withdraw_everything_and_the_vault_keeps_only_its_seed() {
	new_test_ext().execute_with(|| {
		// Orders large enough that both fees round to more than zero.
		gtc(ALICE, Side::Sell, 1_000, 40 * LOT);
		gtc(BOB, Side::Buy, 1_000, 20 * LOT);
		gtc(CHARLIE, Side::Buy, 1_010, 20 * LOT);
		for who in TRADERS {
			assert_ok!(Orderbook::cancel_all(RuntimeOrigin::signed(who), 0));
			let f = funds(who);
			for (asset, amount) in [(BASE_TOKEN, f.base_free), (NATIVE, f.quote_free)] {
				assert_ok!(Orderbook::withdraw(RuntimeOrigin::signed(who), asset, amount));
			}
		}
		let fees = funds(FEE_ACCOUNT);
		assert!(fees.base_free > 0 && fees.quote_free > 0, "the trades paid fees");
		assert_noop!(
			Orderbook::withdraw_fees(RuntimeOrigin::signed(ALICE), NATIVE, 1, ALICE),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Orderbook::withdraw_fees(RuntimeOrigin::root(), NATIVE, fees.quote_free + 1, ALICE),
			Error::<Test>::InsufficientBalance
		);
		let before = wallet(FEE_ACCOUNT);
		assert_ok!(Orderbook::withdraw_fees(
			RuntimeOrigin::root(),
			BASE_TOKEN,
			fees.base_free,
			FEE_ACCOUNT
		));
		assert_ok!(Orderbook::withdraw_fees(
			RuntimeOrigin::root(),
			NATIVE,
			fees.quote_free,
			FEE_ACCOUNT
		));
		assert_eq!(wallet(FEE_ACCOUNT), (before.0 + fees.base_free, before.1 + fees.quote_free));
		assert_eq!(Accounts::<Test>::iter().count(), 0, "the ledger is empty");
		assert_eq!(totals(), (0, 0));
		assert_eq!(wallet(vault()), (VAULT_SEED, VAULT_SEED), "only the vault's own seed is left");
	});
}

#[test]
fn tokens_sent_to_the_vault_credit_nobody() {
	new_test_ext().execute_with(|| {
		let before = totals();
		assert_ok!(<Assets as Mutate<_>>::transfer(
			BASE,
			&CHARLIE,
			&vault(),
			1_000,
			Preservation::Preserve
		));
		assert_eq!(funds(CHARLIE).base_free, FUNDS, "a plain transfer is not a deposit");
		assert!(Orderbook::do_try_state().is_ok(), "the vault holding more is fine");
		// Nobody can withdraw the donation: withdrawals are bounded by ledger entries.
		assert_noop!(
			Orderbook::withdraw(RuntimeOrigin::signed(CHARLIE), BASE_TOKEN, FUNDS + 1),
			Error::<Test>::InsufficientBalance
		);
		let f = TRADERS.iter().map(|a| funds(*a)).fold(0, |s, f| s + f.base_free + f.base_held);
		assert_eq!((f, before.1), (before.0, totals_quote()));
	});
}

fn totals_quote() -> u128 {
	TRADERS
		.iter()
		.chain([&FEE_ACCOUNT])
		.map(|a| funds(*a))
		.fold(0, |s, f| s + f.quote_free + f.quote_held)
}

#[test]
fn a_fill_moves_ledger_amounts_and_fees_only() {
	new_test_ext().execute_with(|| {
		let wallets_before: alloc::vec::Vec<_> = TRADERS.iter().map(|a| wallet(*a)).collect();
		gtc(ALICE, Side::Sell, 1_000, 20 * LOT);
		gtc(BOB, Side::Buy, 1_000, 20 * LOT);
		let fill = fills()[0].clone();
		assert_eq!(fill.quantity, 20 * LOT);
		let wallets_after: alloc::vec::Vec<_> = TRADERS.iter().map(|a| wallet(*a)).collect();
		assert_eq!(wallets_before, wallets_after, "no wallet moved");
		assert_eq!(FeeBalances::<Test>::get(BASE_TOKEN), fill.taker_fee);
		assert_eq!(FeeBalances::<Test>::get(NATIVE), fill.maker_fee);
		assert!(fill.taker_fee > 0 && fill.maker_fee > 0, "fees move money");
		totals();
	});
}

#[test]
fn a_token_without_a_vault_seed_can_still_be_withdrawn_to_the_last_unit() {
	new_test_ext().execute_with(|| {
		// A token listed after genesis: the vault holds none of it of its own.
		let token = 2;
		assert_ok!(Assets::force_create(RuntimeOrigin::root(), token, ALICE, true, 10));
		list(token);
		assert_ok!(Assets::mint_into(token, &ALICE, 1_000));
		assert_ok!(Assets::mint_into(token, &BOB, 1_000));
		let asset = AssetKind::Asset(token);
		assert_ok!(Orderbook::deposit(RuntimeOrigin::signed(ALICE), asset, 500));
		assert_ok!(Orderbook::deposit(RuntimeOrigin::signed(BOB), asset, 5));
		// Alice's withdrawal would leave the vault 5, under the minimum balance of 10, and
		// drop Bob's 5 as dust: refused, nothing changes.
		assert_noop!(
			Orderbook::withdraw(RuntimeOrigin::signed(ALICE), asset, 500),
			Error::<Test>::VaultCannotPay
		);
		// Bob first, then Alice empties the vault to zero: nobody is owed anything.
		assert_ok!(Orderbook::withdraw(RuntimeOrigin::signed(BOB), asset, 5));
		assert_ok!(Orderbook::withdraw(RuntimeOrigin::signed(ALICE), asset, 500));
		assert_eq!((Assets::balance(token, ALICE), Assets::balance(token, BOB)), (1_000, 1_000));
		assert_eq!(Assets::balance(token, vault()), 0);
		assert!(Orderbook::do_try_state().is_ok());
	});
}

/// Lists a spot market of token `id` against the native token, so the ledger takes it.
fn list(id: u32) {
	assert_ok!(Orderbook::create_market(
		RuntimeOrigin::root(),
		AssetKind::Asset(id),
		NATIVE,
		10,
		LOT,
		LOT,
		0,
		0
	));
}

/// Creates token `id`, lists a market of it, gives `who` 1,000 of it and deposits `deposit`
/// of that.
fn deposit_new_token(who: AccountId, id: u32, deposit: u128) -> DispatchResult {
	assert_ok!(Assets::force_create(RuntimeOrigin::root(), id, who, true, 1));
	list(id);
	assert_ok!(Assets::mint(RuntimeOrigin::signed(who), id, who, 1_000));
	Orderbook::deposit(RuntimeOrigin::signed(who), AssetKind::Asset(id), deposit)
}

/// Attack (issue 33, 4): anyone may create a token; each non-sufficient token the one vault
/// holds takes one of its account's consumer references. Before, the ledger took a deposit
/// of any token, so junk tokens used the references up and a newly listed token could not
/// be deposited by anyone (`Token.CannotCreate`). Now the ledger takes listed tokens only,
/// and a market whose token the vault cannot hold is refused at listing, with its reason.
#[test]
fn junk_tokens_cannot_clog_the_vault() {
	new_test_ext().execute_with(|| {
		// Junk tokens, created by a stranger (non-sufficient: each needs a consumer).
		let junk = 100u32..;
		let mut refused = 0;
		for id in junk.take(20) {
			assert_ok!(Assets::create(RuntimeOrigin::signed(CHARLIE), id, CHARLIE, 1));
			assert_ok!(Assets::mint(RuntimeOrigin::signed(CHARLIE), id, CHARLIE, 1_000));
			let before = System::consumers(&vault());
			assert_noop!(
				Orderbook::deposit(RuntimeOrigin::signed(CHARLIE), AssetKind::Asset(id), 10),
				Error::<Test>::AssetNotListed
			);
			assert_eq!(System::consumers(&vault()), before, "the ledger took nothing");
			// Sent straight to the vault, outside the ledger (the mock lets anyone create
			// tokens; the runtime does not): it takes references until none are left. All of
			// it, so Charlie's own references come back.
			if Assets::transfer(RuntimeOrigin::signed(CHARLIE), id, vault(), 1_000).is_err() {
				refused += 1;
			}
		}
		assert!(refused > 0, "the vault's consumer references ran out");
		// A new token the vault can no longer hold is refused at listing, not at the first
		// deposit: nobody is left with a market whose token cannot be deposited.
		let new_token = 200;
		assert_ok!(Assets::force_create(RuntimeOrigin::root(), new_token, ALICE, false, 1));
		assert_noop!(
			Orderbook::create_market(
				RuntimeOrigin::root(),
				AssetKind::Asset(new_token),
				NATIVE,
				10,
				LOT,
				LOT,
				0,
				0
			),
			Error::<Test>::VaultCannotHoldAsset
		);
		// A token that does not exist is refused too.
		assert_noop!(
			Orderbook::create_market(
				RuntimeOrigin::root(),
				AssetKind::Asset(999),
				NATIVE,
				10,
				LOT,
				LOT,
				0,
				0
			),
			Error::<Test>::VaultCannotHoldAsset
		);
		// The listed tokens still deposit.
		assert_ok!(Orderbook::deposit(RuntimeOrigin::signed(ALICE), BASE_TOKEN, 10));
		assert_ok!(Orderbook::deposit(RuntimeOrigin::signed(ALICE), NATIVE, 10));
		// A sufficient token needs no consumer reference: it lists and deposits.
		let sufficient = 201;
		assert_ok!(Assets::force_create(RuntimeOrigin::root(), sufficient, ALICE, true, 1));
		list(sufficient);
		assert_ok!(Assets::mint(RuntimeOrigin::signed(ALICE), sufficient, ALICE, 1_000));
		assert_ok!(Orderbook::deposit(
			RuntimeOrigin::signed(ALICE),
			AssetKind::Asset(sufficient),
			100
		));
		totals();
	});
}

/// Attack: a maker fills its ledger with other tokens after its order rests, so that crediting
/// a fill would need an entry its record has no room for. The entry was made when the order
/// rested, so the fill settles (the maker is not cancelled as `CannotSettle`), and an order
/// that cannot keep its entries is refused before it rests.
#[test]
fn a_resting_order_keeps_room_for_what_its_fills_credit() {
	new_test_ext().execute_with(|| {
		let most: u32 =
			<<Test as Config>::MaxAssetsPerAccount as frame_support::traits::Get<u32>>::get();
		assert_eq!(most, 4, "the mock's bound (the test fills it)");
		let native = funds(ALICE).quote_free;
		assert_ok!(Orderbook::withdraw(RuntimeOrigin::signed(ALICE), NATIVE, native));
		// Alice's ledger: base and three more tokens, so no room for the quote token.
		for id in [21, 22, 23] {
			assert_ok!(deposit_new_token(ALICE, id, 500));
		}
		assert_eq!(Orderbook::trading_account(&ALICE).balances.len() as u32, most);
		assert_noop!(
			Orderbook::place_order(
				RuntimeOrigin::signed(ALICE),
				0,
				Side::Sell,
				1_000,
				LOT,
				TimeInForce::GoodTilCancelled,
				None,
				None,
				SelfTradePrevention::CancelMaker,
				0
			),
			Error::<Test>::TooManyAssets
		);

		// With one token withdrawn, the order rests and keeps an (empty) quote entry...
		assert_ok!(Orderbook::withdraw(RuntimeOrigin::signed(ALICE), AssetKind::Asset(23), 500));
		let id = gtc(ALICE, Side::Sell, 1_000, LOT);
		assert_eq!(Orderbook::trading_balance(&ALICE, NATIVE), Default::default());
		assert_eq!(Orderbook::trading_account(&ALICE).balances.len() as u32, most);
		// ... which no deposit can take while the order rests.
		assert_noop!(
			Orderbook::deposit(RuntimeOrigin::signed(ALICE), AssetKind::Asset(23), 500),
			Error::<Test>::TooManyAssets
		);
		totals();

		// Bob's buy fills it, and Alice is credited.
		let bob_before = funds(BOB);
		gtc(BOB, Side::Buy, 1_000, LOT);
		assert_eq!(fills().last().expect("a fill").maker_order, id);
		assert!(Orderbook::open_orders(&ALICE).is_empty(), "filled, not cancelled");
		assert!(funds(ALICE).quote_free > 0, "the fill is credited");
		assert!(funds(BOB).base_free > bob_before.base_free, "Bob received base");
		totals();
	});
}

/// An index entry keeps every field, at the extremes too, and its id reads without unpacking.
#[test]
fn packed_index_entries_round_trip() {
	use crate::{engine::OrderRef, ledger::PackedRef};
	use codec::MaxEncodedLen;
	assert_eq!(OrderRef::max_encoded_len(), crate::ledger::PACKED_REF_LEN);
	for (id, market, side, price) in [
		(0, 0, Side::Buy, 0),
		(u64::MAX, u32::MAX, Side::Sell, u128::MAX),
		(1 << 40, 7, Side::Buy, 600_000_000),
		(3, 1, Side::Sell, (1 << 100) + 5),
	] {
		let at = OrderRef { id, market, side, price };
		let packed = PackedRef::pack(&at);
		assert_eq!(packed.unpack(), at);
		assert_eq!(packed.id(), id);
	}
}
