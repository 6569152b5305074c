use super::*;
use frame_support::assert_noop;

#[test]
fn cancel_releases_escrow_and_relinks_level() {
	new_test_ext().execute_with(|| {
		let a = gtc(ALICE, Side::Sell, 1_000, LOT);
		let b = gtc(ALICE, Side::Sell, 1_000, 2 * LOT);
		let c = gtc(ALICE, Side::Sell, 1_000, LOT);
		assert_ok!(Orderbook::cancel_order(RuntimeOrigin::signed(ALICE), b));
		assert_eq!(funds(ALICE).base_held, 2 * LOT);
		assert_eq!(cancels(), [(b, CancelReason::User)]);
		let ids: alloc::vec::Vec<_> =
			engine::level_orders(&store::StorageBook::<Test>::default(), 0, Side::Sell, 1_000)
				.iter()
				.map(|o| o.id)
				.collect();
		assert_eq!(ids, [a, c]);
		assert_eq!(Orderbook::depth(0, 1).asks[0].quantity, 2 * LOT);
	});
}

#[test]
fn cancel_all_empties_the_accounts_orders() {
	new_test_ext().execute_with(|| {
		gtc(ALICE, Side::Sell, 1_000, LOT);
		gtc(ALICE, Side::Buy, 900, LOT);
		let bobs = gtc(BOB, Side::Buy, 900, LOT);
		assert_ok!(Orderbook::cancel_all(RuntimeOrigin::signed(ALICE), 0));
		assert!(Orderbook::open_orders(&ALICE).is_empty());
		assert_eq!((funds(ALICE).base_held, funds(ALICE).quote_held), (0, 0));
		assert!(Orderbook::find_order(bobs).is_some());
		assert_eq!(OpenOrders::<Test>::get(), 1);
	});
}

#[test]
fn only_the_owner_cancels() {
	new_test_ext().execute_with(|| {
		let id = gtc(ALICE, Side::Sell, 1_000, LOT);
		assert_noop!(
			Orderbook::cancel_order(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::OrderNotFound
		);
		assert_noop!(
			Orderbook::cancel_order(RuntimeOrigin::signed(ALICE), 77),
			Error::<Test>::OrderNotFound
		);
		assert_noop!(
			Orderbook::cancel_all(RuntimeOrigin::signed(ALICE), 5),
			Error::<Test>::MarketNotFound
		);
	});
}
