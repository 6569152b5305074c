//! The worst case of every trading call fits in one block: the generated weights, composed as
//! the pallets charge them before dispatch, stay below the runtime's largest normal extrinsic.
//! (A call heavier than that could never be included.)
use bourse_primitives::orderbook::{AssetKind, SelfTradePrevention, Side, TimeInForce};
use bourse_runtime::{AccountId, Runtime, RuntimeCall};
use frame_support::{
	dispatch::{DispatchClass, GetDispatchInfo},
	traits::Get,
};
use pallet_orderbook::{BatchAction, MarketOrderBound, OrderRequest};

fn request() -> OrderRequest {
	OrderRequest {
		market: 1,
		side: Side::Buy,
		price: 600_000_000,
		quantity: 10_000,
		time_in_force: TimeInForce::GoodTilCancelled,
		expires_at: Some(1_000),
		client_id: Some(1),
		self_trade: SelfTradePrevention::CancelMaker,
		max_fills: u32::MAX,
	}
}

#[test]
fn worst_case_trading_calls_fit_in_a_block() {
	let weights = <Runtime as frame_system::Config>::BlockWeights::get();
	let max =
		weights.get(DispatchClass::Normal).max_extrinsic.expect("normal extrinsics have a limit");
	let batch = <<Runtime as pallet_orderbook::Config>::MaxBatch as Get<u32>>::get() as usize;
	let r = request();
	let calls: Vec<(&str, RuntimeCall)> = vec![
		("place_order", pallet_orderbook::Call::<Runtime>::from(r.clone()).into()),
		(
			"place_market_order",
			pallet_orderbook::Call::place_market_order {
				market: 1,
				side: Side::Buy,
				quantity: 10_000,
				bound: MarketOrderBound::MaxQuote(1 << 100),
				self_trade: SelfTradePrevention::CancelMaker,
			}
			.into(),
		),
		(
			"place_orders (largest batch)",
			pallet_orderbook::Call::place_orders { orders: vec![request(); batch] }.into(),
		),
		(
			"replace_order",
			pallet_orderbook::Call::replace_order {
				order_id: 1,
				new_price: 1,
				new_quantity: 1,
				max_fills: u32::MAX,
			}
			.into(),
		),
		("cancel_all", pallet_orderbook::Call::cancel_all { market: 1 }.into()),
		(
			"batch (largest, all replaces)",
			pallet_orderbook::Call::batch {
				actions: vec![
					BatchAction::Replace {
						order_id: 1,
						new_price: 1,
						new_quantity: 1,
						max_fills: u32::MAX
					};
					batch / 2
				],
			}
			.into(),
		),
		(
			"batch (largest, all places)",
			pallet_orderbook::Call::batch { actions: vec![BatchAction::Place(request()); batch] }
				.into(),
		),
		(
			"deposit",
			pallet_orderbook::Call::deposit { asset: AssetKind::Asset(1), amount: 1 }.into(),
		),
		(
			"withdraw",
			pallet_orderbook::Call::withdraw { asset: AssetKind::Asset(1), amount: 1 }.into(),
		),
		(
			"liquidate",
			pallet_perp::Call::liquidate { who: AccountId::from([7u8; 32]), market: 1 }.into(),
		),
		("withdraw_collateral", pallet_perp::Call::withdraw_collateral { amount: 1 }.into()),
		(
			"settle_closed_market (largest)",
			pallet_perp::Call::settle_closed_market { market: 1, max: u32::MAX }.into(),
		),
	];
	for (name, call) in calls {
		let info = call.get_dispatch_info();
		let weight = info.total_weight();
		assert!(
			weight.all_lte(max),
			"{name} may weigh {weight:?}, more than a block's largest normal extrinsic {max:?}"
		);
		// Charged, so never free: a zero weight would mean a missing benchmark.
		assert!(weight.ref_time() > 0, "{name} has no weight");
	}
}

/// Every block starts with the perps' price refresh, funding and fund unwinding: with every
/// market at its worst it takes at most a tenth of the block.
#[test]
fn the_perp_block_start_leaves_the_block_to_transactions() {
	let block = <Runtime as frame_system::Config>::BlockWeights::get().max_block;
	let markets = <<Runtime as pallet_perp::Config>::MaxPerpMarkets as Get<u32>>::get();
	let start = pallet_perp::Pallet::<Runtime>::refresh_prices_weight(markets)
		.saturating_add(pallet_perp::Pallet::<Runtime>::unwind_fund_weight());
	assert!(
		start.ref_time() * 10 <= block.ref_time(),
		"the perp block start may weigh {start:?} of a block of {block:?}"
	);
}
