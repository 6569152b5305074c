//! The insurance fund unwinds what it took over; closed markets settle at their last index.
use crate::{
	mock::*,
	tests::{create_market, deposit, ledger_total, order, size, vault_balance},
	*,
};
use bourse_primitives::orderbook::{MarketStatus, Side, TimeInForce};
use frame_support::{assert_noop, assert_ok, traits::Hooks};

const LOT: u128 = 100_000;
const M: u32 = 0;

fn unwound() -> alloc::vec::Vec<(u128, i128)> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Perp(Event::FundUnwound { quantity, remaining, .. }) => {
				Some((quantity, remaining))
			},
			_ => None,
		})
		.collect()
}

/// Alice (120, isolated) long 10 lots at 1000 from Bob; the price falls to 920 and, with an
/// empty book, the fund takes her position over.
fn fund_takes_alices_long_over() {
	deposit(ALICE, 120);
	deposit(BOB, 1_000);
	assert_ok!(order(BOB, Side::Sell, 1_000, 10, TimeInForce::GoodTilCancelled));
	assert_ok!(order(ALICE, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
	assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 920));
	assert_ok!(Perp::liquidate(RuntimeOrigin::signed(LIQUIDATOR), ALICE, M));
	assert_eq!(size(Perp::insurance_fund()), 10 * LOT as i128);
}

#[test]
fn the_fund_sells_what_it_took_over_back_to_the_book_a_few_orders_a_block() {
	new_test_ext().execute_with(|| {
		create_market(0);
		fund_takes_alices_long_over();
		deposit(CHARLIE, 10_000);
		for price in [910, 900, 890] {
			assert_ok!(order(CHARLIE, Side::Buy, price, 3, TimeInForce::GoodTilCancelled));
		}
		// Beyond the maintenance band under mark (874): the fund does not dump there.
		assert_ok!(order(CHARLIE, Side::Buy, 800, 10, TimeInForce::GoodTilCancelled));
		Perp::on_initialize(2);
		// At most two resting orders a block (the mock's `FundUnwindFills`).
		assert_eq!(unwound(), [(6 * LOT, 4 * LOT as i128)]);
		Perp::on_initialize(3);
		assert_eq!(unwound().last(), Some(&(3 * LOT, LOT as i128)));
		Perp::on_initialize(4);
		assert_eq!(size(Perp::insurance_fund()), LOT as i128, "the 800 bid is out of band");
		assert_eq!(size(CHARLIE), 9 * LOT as i128);
		assert_eq!(ledger_total(), vault_balance());
	});
}

#[test]
fn a_closed_market_settles_every_position_at_its_last_index() {
	new_test_ext().execute_with(|| {
		create_market(0);
		deposit(ALICE, 500);
		deposit(BOB, 500);
		assert_ok!(order(BOB, Side::Sell, 1_000, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 1_100));
		assert_noop!(
			Perp::settle_closed_market(RuntimeOrigin::signed(LIQUIDATOR), M, 8),
			Error::<Test>::MarketNotClosed
		);
		assert_ok!(Orderbook::set_market_status(RuntimeOrigin::root(), M, MarketStatus::Closed));
		// The index is frozen once the market closes.
		feed_oracle(M, 1_150);
		Perp::on_initialize(2);
		assert_eq!(PerpMarkets::<Test>::get(M).expect("market").index_price, 1_100);
		let before = (Collateral::<Test>::get(ALICE), Collateral::<Test>::get(BOB));
		// One position a call, then the other.
		assert_ok!(Perp::settle_closed_market(RuntimeOrigin::signed(LIQUIDATOR), M, 1));
		assert_ok!(Perp::settle_closed_market(RuntimeOrigin::signed(LIQUIDATOR), M, 1));
		assert_eq!((size(ALICE), size(BOB)), (0, 0));
		// Alice gained 100 and Bob lost it; their isolated margins (100 each) came back.
		assert_eq!(Collateral::<Test>::get(ALICE), before.0 + 100 + 100);
		assert_eq!(Collateral::<Test>::get(BOB), before.1 - 100 + 100);
		assert_eq!(PositionHolders::<Test>::iter_keys().count(), 0);
		assert_eq!(OpenPositions::<Test>::get(), 0);
		assert_eq!(PerpMarkets::<Test>::get(M).expect("market").open_interest, 0);
		assert_noop!(
			Perp::settle_closed_market(RuntimeOrigin::signed(LIQUIDATOR), M, 8),
			Error::<Test>::NoPosition
		);
		assert_eq!(ledger_total(), vault_balance());
	});
}

#[test]
fn settlement_under_water_is_covered_like_bad_debt() {
	new_test_ext().execute_with(|| {
		create_market(0);
		deposit(ALICE, 120);
		deposit(BOB, 1_000);
		deposit(CHARLIE, 1_000);
		assert_ok!(order(BOB, Side::Sell, 1_000, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
		// A fund with 50 in it (Charlie's), and a crash to 850 nobody liquidated in time:
		// Alice's position (margin 100) is 150 under.
		Collateral::<Test>::mutate(Perp::insurance_fund(), |c| *c += 50);
		Collateral::<Test>::mutate(CHARLIE, |c| *c -= 50);
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 850));
		assert_ok!(Orderbook::set_market_status(RuntimeOrigin::root(), M, MarketStatus::Closed));
		assert_ok!(Perp::settle_closed_market(RuntimeOrigin::signed(LIQUIDATOR), M, 8));
		assert_eq!((size(ALICE), size(BOB)), (0, 0));
		assert_eq!(Collateral::<Test>::get(Perp::insurance_fund()), 0, "the fund paid 50");
		assert!(Collateral::<Test>::get(ALICE) >= 0, "no debt is left behind");
		assert_eq!(ledger_total(), vault_balance());
	});
}
