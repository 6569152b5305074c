//! The cached best price of each book side ([`BestPrices`]) follows the book.
use super::*;
use crate::store::scan_best;

fn cached(side: Side) -> Option<Option<Price>> {
	BestPrices::<Test>::get((0, side))
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
fn an_unknown_best_price_is_looked_up_and_then_kept() {
	new_test_ext().execute_with(|| {
		gtc(ALICE, Side::Sell, 1_100, LOT);
		gtc(ALICE, Side::Sell, 1_200, LOT);
		// As on a chain whose book predates the cache.
		BestPrices::<Test>::remove((0, Side::Sell));
		assert_eq!(Orderbook::best_prices(0), (None, Some(1_100)), "found by lookup");
		gtc(ALICE, Side::Sell, 1_050, LOT);
		assert_eq!(cached(Side::Sell), None, "a new level does not fill it in");
		gtc(BOB, Side::Buy, 1_050, LOT);
		assert_eq!(cached(Side::Sell), Some(Some(1_100)), "an emptied level does");
		gtc(BOB, Side::Buy, 1_100, LOT);
		assert_eq!(cached(Side::Sell), Some(Some(1_200)));
	});
}
