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
		assert_eq!(Orderbook::open_order_count(), 1);
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

/// Attack: orders placed and cancelled behind a level's head (in one block, so their keys are
/// deleted only in the block's overlay) must not hide the next order from matching nor break
/// time priority; finding the next head skips them once.
#[test]
fn cancelled_orders_behind_the_head_do_not_hide_the_next_one() {
	new_test_ext().execute_with(|| {
		let head = gtc(ALICE, Side::Sell, 1_000, LOT);
		for _ in 0..3 {
			let churn: alloc::vec::Vec<_> =
				(0..4).map(|_| gtc(BOB, Side::Sell, 1_000, LOT)).collect();
			for id in churn {
				assert_ok!(Orderbook::cancel_order(RuntimeOrigin::signed(BOB), id));
			}
		}
		let next = gtc(CHARLIE, Side::Sell, 1_000, LOT);
		let level = || {
			let book = store::StorageBook::<Test>::default();
			let orders = crate::engine::level_orders(&book, 0, Side::Sell, 1_000);
			let quantity: u128 = orders.iter().map(|o| o.remaining()).sum();
			orders.first().map(|head| (head.id, orders.len(), quantity))
		};
		assert_eq!(level(), Some((head, 2, 2 * LOT)));

		place(BOB, Side::Buy, 1_000, LOT, TimeInForce::ImmediateOrCancel);
		assert_eq!(fills().last().map(|f| (f.maker_order, f.maker)), Some((head, ALICE)));
		assert_eq!(level(), Some((next, 1, LOT)), "the next live order is the head");

		place(BOB, Side::Buy, 1_000, LOT, TimeInForce::ImmediateOrCancel);
		assert_eq!(fills().last().map(|f| (f.maker_order, f.maker)), Some((next, CHARLIE)));
		assert_eq!(level(), None);
		totals();
	});
}
