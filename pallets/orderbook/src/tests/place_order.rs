use super::*;
use bourse_primitives::orderbook::PRICE_SCALE;

#[test]
fn resting_buy_holds_quote_and_shows_in_depth() {
	new_test_ext().execute_with(|| {
		let id = gtc(ALICE, Side::Buy, 1_000, 3 * LOT);
		let escrow = 1_000 * 3 * LOT / PRICE_SCALE;
		assert_eq!(funds(ALICE).quote_held, escrow);
		assert_eq!(funds(ALICE).quote_free, FUNDS - escrow);
		let depth = Orderbook::depth(0, 10);
		assert_eq!(
			(depth.bids[0].price, depth.bids[0].quantity, depth.bids[0].orders),
			(1_000, 3 * LOT, 1)
		);
		assert!(depth.asks.is_empty());
		assert_eq!(
			Orderbook::open_orders(&ALICE).iter().map(|o| o.id).collect::<alloc::vec::Vec<_>>(),
			[id]
		);
		assert_eq!(Orderbook::open_order_count(), 1);
	});
}

#[test]
fn crossing_order_fills_at_maker_price_with_fees() {
	new_test_ext().execute_with(|| {
		let maker = gtc(ALICE, Side::Sell, 1_000, 2 * LOT);
		let taker = place(BOB, Side::Buy, 1_200, 2 * LOT, TimeInForce::ImmediateOrCancel);
		let fill = &fills()[0];
		assert_eq!(
			(fill.maker_order, fill.taker_order, fill.price, fill.quantity),
			(maker, taker, 1_000, 2 * LOT)
		);
		let quote = 1_000 * 2 * LOT / PRICE_SCALE; // 200
		assert_eq!(fill.quote, quote);
		// Maker receives quote minus 0.1%, taker receives base minus 0.2%.
		assert_eq!(fill.maker_fee, quote / 1_000);
		assert_eq!(fill.taker_fee, 2 * LOT * 2 / 1_000);
		let (alice, bob) = (funds(ALICE), funds(BOB));
		assert_eq!(alice.base_free, FUNDS - 2 * LOT);
		assert_eq!(alice.quote_free, FUNDS + quote - fill.maker_fee);
		// Bob paid the maker's price, not his limit: the improvement was released.
		assert_eq!((bob.quote_free, bob.quote_held), (FUNDS - quote, 0));
		assert_eq!(bob.base_free, FUNDS + 2 * LOT - fill.taker_fee);
		assert_eq!(funds(FEE_ACCOUNT).base_free, fill.taker_fee);
		assert_eq!(funds(FEE_ACCOUNT).quote_free, fill.maker_fee);
		assert_eq!(totals(), (3 * FUNDS, 3 * FUNDS));
		assert_eq!(Orderbook::open_order_count(), 0);
		assert!(Orderbook::find_order(maker).is_none());
	});
}

#[test]
fn price_time_priority_and_partial_fills() {
	new_test_ext().execute_with(|| {
		let first = gtc(ALICE, Side::Sell, 1_000, 2 * LOT);
		let second = gtc(CHARLIE, Side::Sell, 1_000, 2 * LOT);
		let better = gtc(CHARLIE, Side::Sell, 990, LOT);
		gtc(BOB, Side::Buy, 1_000, 4 * LOT);
		let order: alloc::vec::Vec<_> =
			fills().iter().map(|f| (f.maker_order, f.quantity)).collect();
		assert_eq!(order, [(better, LOT), (first, 2 * LOT), (second, LOT)]);
		let rest = Orderbook::find_order(second).expect("partly filled order rests");
		assert_eq!((rest.filled, rest.remaining()), (LOT, LOT));
		assert_eq!(funds(CHARLIE).base_held, LOT);
		assert_eq!(Orderbook::depth(0, 5).asks[0].quantity, LOT);
	});
}

#[test]
fn unfilled_buy_remainder_rests_with_exact_escrow() {
	new_test_ext().execute_with(|| {
		gtc(ALICE, Side::Sell, 900, LOT);
		let id = gtc(BOB, Side::Buy, 1_000, 3 * LOT);
		let rest = Orderbook::find_order(id).expect("rests");
		assert_eq!(rest.remaining(), 2 * LOT);
		// Held: remaining at the limit price; paid: one lot at 900.
		assert_eq!(funds(BOB).quote_held, 1_000 * 2 * LOT / PRICE_SCALE);
		assert_eq!(
			funds(BOB).quote_free,
			FUNDS - 1_000 * 2 * LOT / PRICE_SCALE - 900 * LOT / PRICE_SCALE
		);
	});
}

#[test]
fn immediate_or_cancel_remainder_is_cancelled() {
	new_test_ext().execute_with(|| {
		gtc(ALICE, Side::Buy, 1_000, LOT);
		let id = place(BOB, Side::Sell, 1_000, 3 * LOT, TimeInForce::ImmediateOrCancel);
		assert_eq!(fills().len(), 1);
		assert!(Orderbook::find_order(id).is_none());
		assert_eq!(cancels(), [(id, CancelReason::Unfilled)]);
		assert_eq!(funds(BOB).base_held, 0);
		assert_eq!(funds(BOB).base_free, FUNDS - LOT);
	});
}

#[test]
fn fill_or_kill_fills_completely_or_not_at_all() {
	new_test_ext().execute_with(|| {
		gtc(ALICE, Side::Buy, 1_000, 2 * LOT);
		place(BOB, Side::Sell, 1_000, 2 * LOT, TimeInForce::FillOrKill);
		assert_eq!(fills().len(), 1);
		assert_eq!(funds(BOB).base_free, FUNDS - 2 * LOT);
	});
}

#[test]
fn post_only_rests_without_trading() {
	new_test_ext().execute_with(|| {
		gtc(ALICE, Side::Sell, 1_010, LOT);
		let id = place(BOB, Side::Buy, 1_000, LOT, TimeInForce::PostOnly);
		assert!(Orderbook::find_order(id).is_some());
		assert!(fills().is_empty());
	});
}

#[test]
fn self_trade_prevention_modes() {
	let run = |mode: SelfTradePrevention| {
		let mut out = None;
		new_test_ext().execute_with(|| {
			let own = gtc(ALICE, Side::Sell, 1_000, LOT);
			let other = gtc(BOB, Side::Sell, 1_000, LOT);
			let taker = Orderbook::next_order_id();
			assert_ok!(Orderbook::place_order(
				RuntimeOrigin::signed(ALICE),
				0,
				Side::Buy,
				1_000,
				LOT,
				TimeInForce::GoodTilCancelled,
				None,
				None,
				mode,
				u32::MAX
			));
			out = Some((
				Orderbook::find_order(own).is_some(),
				fills().iter().map(|f| f.maker_order).collect::<alloc::vec::Vec<_>>(),
				Orderbook::find_order(taker).is_some(),
				other,
			));
			assert_eq!(totals(), (3 * FUNDS, 3 * FUNDS));
		});
		out.expect("ran")
	};
	let (own_left, makers, taker_rests, other) = run(SelfTradePrevention::CancelMaker);
	assert_eq!((own_left, makers, taker_rests), (false, alloc::vec![other], false));
	let (own_left, makers, taker_rests, _) = run(SelfTradePrevention::CancelTaker);
	assert_eq!((own_left, makers.len(), taker_rests), (true, 0, false));
	let (own_left, makers, taker_rests, _) = run(SelfTradePrevention::CancelBoth);
	assert_eq!((own_left, makers.len(), taker_rests), (false, 0, false));
}

#[test]
fn fill_limit_cancels_remainder_instead_of_resting_crossed() {
	new_test_ext().execute_with(|| {
		// MaxFillsPerOrder is 5 in the mock.
		for _ in 0..6 {
			gtc(ALICE, Side::Sell, 1_000, LOT);
		}
		let id = gtc(BOB, Side::Buy, 1_000, 6 * LOT);
		assert_eq!(fills().len(), 5);
		assert!(Orderbook::find_order(id).is_none(), "a crossed remainder must not rest");
		assert!(cancels().contains(&(id, CancelReason::FillLimit)));
		assert_eq!(funds(BOB).quote_held, 0);
	});
}

#[test]
fn market_orders_by_worst_price_and_by_quote_budget() {
	new_test_ext().execute_with(|| {
		gtc(ALICE, Side::Sell, 1_000, LOT);
		gtc(ALICE, Side::Sell, 2_000, LOT);
		// Budget of 250 quote buys one lot at 1000 (100) and none at 2000 (200 > 150 left).
		assert_ok!(Orderbook::place_market_order(
			RuntimeOrigin::signed(BOB),
			0,
			Side::Buy,
			5 * LOT,
			MarketOrderBound::MaxQuote(250),
			SelfTradePrevention::CancelMaker
		));
		assert_eq!(fills().len(), 1);
		assert_eq!((funds(BOB).quote_free, funds(BOB).quote_held), (FUNDS - 100, 0));
		assert_ok!(Orderbook::place_market_order(
			RuntimeOrigin::signed(CHARLIE),
			0,
			Side::Buy,
			LOT,
			MarketOrderBound::WorstPrice(2_000),
			SelfTradePrevention::CancelMaker
		));
		assert_eq!(fills().last().map(|f| f.price), Some(2_000));
		assert_eq!(funds(CHARLIE).quote_free, FUNDS - 200);
	});
}

#[test]
fn fills_are_events_with_consecutive_ids_and_leave_no_chain_state() {
	new_test_ext().execute_with(|| {
		let keys_before = storage_keys();
		let ask = gtc(ALICE, Side::Sell, 1_000, 2 * LOT);
		gtc(BOB, Side::Buy, 1_000, LOT);
		gtc(CHARLIE, Side::Buy, 1_000, LOT);
		let filled: alloc::vec::Vec<_> = System::events()
			.into_iter()
			.filter_map(|r| match r.event {
				RuntimeEvent::Orderbook(Event::Filled { fill_id, fill }) => Some((fill_id, fill)),
				_ => None,
			})
			.collect();
		assert_eq!(filled.iter().map(|(id, _)| *id).collect::<alloc::vec::Vec<_>>(), [0, 1]);
		assert!(filled.iter().all(|(_, f)| f.maker_order == ask && f.maker == ALICE));
		assert_eq!(NextFillId::<Test>::get(), 2);
		// The book emptied: no storage key per fill, per order or per account remains (the
		// node's fill index keeps the history); only the two counters (order counters, next
		// fill id) and the base token's fee entry are new.
		let added: alloc::vec::Vec<_> =
			storage_keys().into_iter().filter(|k| !keys_before.contains(k)).collect();
		assert_eq!(added.len(), 3, "only counters and the fee entry: {added:?}");
	});
}

/// Every storage key of the order book's pallet prefix (tests: a fill adds none).
fn storage_keys() -> alloc::vec::Vec<alloc::vec::Vec<u8>> {
	let prefix = sp_io::hashing::twox_128(b"Orderbook");
	let mut keys = alloc::vec::Vec::new();
	let mut next = sp_io::storage::next_key(&prefix);
	while let Some(key) = next.filter(|k| k.starts_with(&prefix)) {
		next = sp_io::storage::next_key(&key);
		keys.push(key);
	}
	keys
}

#[test]
fn a_maker_whose_wallet_is_blocked_still_settles_in_the_ledger() {
	new_test_ext().execute_with(|| {
		// Alice administers the base token: she bids, then blocks her own base account. With
		// per-order holds no base could reach her and every sell reaching her bid failed; fills
		// now move ledger amounts only, so her bid trades like any other.
		let bid = gtc(ALICE, Side::Buy, 1_000, LOT);
		assert_ok!(Assets::block(RuntimeOrigin::signed(ALICE), BASE, ALICE));
		let alice_before = funds(ALICE);
		let totals_before = totals();
		let sell = place(BOB, Side::Sell, 990, LOT, TimeInForce::ImmediateOrCancel);
		let fills = fills();
		assert_eq!(fills.len(), 1);
		assert_eq!((fills[0].maker_order, fills[0].taker_order), (bid, sell));
		let alice = funds(ALICE);
		assert_eq!(alice.quote_held, 0);
		assert_eq!(alice.base_free, alice_before.base_free + LOT - fills[0].maker_fee);
		assert_eq!(totals(), totals_before, "no token created or lost");
		// Her blocked wallet cannot receive a withdrawal: refused, her ledger entry unchanged.
		let before = funds(ALICE);
		assert!(
			Orderbook::withdraw(RuntimeOrigin::signed(ALICE), AssetKind::Asset(BASE), LOT).is_err()
		);
		assert_eq!(funds(ALICE), before);
	});
}

#[test]
fn a_post_only_order_is_charged_up_front_as_one_that_rests() {
	use frame_support::dispatch::GetDispatchInfo;
	new_test_ext().execute_with(|| {
		let call = |time_in_force| {
			RuntimeCall::Orderbook(crate::Call::place_order {
				market: 0,
				side: Side::Buy,
				price: 1_000,
				quantity: LOT,
				time_in_force,
				expires_at: None,
				client_id: None,
				self_trade: SelfTradePrevention::CancelMaker,
				max_fills: u32::MAX,
			})
		};
		let post_only = call(TimeInForce::PostOnly).get_dispatch_info().call_weight;
		let good_til_cancelled =
			call(TimeInForce::GoodTilCancelled).get_dispatch_info().call_weight;
		// A post-only order never matches: it does not reserve the weight of the most fills.
		assert!(post_only.all_lt(good_til_cancelled));
		assert_eq!(
			post_only,
			Orderbook::order_weight(bourse_primitives::orderbook::MarketKind::Spot, 0, 0)
		);
		let info = Orderbook::place_order(
			RuntimeOrigin::signed(ALICE),
			0,
			Side::Buy,
			1_000,
			LOT,
			TimeInForce::PostOnly,
			None,
			None,
			SelfTradePrevention::CancelMaker,
			u32::MAX,
		)
		.expect("rests");
		assert!(info.actual_weight.expect("refunded").all_lte(post_only));
	});
}

/// A limit order's `max_fills` bounds both its matching and its up-front charge: an order
/// meant to rest reserves a resting order's weight, not a block's worth of fills.
#[test]
fn max_fills_bounds_matching_and_the_weight_charged_up_front() {
	use bourse_primitives::orderbook::MarketKind;
	use frame_support::{
		dispatch::GetDispatchInfo,
		traits::{Get, UnfilteredDispatchable},
	};
	new_test_ext().execute_with(|| {
		for _ in 0..4 {
			gtc(BOB, Side::Sell, 1_000, LOT);
		}
		let bid = |price, max_fills| crate::Call::<Test>::place_order {
			market: 0,
			side: Side::Buy,
			price,
			quantity: 4 * LOT,
			time_in_force: TimeInForce::GoodTilCancelled,
			expires_at: None,
			client_id: None,
			self_trade: SelfTradePrevention::CancelMaker,
			max_fills,
		};
		let buy = |max_fills| bid(1_000, max_fills);
		let up_front = |max_fills| buy(max_fills).get_dispatch_info().call_weight;
		// None allowed: charged as an order that rests. Otherwise one step more than allowed
		// (a maker that cannot settle at the last step counts twice), capped by the limit.
		assert_eq!(up_front(0), Orderbook::order_weight_bound(0));
		assert_eq!(up_front(2), Orderbook::order_weight_bound(3));
		assert!(up_front(0).all_lt(up_front(2)));
		let most = <Test as Config>::MaxFillsPerOrder::get();
		assert_eq!(up_front(u32::MAX), up_front(most));
		assert_eq!(up_front(most), Orderbook::order_weight_bound(most + 1));

		// With none allowed, a crossing order trades nothing and its remainder is cancelled
		// (it would otherwise rest crossing the book).
		let before = (funds(ALICE), funds(BOB));
		let id = Orderbook::next_order_id();
		let call = buy(0);
		assert_ok!(call.dispatch_bypass_filter(RuntimeOrigin::signed(ALICE)));
		assert!(fills().is_empty());
		assert!(cancels().contains(&(id, CancelReason::FillLimit)));
		assert_eq!((funds(ALICE), funds(BOB)), before);
		assert_eq!(Orderbook::open_orders(&BOB).len(), 4);

		// Two allowed: two fills, and the remainder does not rest behind the asks it crosses.
		let id = Orderbook::next_order_id();
		let info = buy(2).dispatch_bypass_filter(RuntimeOrigin::signed(ALICE)).expect("placed");
		assert_eq!(fills().len(), 2);
		assert!(cancels().contains(&(id, CancelReason::FillLimit)));
		assert!(Orderbook::find_order(id).is_none());
		assert_eq!(Orderbook::open_orders(&BOB).len(), 2);
		let charged = info.actual_weight.expect("refunded to the work done");
		assert_eq!(charged, Orderbook::order_weight(MarketKind::Spot, 2, 0));
		assert!(charged.all_lte(up_front(2)));

		// A bid below the asks with none allowed rests as usual.
		let id = Orderbook::next_order_id();
		let below = bid(990, 0);
		assert_ok!(below.dispatch_bypass_filter(RuntimeOrigin::signed(CHARLIE)));
		assert_eq!(Orderbook::find_order(id).map(|o| o.price), Some(990));
	});
}

/// A trader's record (its ledger entries and order index) is read and written whole, so a
/// resting order and a cancel are charged by its size: up front as if it were full, then
/// refunded to the size it had.
#[test]
fn resting_orders_and_cancels_are_charged_by_the_size_of_the_record() {
	use frame_support::{dispatch::GetDispatchInfo, traits::Get};
	new_test_ext().execute_with(|| {
		let most = <Test as Config>::MaxOrdersPerAccount::get();
		// The benchmarks measured the record's cost: a full one is dearer.
		let resting = |others| <() as WeightInfo>::place_order_resting(0, others);
		let cancel =
			|orders, refilled: bool| <() as WeightInfo>::cancel_order(orders, refilled.into());
		assert!(resting(0).ref_time() < resting(most - 1).ref_time());
		assert!(cancel(2, true).ref_time() < cancel(most, true).ref_time());
		// Refilling the front from the book costs reads.
		assert!(cancel(most, false).all_lte(cancel(most, true)));
		assert!(cancel(most, false) != cancel(most, true));

		let bid = |price| crate::Call::<Test>::place_order {
			market: 0,
			side: Side::Buy,
			price,
			quantity: LOT,
			time_in_force: TimeInForce::GoodTilCancelled,
			expires_at: None,
			client_id: None,
			self_trade: SelfTradePrevention::CancelMaker,
			max_fills: 0,
		};
		let up_front = bid(900).get_dispatch_info().call_weight;
		assert_eq!(up_front, Orderbook::order_weight_bound(0));
		assert!(resting(most - 1).all_lte(up_front));
		// Bettering the best bid or not, a resting order is charged for its record's size: the
		// market's record, which holds the best prices, is charged once per block
		// (`on_initialize`), not by the order that moves them.
		for others in 0..most {
			let price = 900 - 10 * others as u128;
			let info = frame_support::traits::UnfilteredDispatchable::dispatch_bypass_filter(
				bid(price),
				RuntimeOrigin::signed(ALICE),
			)
			.expect("rests");
			assert_eq!(info.actual_weight, Some(resting(others)), "with {others} others");
		}
		let info = frame_support::traits::UnfilteredDispatchable::dispatch_bypass_filter(
			bid(910),
			RuntimeOrigin::signed(BOB),
		)
		.expect("rests");
		assert_eq!(info.actual_weight, Some(resting(0)));
		assert_eq!(Orderbook::best_prices(0).0, Some(910));

		let cancel_up_front =
			crate::Call::<Test>::cancel_order { order_id: 0 }.get_dispatch_info().call_weight;
		assert_eq!(cancel_up_front, cancel(most, true));
		// BOB's best bid stays first in the bids' front, so none of ALICE's cancels empties
		// the front: none is charged a refill.
		let ids: alloc::vec::Vec<_> = Orderbook::open_orders(&ALICE).iter().map(|o| o.id).collect();
		for (cancelled, id) in ids.into_iter().enumerate() {
			let info =
				Orderbook::cancel_order(RuntimeOrigin::signed(ALICE), id).expect("cancelled");
			assert_eq!(info.actual_weight, Some(cancel(most - cancelled as u32, false)));
		}
		assert!(Orderbook::open_orders(&ALICE).is_empty());
		// BOB's is the front's last order now: cancelling it looks the book up for the next.
		let bobs = Orderbook::open_orders(&BOB)[0].id;
		let info = Orderbook::cancel_order(RuntimeOrigin::signed(BOB), bobs).expect("cancelled");
		assert_eq!(info.actual_weight, Some(cancel(1, true)));
	});
}
