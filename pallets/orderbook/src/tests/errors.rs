//! Every error path of order placement leaves storage exactly as it was (`assert_noop!`
//! compares the storage root before and after).
use super::*;
use frame_support::assert_noop;

fn try_place(
	who: AccountId,
	side: Side,
	price: Price,
	quantity: Quantity,
	tif: TimeInForce,
) -> sp_runtime::DispatchResultWithInfo<frame_support::dispatch::PostDispatchInfo> {
	Orderbook::place_order(
		RuntimeOrigin::signed(who),
		0,
		side,
		price,
		quantity,
		tif,
		None,
		None,
		SelfTradePrevention::CancelMaker,
		u32::MAX,
	)
}

#[test]
fn place_order_errors_change_nothing() {
	new_test_ext().execute_with(|| {
		gtc(ALICE, Side::Sell, 1_000, LOT);
		gtc(BOB, Side::Buy, 900, LOT);
		let gtc_ = TimeInForce::GoodTilCancelled;
		assert_noop!(try_place(CHARLIE, Side::Buy, 0, LOT, gtc_), Error::<Test>::InvalidPrice);
		assert_noop!(try_place(CHARLIE, Side::Buy, 1_001, LOT, gtc_), Error::<Test>::InvalidPrice);
		assert_noop!(
			try_place(CHARLIE, Side::Buy, 1_000, LOT + 1, gtc_),
			Error::<Test>::InvalidQuantity
		);
		assert_noop!(
			try_place(CHARLIE, Side::Buy, 1_000, 0, gtc_),
			Error::<Test>::BelowMinimumSize
		);
		assert_noop!(
			try_place(CHARLIE, Side::Buy, 1_000, 2 * LOT, TimeInForce::PostOnly),
			Error::<Test>::PostOnlyWouldCross
		);
		// Fill-or-kill that would partly fill: the partial fill is undone too.
		assert_noop!(
			try_place(CHARLIE, Side::Buy, 1_000, 2 * LOT, TimeInForce::FillOrKill),
			Error::<Test>::FillOrKillNotFilled
		);
		assert_noop!(
			try_place(CHARLIE, Side::Sell, 1_000, FUNDS + LOT, gtc_),
			Error::<Test>::InsufficientBalance
		);
		// Prices and quantities are bounded, so no quote amount can overflow.
		assert_noop!(
			try_place(CHARLIE, Side::Buy, u128::MAX / 10 * 10, LOT, gtc_),
			Error::<Test>::PriceTooHigh
		);
		assert_noop!(
			try_place(CHARLIE, Side::Buy, 1_000, u128::MAX / LOT * LOT, gtc_),
			Error::<Test>::QuantityTooLarge
		);
		assert_noop!(
			Orderbook::place_order(
				RuntimeOrigin::signed(CHARLIE),
				9,
				Side::Buy,
				1_000,
				LOT,
				gtc_,
				None,
				None,
				SelfTradePrevention::CancelMaker,
				u32::MAX
			),
			Error::<Test>::MarketNotFound
		);
		assert_noop!(
			Orderbook::place_market_order(
				RuntimeOrigin::signed(CHARLIE),
				0,
				Side::Sell,
				LOT,
				MarketOrderBound::MaxQuote(5),
				SelfTradePrevention::CancelMaker
			),
			Error::<Test>::InvalidMarketOrderBound
		);
		assert_noop!(
			Orderbook::place_market_order(
				RuntimeOrigin::signed(CHARLIE),
				0,
				Side::Buy,
				LOT,
				MarketOrderBound::WorstPrice(990),
				SelfTradePrevention::CancelMaker
			),
			Error::<Test>::NoLiquidity
		);
	});
}

#[test]
fn account_bound_and_unbounded_levels() {
	new_test_ext().execute_with(|| {
		// MaxOrdersPerAccount is 8.
		for _ in 0..8 {
			gtc(ALICE, Side::Buy, 500, LOT);
		}
		// An order that crosses nothing is indexed in its escrow's write: refused for the
		// account's bound, that write is undone too, for either kind of resting order.
		for tif in [TimeInForce::GoodTilCancelled, TimeInForce::PostOnly] {
			assert_noop!(try_place(ALICE, Side::Buy, 510, LOT, tif), Error::<Test>::TooManyOrders);
		}
		// A price level has no bound of its own (nothing walks a whole level): more orders
		// than one account may rest share it, in time order.
		let bobs: alloc::vec::Vec<_> = (0..8).map(|_| gtc(BOB, Side::Buy, 500, LOT)).collect();
		let book = store::StorageBook::<Test>::default();
		let level = crate::engine::level_orders(&book, 0, Side::Buy, 500);
		assert_eq!(level.len(), 16);
		assert_eq!(level[8..].iter().map(|o| o.id).collect::<alloc::vec::Vec<_>>(), bobs);
		totals();
	});
}

#[test]
fn a_liquidation_close_outside_a_perp_market_is_refused_and_changes_nothing() {
	new_test_ext().execute_with(|| {
		gtc(ALICE, Side::Buy, 1_000, LOT);
		// Market 0 is a spot market: a liquidation's close (which reserves nothing) must not
		// trade there, not even against a crossing bid, and takes no order id.
		frame_support::assert_storage_noop!(assert_eq!(
			Orderbook::close_for_liquidation(&BOB, 0, Side::Sell, LOT, 1_000, 4).err(),
			Some(Error::<Test>::NotPerpMarket.into())
		));
	});
}
