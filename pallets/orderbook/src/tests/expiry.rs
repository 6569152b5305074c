use super::*;
use frame_support::{traits::Hooks, weights::Weight};

fn place_until(who: AccountId, side: Side, price: Price, last_block: u32) -> OrderId {
	let id = Orderbook::next_order_id();
	assert_ok!(Orderbook::place_order(
		RuntimeOrigin::signed(who),
		0,
		side,
		price,
		LOT,
		TimeInForce::GoodTilCancelled,
		Some(last_block),
		None,
		SelfTradePrevention::CancelMaker,
		u32::MAX
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
		assert!(Orderbook::find_order(id).is_some(), "may trade in block 3");
		Orderbook::on_idle(4, Weight::MAX);
		assert!(Orderbook::find_order(id).is_none());
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
		assert!(ids.iter().all(|id| Orderbook::find_order(*id).is_some()));
		// Weight for about two expiries per block.
		let budget = <() as WeightInfo>::expire_order().saturating_mul(2);
		Orderbook::on_idle(4, budget);
		let left = ids.iter().filter(|id| Orderbook::find_order(**id).is_some()).count();
		assert!(left > 0 && left < 4, "partly processed: {left} left");
		Orderbook::on_idle(5, Weight::MAX);
		assert!(ids.iter().all(|id| Orderbook::find_order(*id).is_none()));
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
				SelfTradePrevention::CancelMaker,
				u32::MAX
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
				u32::MAX,
			)
		};
		frame_support::assert_noop!(at(1_011), Error::<Test>::ExpiryTooFar);
		frame_support::assert_noop!(at(u32::MAX), Error::<Test>::ExpiryTooFar);
		assert_ok!(at(1_010));
	});
}

#[test]
fn no_block_limits_expiries_and_orders_leave_their_block_as_they_leave_the_book() {
	new_test_ext().execute_with(|| {
		// Before, a block's expiry list held 4 (mock) / 1,024 (runtime) orders, and placing and
		// cancelling filled it for everyone (`TooManyExpiries`).
		let mut ids: alloc::vec::Vec<_> = (0..6)
			.map(|i| place_until([ALICE, BOB][i % 2], Side::Sell, 1_000 + 10 * i as u128, 9))
			.collect();
		let in_block_9 = || Expiries::<Test>::iter_key_prefix(9).count();
		assert_eq!(in_block_9(), 6);
		// Cancelled, filled and replaced orders leave block 9's index at once.
		assert_ok!(Orderbook::cancel_order(RuntimeOrigin::signed(ALICE), ids.remove(0)));
		gtc(CHARLIE, Side::Buy, 1_010, LOT); // fills Bob's ask at 1_010
		ids.remove(0);
		assert_eq!(in_block_9(), 4);
		assert_ok!(replace(ALICE, ids[0], 1_060, LOT));
		assert_eq!(in_block_9(), 4, "the replacement keeps the expiry");
		assert!(!Expiries::<Test>::contains_key(9, ids[0]), "the old id left");
		// More in the same block, up to Charlie's order limit: one key each, no list to fill.
		for i in 0..8u128 {
			place_until(CHARLIE, Side::Buy, 500 - i * 10, 9);
		}
		assert_eq!(in_block_9(), 12);
		Orderbook::on_idle(10, Weight::MAX);
		assert_eq!(in_block_9(), 0);
		assert_eq!(Orders::<Test>::iter().count(), 0, "every one of them expired");
		assert_eq!(funds(CHARLIE).quote_held, 0);
		totals();
	});
}
