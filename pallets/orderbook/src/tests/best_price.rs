//! The best prices recorded with each market ([`crate::store::MarketRecord::top`]) follow the
//! book.
use super::*;
use crate::store::scan_best;
use bourse_primitives::orderbook::MarketStatus;

fn cached(side: Side) -> Option<Option<Price>> {
	Markets::<Test>::get(0).map(|record| record.top.of(side))
}

#[test]
fn best_prices_follow_levels_appearing_and_emptying() {
	new_test_ext().execute_with(|| {
		assert_eq!(cached(Side::Buy), Some(None), "a new market's sides are known empty");
		gtc(ALICE, Side::Buy, 900, LOT);
		gtc(ALICE, Side::Buy, 1_000, LOT);
		gtc(ALICE, Side::Buy, 800, LOT);
		assert_eq!(cached(Side::Buy), Some(Some(1_000)));
		// Selling through the best bid empties its level: the next one becomes best.
		gtc(BOB, Side::Sell, 1_000, LOT);
		assert_eq!(cached(Side::Buy), Some(Some(900)));
		let worst = Orders::<Test>::iter_values().find(|o| o.price == 800).expect("rests").id;
		assert_ok!(Orderbook::cancel_order(RuntimeOrigin::signed(ALICE), worst));
		assert_eq!(cached(Side::Buy), Some(Some(900)), "a worse level leaving changes nothing");
		gtc(BOB, Side::Sell, 900, LOT);
		assert_eq!(cached(Side::Buy), Some(None));
		assert_eq!(scan_best::<Test>(0, Side::Buy), None);
	});
}

#[test]
fn changing_a_market_keeps_its_best_prices_and_moving_them_keeps_the_market() {
	new_test_ext().execute_with(|| {
		gtc(ALICE, Side::Sell, 1_100, LOT);
		gtc(ALICE, Side::Buy, 900, LOT);
		assert_ok!(Orderbook::set_market_status(RuntimeOrigin::root(), 0, MarketStatus::Paused));
		assert_eq!((cached(Side::Buy), cached(Side::Sell)), (Some(Some(900)), Some(Some(1_100))));
		assert_ok!(Orderbook::set_market_status(RuntimeOrigin::root(), 0, MarketStatus::Active));
		let config = Orderbook::market(0).expect("market 0");
		gtc(BOB, Side::Sell, 1_050, LOT);
		gtc(BOB, Side::Buy, 950, LOT);
		assert_eq!((cached(Side::Buy), cached(Side::Sell)), (Some(Some(950)), Some(Some(1_050))));
		assert_eq!(Orderbook::market(0), Some(config), "only the best prices moved");
		assert_ok!(Orderbook::do_try_state());
	});
}

#[test]
fn the_best_level_keeps_its_price_until_its_last_order_leaves() {
	new_test_ext().execute_with(|| {
		let first = gtc(ALICE, Side::Sell, 1_100, LOT);
		let second = gtc(BOB, Side::Sell, 1_100, LOT);
		gtc(ALICE, Side::Sell, 1_200, LOT);
		assert_ok!(Orderbook::cancel_order(RuntimeOrigin::signed(BOB), second));
		assert_eq!(cached(Side::Sell), Some(Some(1_100)), "the oldest still rests there");
		assert_ok!(Orderbook::cancel_order(RuntimeOrigin::signed(ALICE), first));
		assert_eq!(cached(Side::Sell), Some(Some(1_200)), "the next level is best");
	});
}

#[test]
fn depth_sums_orders_and_leaves_out_a_level_it_cannot_read_whole() {
	new_test_ext().execute_with(|| {
		gtc(ALICE, Side::Buy, 990, LOT);
		gtc(BOB, Side::Buy, 990, 2 * LOT);
		gtc(ALICE, Side::Buy, 980, LOT);
		gtc(BOB, Side::Sell, 1_010, LOT);
		let levels = |depth: bourse_primitives::orderbook::Depth| {
			depth
				.bids
				.iter()
				.map(|l| (l.price, l.quantity, l.orders))
				.collect::<alloc::vec::Vec<_>>()
		};
		let all = Orderbook::depth(0, 10);
		assert_eq!(levels(all.clone()), [(990, 3 * LOT, 2), (980, LOT, 1)]);
		assert_eq!(all.asks.len(), 1);
		assert_eq!(levels(Orderbook::depth(0, 1)), [(990, 3 * LOT, 2)], "levels asked for");
		// Reading 2 orders a side: the 990 level is whole, the 980 one is not reached.
		assert_eq!(levels(Orderbook::depth_reading(0, 10, 2)), [(990, 3 * LOT, 2)]);
		// Reading 1: the 990 level goes on beyond it, so it is left out, not understated.
		assert_eq!(levels(Orderbook::depth_reading(0, 10, 1)), []);
	});
}

/// Ids of the orders in `side`'s front, in book order.
fn front(side: Side) -> alloc::vec::Vec<OrderId> {
	Markets::<Test>::get(0)
		.map(|record| record.top.front(side).iter().map(|first| first.id).collect())
		.unwrap_or_default()
}

#[test]
fn a_front_is_refilled_from_the_book_only_when_its_last_order_leaves() {
	new_test_ext().execute_with(|| {
		let asks: alloc::vec::Vec<OrderId> = (0..10)
			.map(|i: usize| {
				gtc(if i.is_multiple_of(2) { ALICE } else { BOB }, Side::Sell, 1_100, LOT)
			})
			.collect();
		assert_eq!(front(Side::Sell), [asks[0]], "orders joining behind the front stay out");
		assert_ok!(Orderbook::cancel_order(RuntimeOrigin::signed(ALICE), asks[0]));
		assert_eq!(front(Side::Sell), asks[1..9], "refilled with the next 8, oldest first");
		// A buy of 3 lots takes the front's first three, and no refill is needed.
		gtc(CHARLIE, Side::Buy, 1_100, 3 * LOT);
		assert_eq!(front(Side::Sell), asks[4..9]);
		// Better asks go before the front's last order: they join it, and when it is full its
		// last order drops out (it stays on the book, behind the front).
		let better = gtc(BOB, Side::Sell, 1_050, LOT);
		let between: alloc::vec::Vec<OrderId> =
			(0..3).map(|_| gtc(BOB, Side::Sell, 1_060, LOT)).collect();
		let mut expected = alloc::vec![better];
		expected.extend(&between);
		expected.extend(&asks[4..8]);
		assert_eq!(front(Side::Sell), expected, "asks[8] dropped out of the full front");
		assert_ok!(Orderbook::do_try_state());
		// An order behind the front leaving changes nothing.
		assert_ok!(Orderbook::cancel_order(RuntimeOrigin::signed(BOB), asks[9]));
		assert_eq!(front(Side::Sell), expected);
		// Buys through everything walk the front, refill it from the book, and empty it (5
		// fills is the most one order makes here).
		let fills_before = fills().len();
		gtc(CHARLIE, Side::Buy, 1_100, 5 * LOT);
		assert_eq!(front(Side::Sell), asks[5..8]);
		gtc(CHARLIE, Side::Buy, 1_100, 4 * LOT);
		assert_eq!(fills().len() - fills_before, 9, "better, between, asks[4..=8]");
		assert_eq!(front(Side::Sell), alloc::vec::Vec::<OrderId>::new());
		assert_eq!(Orders::<Test>::iter_prefix_values((0, Side::Sell)).count(), 0);
		assert_ok!(Orderbook::do_try_state());
	});
}

#[test]
fn a_front_stays_a_prefix_of_the_book_when_its_orders_are_cancelled_out_of_order() {
	new_test_ext().execute_with(|| {
		// Bids at falling prices: each sorts behind the last, so the front is the first only;
		// one cancel refills it with the next 8.
		// (Two owners: an account rests at most 8 orders here.)
		let owner = |i: usize| if i.is_multiple_of(2) { ALICE } else { BOB };
		let bids: alloc::vec::Vec<OrderId> =
			(0..12).map(|i| gtc(owner(i), Side::Buy, 1_000 - 10 * i as u128, LOT)).collect();
		assert_ok!(Orderbook::cancel_order(RuntimeOrigin::signed(ALICE), bids[0]));
		assert_eq!(front(Side::Buy), bids[1..9]);
		// Cancelling the front's orders from its back shrinks it; the last one refills it.
		for i in (1..9).rev() {
			assert_ok!(Orderbook::cancel_order(RuntimeOrigin::signed(owner(i)), bids[i]));
			assert_ok!(Orderbook::do_try_state());
		}
		assert_eq!(front(Side::Buy), bids[9..12]);
		assert_eq!(Orderbook::best_prices(0).0, Some(1_000 - 90));
	});
}
