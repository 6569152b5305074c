//! `batch`: place / cancel / replace actions in one extrinsic.
use super::*;
use crate::BatchAction;
use frame_support::{dispatch::GetDispatchInfo, weights::Weight};

fn post_only(side: Side, price: Price, quantity: Quantity) -> OrderRequest {
	OrderRequest {
		market: 0,
		side,
		price,
		quantity,
		time_in_force: TimeInForce::PostOnly,
		expires_at: None,
		client_id: None,
		self_trade: SelfTradePrevention::CancelMaker,
		max_fills: u32::MAX,
	}
}

fn failures() -> alloc::vec::Vec<(u32, sp_runtime::DispatchError)> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Orderbook(Event::BatchActionFailed { index, error }) => {
				Some((index, error))
			},
			_ => None,
		})
		.collect()
}

#[test]
fn a_market_maker_refreshes_its_quotes_in_one_extrinsic() {
	new_test_ext().execute_with(|| {
		let bid = gtc(ALICE, Side::Buy, 990, LOT);
		let ask = gtc(ALICE, Side::Sell, 1_010, LOT);
		let next = Orderbook::next_order_id();
		assert_ok!(Orderbook::batch(
			RuntimeOrigin::signed(ALICE),
			alloc::vec![
				BatchAction::Cancel(bid),
				BatchAction::Replace {
					order_id: ask,
					new_price: 1_020,
					new_quantity: 2 * LOT,
					max_fills: u32::MAX
				},
				BatchAction::Place(post_only(Side::Buy, 1_000, LOT)),
			]
		));
		assert!(failures().is_empty(), "{:?}", failures());
		assert!(Orderbook::find_order(bid).is_none() && Orderbook::find_order(ask).is_none());
		let (new_ask, new_bid) = (next, next + 1);
		assert_eq!(
			Orderbook::find_order(new_ask).map(|o| (o.price, o.quantity)),
			Some((1_020, 2 * LOT))
		);
		assert_eq!(
			Orderbook::find_order(new_bid).map(|o| (o.side, o.price)),
			Some((Side::Buy, 1_000))
		);
		let f = funds(ALICE);
		assert_eq!((f.base_held, f.quote_held), (2 * LOT, 1_000 * LOT / 1_000_000));
		totals();
	});
}

#[test]
fn a_failed_action_changes_nothing_and_the_others_stand() {
	new_test_ext().execute_with(|| {
		let bobs = gtc(BOB, Side::Sell, 1_050, LOT);
		let before = funds(ALICE);
		assert_ok!(Orderbook::batch(
			RuntimeOrigin::signed(ALICE),
			alloc::vec![
				BatchAction::Place(post_only(Side::Buy, 990, LOT)),
				// Not Alice's order.
				BatchAction::Cancel(bobs),
				// Would cross Bob's ask: refused, nothing of it stays.
				BatchAction::Place(post_only(Side::Buy, 1_050, LOT)),
				BatchAction::Cancel(424_242),
			]
		));
		assert_eq!(
			failures(),
			[
				(1, Error::<Test>::OrderNotFound.into()),
				(2, Error::<Test>::PostOnlyWouldCross.into()),
				(3, Error::<Test>::OrderNotFound.into()),
			]
		);
		assert!(Orderbook::find_order(bobs).is_some(), "Bob's order is untouched");
		assert_eq!(funds(ALICE).quote_held, before.quote_held + 990 * LOT / 1_000_000);
		totals();
	});
}

#[test]
fn batch_actions_share_one_fill_budget_and_a_too_large_batch_is_refused() {
	new_test_ext().execute_with(|| {
		// Eight one-lot asks; the mock allows 5 fills per order (and per batch).
		for i in 0..8 {
			gtc([BOB, CHARLIE][i % 2], Side::Sell, 1_000 + 10 * (i as u128 / 2), LOT);
		}
		let take = |lots| {
			BatchAction::Place(OrderRequest {
				time_in_force: TimeInForce::ImmediateOrCancel,
				..post_only(Side::Buy, 1_100, lots * LOT)
			})
		};
		assert_ok!(Orderbook::batch(RuntimeOrigin::signed(ALICE), alloc::vec![take(3), take(3)]));
		assert_eq!(fills().len(), 5, "the second order stopped at the shared budget");
		assert!(cancels().iter().any(|(_, reason)| *reason == CancelReason::FillLimit));
		// The mock's MaxBatch is 4.
		frame_support::assert_noop!(
			Orderbook::batch(RuntimeOrigin::signed(ALICE), alloc::vec![BatchAction::Cancel(1); 5]),
			Error::<Test>::BatchTooLarge
		);
		totals();
	});
}

#[test]
fn cancels_and_post_only_quotes_are_not_charged_for_fills() {
	new_test_ext().execute_with(|| {
		let call = |actions| RuntimeCall::Orderbook(crate::Call::batch { actions });
		let quotes = call(alloc::vec![
			BatchAction::Cancel(1),
			BatchAction::Place(post_only(Side::Buy, 990, LOT)),
			BatchAction::Place(post_only(Side::Sell, 1_010, LOT)),
		]);
		let crossing = call(alloc::vec![
			BatchAction::Cancel(1),
			BatchAction::Place(post_only(Side::Buy, 990, LOT)),
			BatchAction::Place(OrderRequest {
				time_in_force: TimeInForce::GoodTilCancelled,
				..post_only(Side::Sell, 1_010, LOT)
			}),
		]);
		let (quotes, crossing) =
			(quotes.get_dispatch_info().call_weight, crossing.get_dispatch_info().call_weight);
		assert!(quotes.all_lt(crossing), "{quotes:?} vs {crossing:?}");
		// Exactly a cancel and two resting orders: no fill budget is reserved.
		let (resting, _) = Orderbook::affine_bound(|k, f| Orderbook::order_weight(k, f, 0));
		assert_eq!(quotes, Orderbook::cancel_weight_bound() + resting + resting);
	});
}

#[test]
fn a_replace_counts_twice_toward_the_batch_limit() {
	new_test_ext().execute_with(|| {
		let id = gtc(ALICE, Side::Buy, 990, LOT);
		let replace = BatchAction::Replace {
			order_id: id,
			new_price: 980,
			new_quantity: LOT,
			max_fills: u32::MAX,
		};
		// The mock's MaxBatch is 4: two replaces fit, two replaces and a cancel do not.
		frame_support::assert_noop!(
			Orderbook::batch(
				RuntimeOrigin::signed(ALICE),
				alloc::vec![replace.clone(), replace.clone(), BatchAction::Cancel(id)]
			),
			Error::<Test>::BatchTooLarge
		);
		assert_ok!(Orderbook::batch(
			RuntimeOrigin::signed(ALICE),
			alloc::vec![replace.clone(), replace]
		));
		// The second replace names an order the first one replaced: it fails alone.
		assert_eq!(failures(), [(1, Error::<Test>::OrderNotFound.into())]);
	});
}

/// Quotes that only rest are charged as one benchmarked group (`batch_places`), sharing the
/// market's and the trader's reads and writes; a place that trades is charged as an order.
#[test]
fn resting_places_are_charged_as_a_group() {
	use bourse_primitives::orderbook::MarketKind;
	new_test_ext().execute_with(|| {
		gtc(BOB, Side::Sell, 1_010, LOT);
		let quotes = alloc::vec![
			BatchAction::Place(post_only(Side::Buy, 990, LOT)),
			BatchAction::Place(post_only(Side::Buy, 980, LOT)),
			BatchAction::Place(post_only(Side::Buy, 970, LOT)),
		];
		let info = Orderbook::batch(RuntimeOrigin::signed(ALICE), quotes).expect("placed");
		assert!(failures().is_empty(), "{:?}", failures());
		assert_eq!(info.actual_weight, Some(<() as crate::WeightInfo>::batch_places(3)));

		// Quotes with an expiry also pay for their expiry keys.
		let expiring = |price| {
			BatchAction::Place(OrderRequest {
				expires_at: Some(100),
				..post_only(Side::Buy, price, LOT)
			})
		};
		let info = Orderbook::batch(
			RuntimeOrigin::signed(ALICE),
			alloc::vec![expiring(950), expiring(940)],
		)
		.expect("placed");
		assert!(failures().is_empty(), "{:?}", failures());
		let expected = <() as crate::WeightInfo>::batch_places(2)
			.saturating_add(Orderbook::expiry_weight().saturating_mul(2));
		assert!(Orderbook::expiry_weight().any_gt(Weight::zero()), "an expiry key costs a write");
		assert_eq!(info.actual_weight, Some(expected));

		// A taking place beside a resting one: the taker as an order with its fill.
		let taking = OrderRequest {
			time_in_force: TimeInForce::ImmediateOrCancel,
			..post_only(Side::Buy, 1_010, LOT)
		};
		let actions = alloc::vec![
			BatchAction::Place(post_only(Side::Buy, 960, LOT)),
			BatchAction::Place(taking),
		];
		let info = Orderbook::batch(RuntimeOrigin::signed(CHARLIE), actions).expect("placed");
		assert_eq!(fills().len(), 1);
		let expected = <() as crate::WeightInfo>::batch_places(1)
			.saturating_add(Orderbook::order_weight(MarketKind::Spot, 1, 0));
		assert_eq!(info.actual_weight, Some(expected));
	});
}
