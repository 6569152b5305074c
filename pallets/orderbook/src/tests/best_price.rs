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
