//! Index, mark and funding prices: the oracle path, its bounds, and what one order can (not)
//! move. See [`crate::pricing`].
use crate::{
	mock::*,
	tests::{add_market, create_market, deposit, ledger_total, order, size, vault_balance},
	*,
};
use bourse_primitives::orderbook::{Side, TimeInForce};
use frame_support::{assert_noop, assert_ok, traits::Hooks};

const M: u32 = 0;

fn index() -> u128 {
	PerpMarkets::<Test>::get(M).expect("market").index_price
}

fn mark() -> u128 {
	Perp::mark_price(M, &PerpMarkets::<Test>::get(M).expect("market"))
}

fn cumulative() -> i128 {
	PerpMarkets::<Test>::get(M).expect("market").cumulative_funding
}

fn perp_events() -> alloc::vec::Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Perp(e) => Some(e),
			_ => None,
		})
		.collect()
}

#[test]
fn the_oracle_sets_the_index_moving_it_at_most_the_bound_per_block() {
	new_test_ext().execute_with(|| {
		create_market(0);
		feed_oracle(M, 1_020);
		assert_eq!(index(), 1_000, "observations are taken at the next block's start");
		Perp::on_initialize(2);
		assert_eq!(index(), 1_020);
		// A jump of 50% moves the index 5% (50) per block toward it, and says so.
		feed_oracle(M, 1_534);
		Perp::on_initialize(3);
		assert_eq!(index(), 1_070);
		assert!(perp_events().contains(&Event::IndexPriceClamped {
			market: M,
			observed: 1_534,
			applied: 1_070
		}));
		for n in 4..20 {
			Perp::on_initialize(n);
		}
		assert_eq!(index(), 1_530, "reached, rounded down to the tick grid");
		// Off the market's price range (0, or beyond the book's largest price): ignored.
		feed_oracle(M, 0);
		Perp::on_initialize(20);
		assert_eq!(index(), 1_530);
		assert!(perp_events().contains(&Event::OraclePriceRejected { market: M, price: 0 }));
	});
}

#[test]
fn a_stale_index_refuses_new_exposure_and_withdrawals_but_not_closing_or_liquidation() {
	new_test_ext().execute_with(|| {
		create_market(0);
		deposit(ALICE, 120);
		deposit(BOB, 1_000);
		deposit(CHARLIE, 1_000);
		assert_ok!(order(BOB, Side::Sell, 1_000, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
		assert_ok!(order(CHARLIE, Side::Sell, 1_010, 1, TimeInForce::GoodTilCancelled));
		// The observation behind the index (made at 0) is now older than 60 s.
		set_time(60_001);
		assert!(!Perp::is_fresh(M));
		assert_noop!(
			order(CHARLIE, Side::Buy, 990, 1, TimeInForce::GoodTilCancelled),
			Error::<Test>::StalePrice
		);
		assert_noop!(
			Perp::withdraw_collateral(RuntimeOrigin::signed(ALICE), 1),
			Error::<Test>::StalePrice
		);
		// Alice may rest a sell that reduces her long.
		assert_ok!(order(ALICE, Side::Sell, 1_010, 1, TimeInForce::GoodTilCancelled));
		// Bob may still reduce his short. Charlie's resting sell comes first, but its fill
		// would open a short at the stale index (his order rested while the price was fresh):
		// it cannot settle and is cancelled; Bob buys from Alice, who reduces.
		assert_ok!(order(BOB, Side::Buy, 1_010, 1, TimeInForce::ImmediateOrCancel));
		assert_eq!(size(BOB), -9 * 100_000);
		assert_eq!(size(ALICE), 9 * 100_000);
		assert_eq!(size(CHARLIE), 0, "no position opened at a stale index");
		// An account without positions withdraws freely.
		deposit(LIQUIDATOR, 100);
		assert_ok!(Perp::withdraw_collateral(RuntimeOrigin::signed(LIQUIDATOR), 100));
		// Liquidation goes on at the last good index, and says so.
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 920));
		set_time(120_002);
		assert_ok!(Perp::liquidate(RuntimeOrigin::signed(LIQUIDATOR), ALICE, M));
		assert_eq!(size(ALICE), 0);
		assert!(perp_events().contains(&Event::StalePriceUsed {
			market: M,
			index_price: 920,
			observed_at: 60_001
		}));
		assert_eq!(ledger_total(), vault_balance());
		// A fresh observation lifts the stop.
		feed_oracle(M, 920);
		Perp::on_initialize(2);
		assert!(Perp::is_fresh(M));
		assert_ok!(order(CHARLIE, Side::Buy, 900, 1, TimeInForce::GoodTilCancelled));
	});
}

#[test]
fn one_small_order_at_the_top_of_the_book_does_not_move_the_mark_or_funding() {
	new_test_ext().execute_with(|| {
		create_market(0);
		deposit(CHARLIE, 1_000);
		// One lot each side (notional 150 and 160 < impact notional 1,000), 50% over the
		// index. Before, the mark was median(index, best bid, best ask) = 1500 and funding ran
		// at its cap.
		assert_ok!(order(CHARLIE, Side::Buy, 1_500, 1, TimeInForce::GoodTilCancelled));
		assert_ok!(order(CHARLIE, Side::Sell, 1_600, 1, TimeInForce::GoodTilCancelled));
		assert_eq!(mark(), 1_000, "the mark is fixed for the block");
		for n in 2..=11 {
			Perp::on_initialize(n);
			assert_eq!(mark(), 1_000);
		}
		assert_eq!(cumulative(), 0, "no funding from a bid without depth");
		let rate = PerpMarkets::<Test>::get(M).expect("market").last_funding_rate_ppm;
		assert_eq!(rate, 0);
	});
}

#[test]
fn a_deep_book_moves_the_mark_through_the_basis_over_time() {
	new_test_ext().execute_with(|| {
		create_market(0);
		deposit(CHARLIE, 10_000);
		// Ten lots bid at 1100 (notional 1,100): the impact bid is 100 over the index.
		assert_ok!(order(CHARLIE, Side::Buy, 1_100, 10, TimeInForce::GoodTilCancelled));
		// basis_n = basis_{n-1} + (100 - basis_{n-1}) / 4: 25, 43, 57, 67, ...; the mark is
		// median(1000, 1100, 1000 + basis) = 1025, 1043, ... held within the mark band (half
		// the maintenance margin of 5%: 25), on the tick grid toward the index.
		assert_eq!(Perp::mark_band(&PerpMarkets::<Test>::get(M).expect("market")), 25);
		let expected = [1_020; 8];
		for (n, want) in (2..).zip(expected) {
			Perp::on_initialize(n);
			assert_eq!(mark(), want, "block {n}");
		}
		// Once the bid leaves, the premium is 0 and the mark returns to the index at once
		// (median of 1000, 1000 and 1000 + basis).
		assert_ok!(Orderbook::cancel_order(RuntimeOrigin::signed(CHARLIE), 1));
		Perp::on_initialize(10);
		assert_eq!(mark(), 1_000);
	});
}

#[test]
fn funding_below_a_tick_is_carried_and_paid_instead_of_lost() {
	new_test_ext().execute_with(|| {
		// Largest funding 0.1% of 1000 = 1 per interval of 10 blocks: a tenth of a tick.
		create_market(0);
		deposit(ALICE, 1_000);
		deposit(BOB, 1_000);
		deposit(CHARLIE, 10_000);
		assert_ok!(order(BOB, Side::Sell, 1_000, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
		assert_ok!(order(CHARLIE, Side::Buy, 1_100, 10, TimeInForce::GoodTilCancelled));
		let mut paid = alloc::vec::Vec::new();
		for interval in 1..=10u64 {
			Perp::on_initialize(1 + 10 * interval);
			paid.push(cumulative());
		}
		// Before the fix the payment was rounded to the tick each interval: 0 forever.
		assert_eq!(paid, [0, 0, 0, 0, 0, 0, 0, 0, 0, 10]);
		let market = PerpMarkets::<Test>::get(M).expect("market");
		let alice = Positions::<Test>::get(ALICE, M).expect("open");
		assert_eq!(Perp::accrued_funding(&alice, &market), Ok(-10), "the long pays");
		assert_eq!(ledger_total(), vault_balance());
	});
}

#[test]
fn set_oracle_price_wins_until_a_newer_observation() {
	new_test_ext().execute_with(|| {
		let other = add_market(0);
		assert_eq!(other, M);
		set_time(1_000);
		feed_oracle(M, 1_010);
		set_time(2_000);
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 990));
		Perp::on_initialize(2);
		assert_eq!(index(), 990, "the oracle's value is older than the direct one");
		feed_oracle(M, 1_010);
		Perp::on_initialize(3);
		assert_eq!(index(), 1_010);
	});
}
