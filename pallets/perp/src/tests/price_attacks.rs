//! Attacks on how perp risk is priced (issue 33): a mark leaned on by resting orders, margin
//! taken out against it, and resting "reducing" orders that open a position at a stale
//! index. Each test failed on the code before its fix.
use super::attacks::cancels;
use crate::{
	mock::*,
	tests::{create_market, deposit, order, size},
	*,
};
use bourse_primitives::{
	orderbook::{Side, TimeInForce},
	perp::MarginMode,
};
use frame_support::{assert_noop, assert_ok, traits::Hooks};
use pallet_orderbook::CancelReason;

// The test market: index 1000, tick 10, lot 10^5 (100 of quote at 1000), initial margin 10%,
// maintenance 5% (so a mark band of 2.5%), impact notional 1,000.
const LOT: u128 = 100_000;
const M: u32 = 0;

fn perp() -> PerpMarket {
	PerpMarkets::<Test>::get(M).expect("market")
}

fn mark() -> u128 {
	Perp::mark_price(M, &perp())
}

/// Attack 1, and its cost. Alice is short 10 lots at 1000 with 100 of isolated margin: twice
/// her maintenance (50) at the index. Before: one resting bid of the impact notional at a far
/// price, never filled, pulled the mark up block by block (the basis) until she was
/// liquidated at 1,048, the index never moving: about 1,000 of quote resting was the whole
/// cost. Now the mark stays within the band (index ± 25), and liquidation needs her under
/// maintenance at the index as well: 20 times that size resting for 60 blocks does not do
/// it. Only the index (the oracle) can, however much rests.
#[test]
fn resting_orders_alone_cannot_liquidate_a_position_healthy_at_the_index() {
	new_test_ext().execute_with(|| {
		create_market(0);
		deposit(ALICE, 150);
		deposit(BOB, 1_000);
		assert_ok!(order(BOB, Side::Buy, 1_000, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Sell, 1_000, 10, TimeInForce::ImmediateOrCancel));
		assert_eq!(size(ALICE), -10 * LOT as i128);
		assert_eq!(IsolatedMargin::<Test>::get(ALICE, M), 100);

		// The attacker rests 100 lots bid at twice the index: 20,000 of notional.
		deposit(CHARLIE, 100_000);
		assert_ok!(order(CHARLIE, Side::Buy, 2_000, 100, TimeInForce::GoodTilCancelled));
		let band = Perp::mark_band(&perp());
		assert_eq!(band, 25);
		for n in 2..=61 {
			Perp::on_initialize(n);
			assert!(mark() <= 1_000 + band, "block {n}: mark {} beyond the band", mark());
			assert!(!Perp::is_liquidatable(&ALICE, M).expect("valued"), "block {n}");
		}
		assert_eq!(mark(), 1_020, "pushed to the band's edge (on the tick grid), no farther");
		assert_noop!(
			Perp::liquidate(RuntimeOrigin::signed(LIQUIDATOR), ALICE, M),
			Error::<Test>::NotLiquidatable
		);
		// Even at the pushed mark she holds 80 against 51; at the index, 100 against 50.
		let at_index =
			Perp::position_health_at(&ALICE, M, margin::PriceBasis::Index).expect("valued");
		assert_eq!((at_index.equity, at_index.maintenance_requirement), (100, 50));

		// The index moving (the oracle, not an order) is what liquidates: at 1,050 she is
		// under maintenance at the index and at the mark.
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 1_050));
		assert!(Perp::is_liquidatable(&ALICE, M).expect("valued"));
		assert_ok!(Perp::liquidate(RuntimeOrigin::signed(LIQUIDATOR), ALICE, M));
		assert_eq!(size(ALICE), 0);
	});
}

/// A trader propping the mark up with its own bid delays its liquidation by at most the band:
/// it is liquidated while its equity at the index is still positive, so the delay leaves no
/// bad debt.
#[test]
fn propping_up_the_mark_delays_a_liquidation_by_the_band_at_most() {
	new_test_ext().execute_with(|| {
		create_market(0);
		deposit(ALICE, 10_000);
		deposit(BOB, 1_000);
		assert_ok!(order(BOB, Side::Sell, 1_000, 10, TimeInForce::GoodTilCancelled));
		// Cross margin: Alice's resting bid is margined from the same collateral.
		assert_ok!(Perp::set_margin_mode(RuntimeOrigin::signed(CHARLIE), MarginMode::Cross));
		deposit(CHARLIE, 120);
		assert_ok!(order(CHARLIE, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
		// Alice, a friend, rests a deep bid far above the index to prop the mark up.
		assert_ok!(order(ALICE, Side::Buy, 1_500, 10, TimeInForce::GoodTilCancelled));
		for n in 2..=20 {
			Perp::on_initialize(n);
		}
		// The index falls 8%: at the index Charlie holds 120 - 80 = 40 < 46.
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 920));
		for n in 21..=40 {
			Perp::on_initialize(n);
		}
		let at_index =
			Perp::position_health_at(&CHARLIE, M, margin::PriceBasis::Index).expect("valued");
		assert!(at_index.equity < at_index.maintenance_requirement, "{at_index:?}");
		// ... but not at the propped mark (920 + 23, on the grid 940): 120 - 60 = 60 >= 47.
		assert_eq!(mark(), 940);
		assert!(!Perp::is_liquidatable(&CHARLIE, M).expect("valued"));
		// At 900 the band no longer saves him (120 - 80 = 40 < 46 at the mark, 920): he is
		// liquidated with equity left at the index (120 - 100 = 20; the band is half the
		// maintenance margin, so at least the other half is left when the mark gives way).
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 900));
		Perp::on_initialize(41);
		let at_index =
			Perp::position_health_at(&CHARLIE, M, margin::PriceBasis::Index).expect("valued");
		assert!(at_index.equity > 0, "{at_index:?}");
		assert!(Perp::is_liquidatable(&CHARLIE, M).expect("valued"));
		assert_ok!(Perp::liquidate(RuntimeOrigin::signed(LIQUIDATOR), CHARLIE, M));
		assert_eq!(size(CHARLIE), 0);
	});
}

/// Attack 2. With the mark pushed above the index, a long's margin looked larger than it was:
/// `remove_isolated_margin` and `withdraw_collateral` paid out what only the pushed mark
/// justified. Now both need initial margin at the index as well as at the mark.
#[test]
fn margin_cannot_be_taken_out_against_a_pushed_mark() {
	new_test_ext().execute_with(|| {
		create_market(0);
		deposit(BOB, 1_000);
		assert_ok!(order(BOB, Side::Sell, 1_000, 15, TimeInForce::GoodTilCancelled));
		// Alice, isolated: 10 lots long, 100 of margin (her initial margin), 200 free.
		deposit(ALICE, 300);
		assert_ok!(order(ALICE, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
		assert_eq!(IsolatedMargin::<Test>::get(ALICE, M), 100);
		// The liquidator's account, cross: 5 lots long on 60 of collateral (10 over initial).
		assert_ok!(Perp::set_margin_mode(RuntimeOrigin::signed(LIQUIDATOR), MarginMode::Cross));
		deposit(LIQUIDATOR, 60);
		assert_ok!(order(LIQUIDATOR, Side::Buy, 1_000, 5, TimeInForce::ImmediateOrCancel));

		// Charlie's bid of the impact notional pushes the mark up.
		deposit(CHARLIE, 10_000);
		assert_ok!(order(CHARLIE, Side::Buy, 1_100, 10, TimeInForce::GoodTilCancelled));
		for n in 2..=10 {
			Perp::on_initialize(n);
		}
		assert_eq!(mark(), 1_020);
		// At the mark Alice's position holds 120 against 102: 18 looks free. At the index it
		// holds 100 against 100: nothing is.
		assert_noop!(
			Perp::remove_isolated_margin(RuntimeOrigin::signed(ALICE), M, 10),
			Error::<Test>::WouldBreachInitialMargin
		);
		// The cross account: 70 against 51 at the mark, 60 against 50 at the index.
		assert_noop!(
			Perp::withdraw_collateral(RuntimeOrigin::signed(LIQUIDATOR), 15),
			Error::<Test>::WouldBreachInitialMargin
		);
		assert_ok!(Perp::withdraw_collateral(RuntimeOrigin::signed(LIQUIDATOR), 10));
		// Alice adds margin; what she adds she may take back.
		assert_ok!(Perp::add_isolated_margin(RuntimeOrigin::signed(ALICE), M, 30));
		assert_ok!(Perp::remove_isolated_margin(RuntimeOrigin::signed(ALICE), M, 30));
	});
}

/// Attack 3. With the index stale, a 1-lot long rested two 1-lot sells, each "reducing"
/// against the position alone; both filled and the long became a short opened at a stale
/// price. Now a resting order reduces only when it is the account's only one on its side, and
/// a fill that would open or grow a position at a stale index cannot settle: the maker is
/// cancelled (`CannotSettle`), whatever it was when it rested.
#[test]
fn resting_reducing_orders_cannot_open_a_position_at_a_stale_index() {
	new_test_ext().execute_with(|| {
		create_market(0);
		deposit(ALICE, 1_000);
		deposit(BOB, 1_000);
		deposit(CHARLIE, 1_000);
		assert_ok!(order(BOB, Side::Sell, 1_000, 3, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Buy, 1_000, 1, TimeInForce::ImmediateOrCancel));
		assert_ok!(order(CHARLIE, Side::Buy, 1_000, 2, TimeInForce::ImmediateOrCancel));
		// While the price is fresh Alice rests two 1-lot sells (margined as new exposure).
		assert_ok!(order(ALICE, Side::Sell, 1_010, 1, TimeInForce::GoodTilCancelled));
		let second = pallet_orderbook::Pallet::<Test>::next_order_id();
		assert_ok!(order(ALICE, Side::Sell, 1_020, 1, TimeInForce::GoodTilCancelled));

		set_time(60_001);
		assert!(!Perp::is_fresh(M));
		// Placement: Charlie (2 lots long) may rest one reducing sell, not a second one.
		assert_ok!(order(CHARLIE, Side::Sell, 1_030, 1, TimeInForce::GoodTilCancelled));
		assert_noop!(
			order(CHARLIE, Side::Sell, 1_040, 1, TimeInForce::GoodTilCancelled),
			Error::<Test>::StalePrice
		);
		// Fills: Bob reduces his short by 2 lots; Alice's first sell closes her long, her
		// second would open a short at the stale index and is cancelled.
		assert_ok!(order(BOB, Side::Buy, 1_020, 2, TimeInForce::ImmediateOrCancel));
		assert_eq!(size(ALICE), 0, "no short opened at a stale price");
		assert_eq!(size(BOB), -2 * LOT as i128);
		assert!(cancels().contains(&(second, CancelReason::CannotSettle)));
		assert!(pallet_orderbook::Pallet::<Test>::find_order(second).is_none());
	});
}
