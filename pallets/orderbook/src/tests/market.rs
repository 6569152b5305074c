use super::*;
use bourse_primitives::orderbook::{AssetKind, MarketStatus};
use frame_support::assert_noop;
use frame_support::traits::UnfilteredDispatchable;
use sp_runtime::DispatchError;

/// The call that creates market 1: native priced in the base asset.
fn second_market() -> crate::Call<Test> {
	crate::Call::<Test>::create_market {
		base: AssetKind::Native,
		quote: AssetKind::Asset(BASE),
		tick_size: 1,
		lot_size: 1_000_000,
		min_size: 1_000_000,
		maker_fee_ppm: 0,
		taker_fee_ppm: 0,
	}
}

#[test]
fn root_creates_markets_and_sets_status() {
	new_test_ext().execute_with(|| {
		assert_ok!(second_market().dispatch_bypass_filter(RuntimeOrigin::root()));
		assert_eq!(Orderbook::market(1).map(|m| m.quote), Some(AssetKind::Asset(BASE)));
		assert_ok!(Orderbook::set_market_status(RuntimeOrigin::root(), 1, MarketStatus::Paused));
		assert_eq!(Orderbook::market(1).map(|m| m.status), Some(MarketStatus::Paused));
	});
}

#[test]
fn bad_market_parameters_are_refused() {
	new_test_ext().execute_with(|| {
		let create = |origin, base, quote, tick, lot, min, fee| {
			Orderbook::create_market(origin, base, quote, tick, lot, min, fee, fee)
		};
		let (n, a) = (AssetKind::Native, AssetKind::Asset(BASE));
		assert_noop!(
			create(RuntimeOrigin::signed(ALICE), a, n, 10, LOT, LOT, 0),
			DispatchError::BadOrigin
		);
		assert_noop!(
			create(RuntimeOrigin::root(), n, n, 10, LOT, LOT, 0),
			Error::<Test>::SameAssets
		);
		assert_noop!(
			create(RuntimeOrigin::root(), a, n, 0, LOT, LOT, 0),
			Error::<Test>::InvalidMarketParameters
		);
		assert_noop!(
			create(RuntimeOrigin::root(), a, n, 10, LOT, LOT / 2, 0),
			Error::<Test>::InvalidMarketParameters
		);
		// tick * lot not a multiple of PRICE_SCALE: quote amounts would not be exact.
		assert_noop!(
			create(RuntimeOrigin::root(), a, n, 3, LOT, LOT, 0),
			Error::<Test>::InvalidMarketParameters
		);
		assert_noop!(
			create(RuntimeOrigin::root(), a, n, 10, LOT, LOT, 100_001),
			Error::<Test>::FeeTooHigh
		);
		assert_noop!(
			Orderbook::set_market_status(RuntimeOrigin::root(), 7, MarketStatus::Closed),
			Error::<Test>::MarketNotFound
		);
	});
}

#[test]
fn paused_market_refuses_orders_but_allows_cancels() {
	new_test_ext().execute_with(|| {
		let id = gtc(ALICE, Side::Buy, 1_000, LOT);
		assert_ok!(Orderbook::set_market_status(RuntimeOrigin::root(), 0, MarketStatus::Paused));
		assert_noop!(
			Orderbook::place_order(
				RuntimeOrigin::signed(BOB),
				0,
				Side::Sell,
				1_000,
				LOT,
				TimeInForce::GoodTilCancelled,
				None,
				None,
				SelfTradePrevention::CancelMaker,
				u32::MAX
			),
			Error::<Test>::MarketNotActive
		);
		assert_ok!(Orderbook::cancel_order(RuntimeOrigin::signed(ALICE), id));
	});
}

#[test]
fn each_block_pays_once_for_every_market_record() {
	use frame_support::traits::Hooks;
	new_test_ext().execute_with(|| {
		let db = <Test as frame_system::Config>::DbWeight::get();
		let per_block = |markets: u64| {
			db.reads_writes(crate::HOT_KEYS + 1 + markets, crate::HOT_KEYS + markets)
		};
		assert_eq!(NextMarketId::<Test>::get(), 1);
		assert_eq!(Orderbook::on_initialize(1), per_block(1));
		assert_ok!(second_market().dispatch_bypass_filter(RuntimeOrigin::root()));
		// A new market is one more record a block's orders may read and write: charged by
		// `on_initialize` from the next block, and for the rest of its own block by the call.
		assert_eq!(Orderbook::on_initialize(2), per_block(2));
		use frame_support::dispatch::GetDispatchInfo;
		assert_eq!(
			second_market().get_dispatch_info().call_weight,
			<() as crate::WeightInfo>::create_market() + db.reads_writes(1, 1)
		);
	});
}
