use super::*;
use bourse_primitives::orderbook::MarketKind;
use bourse_primitives::orderbook::PRICE_SCALE;

#[test]
fn lowering_quantity_keeps_id_and_priority() {
	new_test_ext().execute_with(|| {
		let first = gtc(ALICE, Side::Sell, 1_000, 3 * LOT);
		let second = gtc(BOB, Side::Sell, 1_000, LOT);
		assert_ok!(replace(ALICE, first, 1_000, LOT));
		assert_eq!(funds(ALICE).base_held, LOT);
		gtc(CHARLIE, Side::Buy, 1_000, LOT);
		assert_eq!(fills()[0].maker_order, first, "kept its place ahead of {second}");
	});
}

#[test]
fn changing_price_gives_a_new_order_that_may_trade() {
	new_test_ext().execute_with(|| {
		gtc(BOB, Side::Sell, 1_100, LOT);
		let old = gtc(ALICE, Side::Buy, 1_000, 2 * LOT);
		let new = Orderbook::next_order_id();
		assert_ok!(replace(ALICE, old, 1_100, 2 * LOT));
		assert!(Orderbook::find_order(old).is_none());
		assert_eq!(fills()[0].taker_order, new);
		let rest = Orderbook::find_order(new).expect("remainder rests");
		assert_eq!(rest.remaining(), LOT);
		assert_eq!(funds(ALICE).quote_held, 1_100 * LOT / PRICE_SCALE);
		assert!(cancels().contains(&(old, CancelReason::Replaced)));
	});
}

#[test]
fn failed_replace_changes_nothing() {
	new_test_ext().execute_with(|| {
		let id = gtc(ALICE, Side::Buy, 1_000, LOT);
		frame_support::assert_noop!(
			replace(ALICE, id, 1_000, 20_000_000 * LOT),
			Error::<Test>::InsufficientBalance
		);
		frame_support::assert_noop!(replace(BOB, id, 1_000, LOT), Error::<Test>::OrderNotFound);
	});
}

fn request(side: Side, price: Price, quantity: Quantity) -> OrderRequest {
	OrderRequest {
		market: 0,
		side,
		price,
		quantity,
		time_in_force: TimeInForce::GoodTilCancelled,
		expires_at: None,
		client_id: Some(7),
		self_trade: SelfTradePrevention::CancelMaker,
		max_fills: u32::MAX,
	}
}

#[test]
fn batch_reports_each_failure_and_keeps_the_rest() {
	new_test_ext().execute_with(|| {
		let batch = alloc::vec![
			request(Side::Buy, 1_000, LOT),
			request(Side::Buy, 1_005, LOT), // off tick
			request(Side::Sell, 1_100, LOT),
		];
		assert_ok!(Orderbook::place_orders(RuntimeOrigin::signed(ALICE), batch));
		assert_eq!(Orderbook::open_orders(&ALICE).len(), 2);
		let failures: alloc::vec::Vec<_> = System::events()
			.into_iter()
			.filter_map(|r| match r.event {
				RuntimeEvent::Orderbook(Event::BatchOrderFailed { index, .. }) => Some(index),
				_ => None,
			})
			.collect();
		assert_eq!(failures, [1]);
	});
}

#[test]
fn oversized_batch_is_refused() {
	new_test_ext().execute_with(|| {
		let batch = alloc::vec![request(Side::Buy, 1_000, LOT); 5];
		frame_support::assert_noop!(
			Orderbook::place_orders(RuntimeOrigin::signed(ALICE), batch),
			Error::<Test>::BatchTooLarge
		);
	});
}

#[test]
fn replacing_a_post_only_order_keeps_it_post_only() {
	new_test_ext().execute_with(|| {
		gtc(BOB, Side::Sell, 1_100, LOT);
		let old = place(ALICE, Side::Buy, 1_000, LOT, TimeInForce::PostOnly);
		assert!(Orderbook::find_order(old).expect("rests").post_only);
		// Repricing onto the ask would trade: a post-only order refuses, and nothing changes.
		frame_support::assert_noop!(
			replace(ALICE, old, 1_100, LOT),
			Error::<Test>::PostOnlyWouldCross
		);
		let new = Orderbook::next_order_id();
		assert_ok!(replace(ALICE, old, 1_050, LOT));
		assert!(Orderbook::find_order(new).expect("new order rests").post_only);
		// A good-til-cancelled order stays one.
		let gtc_id = gtc(CHARLIE, Side::Buy, 900, LOT);
		let next = Orderbook::next_order_id();
		assert_ok!(replace(CHARLIE, gtc_id, 950, LOT));
		assert!(!Orderbook::find_order(next).expect("rests").post_only);
	});
}

#[test]
fn a_batch_shares_one_fill_budget() {
	new_test_ext().execute_with(|| {
		// Six one-lot asks; the mock allows 5 fills per order, and so per batch.
		for _ in 0..6 {
			gtc(BOB, Side::Sell, 1_000, LOT);
		}
		let first = Orderbook::next_order_id();
		let batch =
			alloc::vec![request(Side::Buy, 1_000, 3 * LOT), request(Side::Buy, 1_000, 3 * LOT)];
		let info = Orderbook::place_orders(RuntimeOrigin::signed(ALICE), batch.clone())
			.expect("batch is placed");
		assert_eq!(fills().len(), 5);
		// The second order made the last 2 fills; its remainder was cancelled, not rested.
		assert!(cancels().contains(&(first + 1, CancelReason::FillLimit)));
		assert!(Orderbook::find_order(first + 1).is_none());
		assert_eq!(Orderbook::open_orders(&BOB).len(), 1);
		let charged = info.actual_weight.expect("refunded to the work done");
		let expected = Orderbook::order_weight(MarketKind::Spot, 3, 0)
			.saturating_add(Orderbook::order_weight(MarketKind::Spot, 2, 0));
		assert_eq!(charged, <Test as Config>::WeightInfo::place_orders(2).max(expected));
		assert!(charged.all_lte(Orderbook::batch_weight_bound_of(&batch)));
	});
}

#[test]
fn removed_makers_are_charged_and_bounded_like_fills() {
	new_test_ext().execute_with(|| {
		// Three of Alice's own asks ahead of two of Bob's: she buys with cancel-maker.
		for _ in 0..3 {
			gtc(ALICE, Side::Sell, 1_000, LOT);
		}
		gtc(BOB, Side::Sell, 1_000, LOT);
		gtc(BOB, Side::Sell, 1_000, LOT);
		let info = Orderbook::place_order(
			RuntimeOrigin::signed(ALICE),
			0,
			Side::Buy,
			1_000,
			2 * LOT,
			TimeInForce::ImmediateOrCancel,
			None,
			None,
			SelfTradePrevention::CancelMaker,
			u32::MAX,
		)
		.expect("placed");
		// 3 removals + 2 fills = the 5 steps the mock allows.
		assert_eq!(fills().len(), 2);
		let charged = info.actual_weight.expect("refunded to the work done");
		assert_eq!(charged, Orderbook::order_weight(MarketKind::Spot, 2, 3));
		assert!(charged.all_lte(Orderbook::order_weight_bound(Orderbook::step_bound(5))));
	});
}
