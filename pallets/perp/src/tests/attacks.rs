//! Regression tests of attacks on the risk engine (issue: "a risk engine that holds against an
//! adversarial trader"). Each one reproduces an attack that worked before its fix.
use crate::{mock::*, *};
use bourse_primitives::{
	orderbook::{SelfTradePrevention, Side, TimeInForce},
	perp::MarginMode,
};
use frame_support::{assert_noop, assert_ok, traits::Get};
use pallet_orderbook::CancelReason;

// The test market (see `tests::add_market`): index 1000, tick 10, lot 10^5 (100 quote units a
// lot at 1000), initial margin 10%, maintenance 5%, liquidation fee 1%, maker and taker fee
// as given.
use crate::tests::{create_market, deposit, order, size};

const LOT: u128 = 100_000;
const M: u32 = 0;

/// Alice (120 of collateral, isolated) buys 10 lots at 1000 from Bob (1000 of collateral):
/// margined at the minimum, so a fall to 920 puts her below maintenance.
fn alice_long_ten_lots_from_bob() {
	deposit(ALICE, 120);
	deposit(BOB, 1_000);
	assert_ok!(order(BOB, Side::Sell, 1_000, 10, TimeInForce::GoodTilCancelled));
	assert_ok!(order(ALICE, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
}

/// The order cancellations so far, with their reasons.
pub(super) fn cancels() -> alloc::vec::Vec<(u64, CancelReason)> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Orderbook(pallet_orderbook::Event::OrderCancelled {
				order_id,
				reason,
				..
			}) => Some((order_id, reason)),
			_ => None,
		})
		.collect()
}

/// The perp ledger (collateral, isolated margin, open quote balances, accrued funding) equals
/// the vault's tokens.
fn assert_vault_matches_ledger() {
	use frame_support::traits::fungible::Inspect;
	assert_eq!(Perp::ledger_total(), (Balances::balance(&Perp::vault()) - VAULT_SEED) as i128);
}

#[test]
fn margin_arithmetic_is_checked_not_wrapped() {
	// Before: `ppm_ceil` saturated the product, then added 999_999 and wrapped negative.
	assert!(margin::ppm_ceil(i128::MAX, 1_000_000).is_ok_and(|v| v == i128::MAX));
	assert!(margin::ppm_ceil(i128::MAX, 999_999).is_ok_and(|v| v > 0));
	assert!(margin::ppm_ceil(-1, 1).is_err());
	assert!(margin::notional(i128::MAX, u128::MAX).is_err());
	assert_eq!(margin::notional(-3 * LOT as i128, 1_000), Ok(-300));
	assert_eq!(margin::ppm_ceil(1, 1), Ok(1), "requirements round up");
}

#[test]
fn resting_reducing_orders_at_absurd_prices_cannot_unlock_collateral() {
	new_test_ext().execute_with(|| {
		create_market(0);
		assert_ok!(Perp::set_margin_mode(RuntimeOrigin::signed(ALICE), MarginMode::Cross));
		deposit(ALICE, 1_000);
		deposit(BOB, 10_000);
		assert_ok!(order(BOB, Side::Sell, 1_000, 1, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Buy, 1_000, 1, TimeInForce::ImmediateOrCancel));
		assert_eq!(size(ALICE), LOT as i128);
		// The attack: rest 1-lot sells (reducing, so not margin-checked) near 3.4e34 so the
		// reserved notional's requirement overflows negative. Prices have an upper bound now.
		assert_noop!(
			order(ALICE, Side::Sell, 34 * 10u128.pow(33), 1, TimeInForce::GoodTilCancelled),
			pallet_orderbook::Error::<Test>::PriceTooHigh
		);
		// At the highest price allowed a resting order is margined like any other: refused.
		let max_price = <Test as pallet_orderbook::Config>::MaxPrice::get();
		assert_noop!(
			order(ALICE, Side::Sell, max_price, 1, TimeInForce::GoodTilCancelled),
			Error::<Test>::InsufficientMargin
		);
		let health = Perp::health(&ALICE).expect("valued");
		assert!(health.initial_requirement > 0, "{health:?}");
		// Before: the withdrawal of nearly everything while long went through.
		assert_noop!(
			Perp::withdraw_collateral(RuntimeOrigin::signed(ALICE), 991),
			Error::<Test>::WouldBreachInitialMargin
		);
		assert_vault_matches_ledger();
	});
}

#[test]
fn a_maker_that_cannot_settle_is_cancelled_and_the_taker_goes_on() {
	new_test_ext().execute_with(|| {
		// 0.1% fees: a 100-lot fill at 1000 (notional 10,000) pays 10.
		create_market(1_000);
		// Bob's bid needs exactly his collateral (10% of 10,000): accepted at placement, but
		// the maker fee at the fill leaves him short of initial margin.
		deposit(BOB, 1_000);
		let bob_bid = order(BOB, Side::Buy, 1_000, 100, TimeInForce::GoodTilCancelled);
		assert_ok!(bob_bid);
		let bob_order = pallet_orderbook::Pallet::<Test>::next_order_id() - 1;
		deposit(CHARLIE, 10_000);
		assert_ok!(order(CHARLIE, Side::Buy, 990, 100, TimeInForce::GoodTilCancelled));
		deposit(ALICE, 10_000);
		// Before: Alice's sell failed with InsufficientMargin as long as Bob's bid rested.
		assert_ok!(order(ALICE, Side::Sell, 990, 100, TimeInForce::ImmediateOrCancel));
		assert_eq!(size(ALICE), -100 * LOT as i128, "filled against Charlie");
		assert_eq!(size(CHARLIE), 100 * LOT as i128);
		assert_eq!(size(BOB), 0, "Bob's fill was undone");
		assert!(cancels().contains(&(bob_order, CancelReason::CannotSettle)));
		assert!(System::events().iter().any(|r| matches!(
			r.event,
			RuntimeEvent::Orderbook(pallet_orderbook::Event::MakerCannotSettle { order_id, .. })
				if order_id == bob_order
		)));
		assert!(Orderbook::find_order(bob_order).is_none());
		assert_eq!(Collateral::<Test>::get(BOB), 1_000, "nothing of Bob's moved");
		assert_eq!(ReservedNotional::<Test>::get(BOB, M), 0);
		assert!(AccountMarkets::<Test>::get(BOB).is_empty());
		assert_vault_matches_ledger();
	});
}

#[test]
fn a_maker_that_cannot_settle_does_not_block_liquidation() {
	new_test_ext().execute_with(|| {
		// 1% fees: Charlie's 10-lot fill at 920 pays 9.
		create_market(10_000);
		deposit(ALICE, 125);
		deposit(BOB, 10_000);
		assert_ok!(order(BOB, Side::Sell, 1_000, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
		// A bid that can never settle rests at the top of the book.
		deposit(CHARLIE, 92);
		assert_ok!(order(CHARLIE, Side::Buy, 920, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 920));
		assert!(Perp::is_liquidatable(&ALICE, M).expect("valued"));
		// Before: the liquidation's close reached Charlie's bid and failed as a whole.
		assert_ok!(Perp::liquidate(RuntimeOrigin::signed(LIQUIDATOR), ALICE, M));
		assert_eq!(size(ALICE), 0);
		assert_eq!(size(CHARLIE), 0);
		assert_eq!(size(Perp::insurance_fund()), 10 * LOT as i128);
		assert_vault_matches_ledger();
	});
}

#[test]
fn the_insurance_fund_cannot_be_liquidated() {
	new_test_ext().execute_with(|| {
		create_market(0);
		alice_long_ten_lots_from_bob();
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 920));
		// Empty book: the fund takes Alice's long over and sits below maintenance at once.
		assert_ok!(Perp::liquidate(RuntimeOrigin::signed(LIQUIDATOR), ALICE, M));
		let fund = Perp::insurance_fund();
		assert_eq!(size(fund), 10 * LOT as i128);
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 500));
		let before = Collateral::<Test>::get(LIQUIDATOR);
		// Before: accepted, paying the caller half of a penalty taken from the fund.
		assert_noop!(
			Perp::liquidate(RuntimeOrigin::signed(LIQUIDATOR), fund, M),
			Error::<Test>::InsuranceFundNotLiquidatable
		);
		assert!(!Perp::is_liquidatable(&fund, M).expect("valued"));
		assert_eq!(Collateral::<Test>::get(LIQUIDATOR), before);
	});
}

#[test]
fn the_liquidated_accounts_own_bid_does_not_stop_its_liquidation() {
	new_test_ext().execute_with(|| {
		create_market(0);
		alice_long_ten_lots_from_bob();
		deposit(CHARLIE, 1_000);
		// Alice's own bid sits above everyone else's.
		assert_ok!(order(ALICE, Side::Buy, 930, 1, TimeInForce::GoodTilCancelled));
		let alice_bid = pallet_orderbook::Pallet::<Test>::next_order_id() - 1;
		assert_ok!(order(CHARLIE, Side::Buy, 910, 6, TimeInForce::GoodTilCancelled));
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 920));
		assert_ok!(Perp::liquidate(RuntimeOrigin::signed(LIQUIDATOR), ALICE, M));
		// Before: self-trade prevention cancelled the close at Alice's bid; Charlie got nothing.
		assert!(cancels().contains(&(alice_bid, CancelReason::SelfTrade)));
		assert_eq!(size(CHARLIE), 6 * LOT as i128);
		assert_eq!(size(Perp::insurance_fund()), 4 * LOT as i128);
		assert_eq!(size(ALICE), 0);
		assert_vault_matches_ledger();
	});
}

#[test]
fn the_liquidation_band_is_the_maintenance_margin() {
	new_test_ext().execute_with(|| {
		create_market(0);
		alice_long_ten_lots_from_bob();
		deposit(CHARLIE, 1_000);
		// A liquidator's bid 9% under mark: inside the old 10% band, outside the 5% one.
		assert_ok!(order(CHARLIE, Side::Buy, 840, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 920));
		assert_ok!(Perp::liquidate(RuntimeOrigin::signed(LIQUIDATOR), ALICE, M));
		// Before: Charlie bought the whole position at 840, 8.7% under mark.
		assert_eq!(size(CHARLIE), 0);
		assert_eq!(size(Perp::insurance_fund()), 10 * LOT as i128, "taken over at mark");
		assert_vault_matches_ledger();
	});
}

#[test]
fn a_liquidator_buying_the_position_cannot_take_the_funds_money() {
	new_test_ext().execute_with(|| {
		create_market(0);
		// Alice's isolated long: margin 100 at entry 1000; at 920 her equity is 20, her
		// bankruptcy price 900 (closing there costs exactly the 20).
		alice_long_ten_lots_from_bob();
		deposit(CHARLIE, 1_000);
		// Her accomplice bids at the band edge (880, 5% under mark): a close there loses 120
		// on 100 of margin, and the fund would pay the 20 the accomplice gains.
		assert_ok!(order(CHARLIE, Side::Buy, 880, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 920));
		let fund = Perp::insurance_fund();
		assert_ok!(Perp::liquidate(RuntimeOrigin::signed(CHARLIE), ALICE, M));
		// Before: Charlie bought all ten lots at 880 and the debt became bad debt.
		assert_eq!(size(CHARLIE), 0, "the bid is beyond the bankruptcy price");
		assert_eq!(size(fund), 10 * LOT as i128, "taken over at mark");
		assert!(
			!System::events().iter().any(|r| matches!(
				r.event,
				RuntimeEvent::Perp(Event::BadDebtCovered { .. } | Event::AutoDeleveraged { .. })
			)),
			"no bad debt"
		);
		assert_vault_matches_ledger();
	});
}

#[test]
fn self_liquidation_at_the_bankruptcy_price_pays_nothing() {
	new_test_ext().execute_with(|| {
		create_market(0);
		alice_long_ten_lots_from_bob();
		deposit(CHARLIE, 1_000);
		// The accomplice bids exactly at Alice's bankruptcy price and liquidates her himself.
		assert_ok!(order(CHARLIE, Side::Buy, 900, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 920));
		let together =
			|c: i128| c + Collateral::<Test>::get(ALICE) + IsolatedMargin::<Test>::get(ALICE, M);
		let before = together(Collateral::<Test>::get(CHARLIE));
		assert_ok!(Perp::liquidate(RuntimeOrigin::signed(CHARLIE), ALICE, M));
		assert_eq!(size(CHARLIE), 10 * LOT as i128);
		assert_eq!(size(ALICE), 0);
		// Alice's equity (20) is gone into the close: no penalty is left to pay a reward.
		assert_eq!(IsolatedMargin::<Test>::get(ALICE, M), 0);
		assert_eq!(Collateral::<Test>::get(Perp::insurance_fund()), 0, "the fund paid nothing");
		// Charlie's position at 900 is worth 20 at mark 920: exactly what Alice lost.
		let charlie = Positions::<Test>::get(CHARLIE, M).expect("open");
		let value_at_mark = charlie.quote_balance + 920 * 10 * LOT as i128 / 1_000_000;
		assert_eq!(value_at_mark, 20);
		assert!(together(Collateral::<Test>::get(CHARLIE) + value_at_mark) <= before);
		assert_vault_matches_ledger();
	});
}

#[test]
fn flipping_a_position_needs_initial_margin() {
	new_test_ext().execute_with(|| {
		create_market(0);
		assert_ok!(Perp::set_margin_mode(RuntimeOrigin::signed(ALICE), MarginMode::Cross));
		deposit(ALICE, 300);
		deposit(BOB, 10_000);
		deposit(CHARLIE, 10_000);
		assert_ok!(order(BOB, Side::Sell, 1_000, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
		// Alice offers twice her long: margined at placement (position + order: 300).
		assert_ok!(order(ALICE, Side::Sell, 1_000, 20, TimeInForce::GoodTilCancelled));
		let alice_ask = pallet_orderbook::Pallet::<Test>::next_order_id() - 1;
		// The index runs to 1400: a short of 10 lots opened at 1000 would be 400 under water,
		// more than her 300.
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 1_400));
		assert_ok!(order(CHARLIE, Side::Buy, 1_000, 20, TimeInForce::ImmediateOrCancel));
		// Before: the fill flipped her to short 10 lots below maintenance (|new| == |old| was
		// not "growing", so no margin check).
		assert_eq!(size(ALICE), 10 * LOT as i128, "the flip was refused");
		assert!(cancels().contains(&(alice_ask, CancelReason::CannotSettle)));
		let health = Perp::health(&ALICE).expect("valued");
		assert!(health.equity >= health.initial_requirement, "{health:?}");
		assert_vault_matches_ledger();
	});
}

#[test]
fn every_perp_state_change_reaches_the_checkpoint_digest() {
	new_test_ext().execute_with(|| {
		create_market(0);
		let noted = |tag: &[u8]| take_changes().iter().filter(|c| c.starts_with(tag)).count();
		take_changes();
		deposit(ALICE, 120);
		// Before: deposits, withdrawals, funding and takeovers never reached the digest.
		assert_eq!(noted(b"collateral"), 1, "deposit");
		assert_ok!(Perp::withdraw_collateral(RuntimeOrigin::signed(ALICE), 1));
		assert_eq!(noted(b"collateral"), 1, "withdrawal");
		deposit(BOB, 1_000);
		assert_ok!(order(BOB, Side::Sell, 1_000, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
		take_changes();
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 920));
		assert_ok!(Perp::liquidate(RuntimeOrigin::signed(LIQUIDATOR), ALICE, M));
		// Alice's close and the fund's takeover.
		assert_eq!(noted(b"position"), 2, "takeover");
		<Perp as frame_support::traits::Hooks<u64>>::on_initialize(100);
		assert!(noted(b"funding") == 1, "funding");
	});
}

#[test]
fn deleveraging_takes_only_from_the_opposite_side() {
	new_test_ext().execute_with(|| {
		create_market(0);
		deposit(BOB, 10_000);
		deposit(CHARLIE, 1_000);
		deposit(ALICE, 100);
		// Charlie goes long cheaply, Alice long at 1000 with the least margin; Bob is short.
		assert_ok!(order(BOB, Side::Sell, 500, 5, TimeInForce::GoodTilCancelled));
		assert_ok!(order(CHARLIE, Side::Buy, 500, 5, TimeInForce::ImmediateOrCancel));
		assert_ok!(order(BOB, Side::Sell, 1_000, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
		// At 800 Alice is 100 under water with an empty book and an empty fund: deleveraging.
		// Charlie (long, +150) is the most profitable position, Bob (short, +50) the other.
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 800));
		assert_ok!(Perp::liquidate(RuntimeOrigin::signed(LIQUIDATOR), ALICE, M));
		// Before: Charlie, on the liquidated side, was closed to pay for it.
		assert_eq!(size(CHARLIE), 5 * LOT as i128, "same side untouched");
		assert_eq!(size(BOB), 0, "the short winner was deleveraged");
		assert_eq!(size(Perp::insurance_fund()), -5 * LOT as i128);
		// Bob's 50 of profit covered half of the 100; the rest is the fund's deficit, not a
		// debt that Alice's next deposit would silently pay (found by the invariants).
		assert_eq!(Collateral::<Test>::get(ALICE), 0);
		assert_eq!(Collateral::<Test>::get(Perp::insurance_fund()), -50);
		System::assert_has_event(Event::DeficitTakenOver { who: ALICE, amount: 50 }.into());
		assert_vault_matches_ledger();
	});
}

#[test]
fn deleveraging_ranks_by_profit_times_leverage() {
	new_test_ext().execute_with(|| {
		create_market(0);
		deposit(BOB, 10_000);
		deposit(CHARLIE, 1_000);
		deposit(ALICE, 230);
		assert_ok!(Perp::set_margin_mode(RuntimeOrigin::signed(ALICE), MarginMode::Cross));
		// Bob shorts 10 lots and backs them with 2,100 of margin; Charlie shorts 5 with the
		// least (50). Alice (cross, 230) is long all 15.
		assert_ok!(order(BOB, Side::Sell, 1_000, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(CHARLIE, Side::Sell, 1_000, 5, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Buy, 1_000, 15, TimeInForce::ImmediateOrCancel));
		assert_ok!(Perp::add_isolated_margin(RuntimeOrigin::signed(BOB), M, 2_000));
		// At 800 Alice owes 300 on 230: 70 of bad debt, an empty fund, an empty book. Bob
		// gained 200 at leverage 800 / 2,300; Charlie 100 at leverage 400 / 150: Charlie ranks
		// first (266 against 69) and covers the 70 alone.
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 800));
		assert_ok!(Perp::liquidate(RuntimeOrigin::signed(LIQUIDATOR), ALICE, M));
		// Before: ranked by profit alone, Bob was deleveraged.
		assert_eq!(size(CHARLIE), 0, "the most leveraged winner is deleveraged");
		assert_eq!(size(BOB), -10 * LOT as i128, "the larger but safer winner is not");
		assert!(!PositionHolders::<Test>::contains_key((M, false), CHARLIE));
		assert!(PositionHolders::<Test>::contains_key((M, false), BOB));
		// The fund took Alice's long over and sold Charlie's 5 back: long 10.
		assert!(PositionHolders::<Test>::contains_key((M, true), Perp::insurance_fund()));
		assert_vault_matches_ledger();
	});
}

#[test]
fn resting_reducing_orders_are_margined_immediate_ones_are_not() {
	new_test_ext().execute_with(|| {
		create_market(0);
		assert_ok!(Perp::set_margin_mode(RuntimeOrigin::signed(ALICE), MarginMode::Cross));
		// Exactly the initial margin of a 1-lot long at 1000.
		deposit(ALICE, 10);
		deposit(BOB, 10_000);
		assert_ok!(order(BOB, Side::Sell, 1_000, 1, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Buy, 1_000, 1, TimeInForce::ImmediateOrCancel));
		// Before: any number of 1-lot "reducing" asks rested with no margin, outlived the
		// position and then failed (and so blocked) every taker that reached them.
		assert_noop!(
			order(ALICE, Side::Sell, 1_000, 1, TimeInForce::GoodTilCancelled),
			Error::<Test>::InsufficientMargin
		);
		// Closing at once needs no margin.
		assert_ok!(order(BOB, Side::Buy, 1_000, 1, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Sell, 1_000, 1, TimeInForce::ImmediateOrCancel));
		assert_eq!(size(ALICE), 0);
		assert_vault_matches_ledger();
	});
}

#[test]
fn a_market_order_that_meets_only_makers_that_cannot_settle_clears_them() {
	new_test_ext().execute_with(|| {
		create_market(1_000);
		// Two bids that cannot pay their maker fee at the fill (see above).
		deposit(BOB, 1_000);
		assert_ok!(order(BOB, Side::Buy, 1_000, 100, TimeInForce::GoodTilCancelled));
		let first = pallet_orderbook::Pallet::<Test>::next_order_id() - 1;
		deposit(CHARLIE, 1_000);
		assert_ok!(order(CHARLIE, Side::Buy, 1_000, 100, TimeInForce::GoodTilCancelled));
		let second = pallet_orderbook::Pallet::<Test>::next_order_id() - 1;
		deposit(ALICE, 10_000);
		let sell = || {
			Orderbook::place_market_order(
				RuntimeOrigin::signed(ALICE),
				M,
				Side::Sell,
				100 * LOT,
				pallet_orderbook::MarketOrderBound::WorstPrice(900),
				SelfTradePrevention::CancelMaker,
			)
		};
		// Before (with the makers cancelled but the order failing for no liquidity) the
		// cancellations were rolled back and the next market order met them again.
		assert_ok!(sell());
		assert_eq!(size(ALICE), 0);
		assert!(cancels().contains(&(first, CancelReason::CannotSettle)));
		assert!(cancels().contains(&(second, CancelReason::CannotSettle)));
		assert_eq!(pallet_orderbook::Pallet::<Test>::best_prices(M).0, None, "the book is clear");
		assert_noop!(sell(), pallet_orderbook::Error::<Test>::NoLiquidity);
		assert_vault_matches_ledger();
	});
}

/// Alice (cross or isolated, 120 of collateral) is long 10 lots at 1000 from Bob; Bob rests a
/// buy of 10 lots far below mark, at 10, and Alice sells into it. Before: reducing fills were
/// never checked, so Alice realised a loss of 990 on 120 (flat, collateral -870) and Bob a gain
/// of 990 he could withdraw from the vault, paid by every other trader's deposits.
fn dump_position_to_a_friend(mode: MarginMode) {
	assert_ok!(Perp::set_margin_mode(RuntimeOrigin::signed(ALICE), mode));
	assert_ok!(Perp::set_margin_mode(RuntimeOrigin::signed(BOB), MarginMode::Cross));
	alice_long_ten_lots_from_bob();
	assert_ok!(order(BOB, Side::Buy, 10, 10, TimeInForce::GoodTilCancelled));
	let bob_before = Collateral::<Test>::get(BOB);
	// As the taker: refused, nothing changes.
	assert_noop!(
		order(ALICE, Side::Sell, 10, 10, TimeInForce::ImmediateOrCancel),
		Error::<Test>::WouldGoBankrupt
	);
	// As the maker: Alice's resting sell at 10 is cancelled when Bob's buy reaches it.
	assert_ok!(Orderbook::cancel_all(RuntimeOrigin::signed(BOB), M));
	assert_ok!(order(ALICE, Side::Sell, 10, 10, TimeInForce::GoodTilCancelled));
	let alice_order = pallet_orderbook::Pallet::<Test>::next_order_id() - 1;
	assert_ok!(order(BOB, Side::Buy, 10, 10, TimeInForce::ImmediateOrCancel));
	assert!(cancels().contains(&(alice_order, CancelReason::CannotSettle)), "{:?}", cancels());
	assert_eq!(size(ALICE), 10 * LOT as i128, "Alice still holds her position");
	assert_eq!(Collateral::<Test>::get(BOB), bob_before, "Bob gained nothing");
	// A close that Alice's margin covers still goes through (from 1000 to 990: a loss of 10).
	assert_ok!(order(BOB, Side::Buy, 990, 10, TimeInForce::GoodTilCancelled));
	assert_ok!(order(ALICE, Side::Sell, 990, 10, TimeInForce::ImmediateOrCancel));
	assert_eq!(size(ALICE), 0);
	assert_eq!(Collateral::<Test>::get(ALICE), 110);
	assert_vault_matches_ledger();
}

#[test]
fn a_reducing_fill_cannot_dump_a_loss_beyond_the_margin_cross() {
	new_test_ext().execute_with(|| {
		create_market(0);
		dump_position_to_a_friend(MarginMode::Cross);
	});
}

#[test]
fn a_reducing_fill_cannot_dump_a_loss_beyond_the_margin_isolated() {
	new_test_ext().execute_with(|| {
		create_market(0);
		dump_position_to_a_friend(MarginMode::Isolated);
	});
}

#[test]
fn an_isolated_position_closed_on_the_book_pays_its_penalty_from_its_margin() {
	new_test_ext().execute_with(|| {
		create_market(0);
		// Alice has 9,900 free beside her isolated position's 100 of margin.
		deposit(ALICE, 10_000);
		deposit(BOB, 1_000);
		deposit(CHARLIE, 1_000);
		assert_ok!(order(BOB, Side::Sell, 1_000, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
		assert_eq!(IsolatedMargin::<Test>::get(ALICE, M), 100);
		// At 920 her position's equity is 20, below its maintenance of 46; Charlie's bid at
		// 910 (above her bankruptcy price, 900) takes the whole position.
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 920));
		assert_ok!(order(CHARLIE, Side::Buy, 910, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(Perp::liquidate(RuntimeOrigin::signed(LIQUIDATOR), ALICE, M));
		assert_eq!((size(ALICE), size(CHARLIE)), (0, 10 * LOT as i128));
		// The close left 10 of the isolated margin: the penalty (1% of 920, 10) comes from
		// it, half to the liquidator. Returned to Alice's free collateral at the close (as a
		// trader's flat isolated position is), it would have escaped the penalty.
		assert_eq!(Collateral::<Test>::get(LIQUIDATOR), 5);
		assert_eq!(Collateral::<Test>::get(ALICE), 9_900);
		assert_eq!(IsolatedMargin::<Test>::get(ALICE, M), 0);
		assert_vault_matches_ledger();
	});
}
