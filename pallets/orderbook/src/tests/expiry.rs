use super::*;
use frame_support::{traits::Hooks, weights::Weight};

fn place_until(who: AccountId, side: Side, price: Price, last_block: u32) -> OrderId {
	let id = NextOrderId::<Test>::get();
	assert_ok!(Orderbook::place_order(
		RuntimeOrigin::signed(who),
		0,
		side,
		price,
		LOT,
		TimeInForce::GoodTilCancelled,
		Some(last_block),
		None,
		SelfTradePrevention::CancelMaker
	));
	id
}

#[test]
fn orders_expire_after_their_last_block() {
	new_test_ext().execute_with(|| {
		let id = place_until(ALICE, Side::Sell, 1_000, 3);
		for n in 1..=3 {
			Orderbook::on_idle(n, Weight::MAX);
		}
		assert!(Orders::<Test>::get(id).is_some(), "may trade in block 3");
		Orderbook::on_idle(4, Weight::MAX);
		assert!(Orders::<Test>::get(id).is_none());
		assert_eq!(cancels(), [(id, CancelReason::Expired)]);
		assert_eq!(funds(ALICE).base_held, 0);
		assert_eq!(ExpiryCursor::<Test>::get(), 4);
	});
}

#[test]
fn backlog_is_worked_off_when_blocks_are_full() {
	new_test_ext().execute_with(|| {
		let ids: alloc::vec::Vec<_> =
			(0..4).map(|i| place_until(ALICE, Side::Sell, 1_000 + 10 * i, 2)).collect();
		// No idle weight in block 3: nothing happens, nothing is lost.
		Orderbook::on_idle(3, Weight::zero());
		assert!(ids.iter().all(|id| Orders::<Test>::get(id).is_some()));
		// Weight for about two expiries per block.
		let budget = <() as WeightInfo>::expire_order().saturating_mul(2);
		Orderbook::on_idle(4, budget);
		let left = ids.iter().filter(|id| Orders::<Test>::get(id).is_some()).count();
		assert!(left > 0 && left < 4, "partly processed: {left} left");
		Orderbook::on_idle(5, Weight::MAX);
		assert!(ids.iter().all(|id| Orders::<Test>::get(id).is_none()));
		assert_eq!(funds(ALICE).base_held, 0);
	});
}

#[test]
fn expired_orders_never_trade_even_before_cleanup() {
	new_test_ext().execute_with(|| {
		let stale = place_until(ALICE, Side::Sell, 1_000, 1);
		System::set_block_number(5);
		gtc(BOB, Side::Buy, 1_000, LOT);
		assert!(fills().is_empty());
		assert!(cancels().contains(&(stale, CancelReason::Expired)));
		assert_eq!(funds(ALICE).base_held, 0);
	});
}

#[test]
fn expiry_in_the_past_is_refused() {
	new_test_ext().execute_with(|| {
		System::set_block_number(10);
		frame_support::assert_noop!(
			Orderbook::place_order(
				RuntimeOrigin::signed(ALICE),
				0,
				Side::Sell,
				1_000,
				LOT,
				TimeInForce::GoodTilCancelled,
				Some(9),
				None,
				SelfTradePrevention::CancelMaker
			),
			Error::<Test>::ExpiryInPast
		);
		// Nor beyond the horizon (1,000 blocks in the mock): far-future expiry lists are
		// shared and must not be filled for free.
		let at = |last| {
			Orderbook::place_order(
				RuntimeOrigin::signed(ALICE),
				0,
				Side::Sell,
				1_000,
				LOT,
				TimeInForce::GoodTilCancelled,
				Some(last),
				None,
				SelfTradePrevention::CancelMaker,
			)
		};
		frame_support::assert_noop!(at(1_011), Error::<Test>::ExpiryTooFar);
		frame_support::assert_noop!(at(u32::MAX), Error::<Test>::ExpiryTooFar);
		assert_ok!(at(1_010));
	});
}

#[test]
fn a_full_expiry_block_refuses_one_more_order_and_changes_nothing() {
	new_test_ext().execute_with(|| {
		// The mock allows 4 expiries per block.
		let ids: alloc::vec::Vec<_> =
			(0..4).map(|i| place_until(ALICE, Side::Sell, 1_000 + 10 * i, 9)).collect();
		assert_eq!(Expiries::<Test>::get(9).into_inner(), ids);
		frame_support::assert_noop!(
			Orderbook::place_order(
				RuntimeOrigin::signed(BOB),
				0,
				Side::Buy,
				900,
				LOT,
				TimeInForce::GoodTilCancelled,
				Some(9),
				None,
				SelfTradePrevention::CancelMaker
			),
			Error::<Test>::TooManyExpiries
		);
	});
}

#[test]
fn an_order_that_traded_keeps_its_fills_when_its_remainder_finds_no_room() {
	new_test_ext().execute_with(|| {
		// Block 9's expiry list is full (the mock allows 4).
		for i in 0..4 {
			place_until(ALICE, Side::Sell, 1_000 + 10 * i, 9);
		}
		let id = NextOrderId::<Test>::get();
		// Before: the remainder's full expiry list reverted the whole order, its fill too.
		assert_ok!(Orderbook::place_order(
			RuntimeOrigin::signed(BOB),
			0,
			Side::Buy,
			1_000,
			2 * LOT,
			TimeInForce::GoodTilCancelled,
			Some(9),
			None,
			SelfTradePrevention::CancelMaker
		));
		assert_eq!(fills().len(), 1, "the fill stands");
		assert!(cancels().contains(&(id, CancelReason::NoRoom)));
		assert!(Orders::<Test>::get(id).is_none());
		assert_eq!(funds(BOB).quote_held, 0, "an order that does not rest keeps no escrow");
	});
}
