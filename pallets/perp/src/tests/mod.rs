//! Tests of pallet-perp on the mock runtime: every call and error, a seed scenario of PnL both
//! ways, funding, liquidation, and property tests over random trading.
mod attacks;
mod insurance_fund;
mod price_attacks;
mod prices;
mod risk_properties;
mod state;

use crate::{mock::*, *};
use bourse_primitives::{
	orderbook::{AssetKind, SelfTradePrevention, Side, TimeInForce},
	perp::MarginMode,
};
use frame_support::{assert_noop, assert_ok, traits::Hooks};
use proptest::prelude::*;
use sp_runtime::BuildStorage;

const LOT: u128 = 100_000;
const M: u32 = 0;

pub(crate) fn create_market(fee_ppm: u32) {
	assert_eq!(add_market(fee_ppm), M);
}

/// Creates a perp market with the test parameters and an index price of 1000; its id.
pub(crate) fn add_market(fee_ppm: u32) -> u32 {
	let id = pallet_orderbook::NextMarketId::<Test>::get();
	assert_ok!(Perp::create_perp_market(
		RuntimeOrigin::root(),
		AssetKind::Asset(7),
		10,
		LOT,
		LOT,
		fee_ppm,
		fee_ppm,
		100_000,
		50_000,
		10,
		10_000,
		10,
		1_000
	));
	assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), id, 1_000));
	id
}

pub(crate) fn cross(who: AccountId) {
	assert_ok!(Perp::set_margin_mode(RuntimeOrigin::signed(who), MarginMode::Cross));
}

pub(crate) fn deposit(who: AccountId, amount: u128) {
	assert_ok!(Perp::deposit_collateral(RuntimeOrigin::signed(who), amount));
}

pub(crate) fn order(
	who: AccountId,
	side: Side,
	price: u128,
	lots: u128,
	tif: TimeInForce,
) -> sp_runtime::DispatchResultWithInfo<frame_support::dispatch::PostDispatchInfo> {
	Orderbook::place_order(
		RuntimeOrigin::signed(who),
		M,
		side,
		price,
		lots * LOT,
		tif,
		None,
		None,
		SelfTradePrevention::CancelMaker,
		u32::MAX,
	)
}

pub(crate) fn size(who: AccountId) -> i128 {
	Positions::<Test>::get(who, M).map_or(0, |p| p.size)
}

/// Collateral ledger + open quote balances + accrued funding, over everyone.
pub(crate) fn ledger_total() -> i128 {
	let accounts: alloc::vec::Vec<AccountId> =
		TRADERS.iter().copied().chain([FEE_ACCOUNT, Perp::insurance_fund()]).collect();
	let perp = PerpMarkets::<Test>::get(M);
	accounts
		.iter()
		.map(|a| {
			let position = Positions::<Test>::get(a, M).unwrap_or_default();
			let funding = perp.as_ref().map_or(0, |p| Perp::accrued_funding(&position, p).unwrap());
			Collateral::<Test>::get(a)
				+ IsolatedMargin::<Test>::get(a, M)
				+ position.quote_balance
				+ funding
		})
		.sum::<i128>()
		+ pallet_orderbook::Pallet::<Test>::ledger_total(AssetKind::Native).unwrap() as i128
}

pub(crate) fn vault_balance() -> i128 {
	use frame_support::traits::fungible::Inspect;
	(Balances::balance(&Perp::vault()) - VAULT_SEED) as i128
}

#[test]
fn market_creation_checks_parameters() {
	new_test_ext().execute_with(|| {
		let create = |im, mm, lev, interval| {
			Perp::create_perp_market(
				RuntimeOrigin::root(),
				AssetKind::Asset(7),
				10,
				LOT,
				LOT,
				0,
				0,
				im,
				mm,
				lev,
				1_000,
				interval,
				1_000,
			)
		};
		assert_noop!(create(100_000, 100_000, 10, 10), Error::<Test>::InvalidMarginParameters);
		assert_noop!(create(50_000, 20_000, 10, 10), Error::<Test>::InvalidMarginParameters);
		assert_noop!(create(100_000, 50_000, 10, 0), Error::<Test>::InvalidFundingInterval);
		assert_noop!(
			Perp::create_perp_market(
				RuntimeOrigin::signed(ALICE),
				AssetKind::Asset(7),
				10,
				LOT,
				LOT,
				0,
				0,
				100_000,
				50_000,
				10,
				1_000,
				10,
				1_000
			),
			sp_runtime::DispatchError::BadOrigin
		);
		assert_ok!(create(100_000, 50_000, 10, 10));
		assert_eq!(
			pallet_orderbook::Pallet::<Test>::market(M).map(|m| m.kind),
			Some(bourse_primitives::orderbook::MarketKind::Perp)
		);
		assert_noop!(
			Perp::set_oracle_price(RuntimeOrigin::root(), M, 1_005),
			Error::<Test>::OffTickPrice
		);
		assert_noop!(
			Perp::set_oracle_price(RuntimeOrigin::root(), 9, 1_000),
			Error::<Test>::MarketNotFound
		);
		assert_noop!(
			Perp::set_oracle_price(RuntimeOrigin::signed(ALICE), M, 1_000),
			sp_runtime::DispatchError::BadOrigin
		);
	});
}

#[test]
fn deposit_and_withdraw_respect_margin() {
	new_test_ext().execute_with(|| {
		create_market(0);
		assert_noop!(
			Perp::deposit_collateral(RuntimeOrigin::signed(ALICE), 0),
			Error::<Test>::ZeroAmount
		);
		assert_noop!(
			Perp::deposit_collateral(RuntimeOrigin::signed(ALICE), FUNDS * 2),
			Error::<Test>::InsufficientBalance
		);
		cross(ALICE);
		cross(BOB);
		deposit(ALICE, 500);
		deposit(BOB, 500);
		assert_eq!(vault_balance(), 1_000);
		// 10 lots = 1e6 base at 1000 = notional 1000; initial margin 10% = 100.
		assert_ok!(order(BOB, Side::Sell, 1_000, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
		assert_eq!((size(ALICE), size(BOB)), (1_000_000, -1_000_000));
		assert_noop!(
			Perp::withdraw_collateral(RuntimeOrigin::signed(ALICE), 450),
			Error::<Test>::WouldBreachInitialMargin
		);
		assert_ok!(Perp::withdraw_collateral(RuntimeOrigin::signed(ALICE), 400));
		assert_eq!(Collateral::<Test>::get(ALICE), 100);
		assert_eq!(ledger_total(), vault_balance());
	});
}

#[test]
fn orders_beyond_margin_are_refused_without_changes() {
	new_test_ext().execute_with(|| {
		create_market(0);
		deposit(ALICE, 50);
		// 10 lots need 100 of initial margin.
		assert_noop!(
			order(ALICE, Side::Buy, 1_000, 10, TimeInForce::GoodTilCancelled),
			Error::<Test>::InsufficientMargin
		);
		assert_ok!(order(ALICE, Side::Buy, 1_000, 5, TimeInForce::GoodTilCancelled));
		// The resting order's margin is reserved: a second one does not fit.
		assert_noop!(
			order(ALICE, Side::Buy, 1_000, 1, TimeInForce::GoodTilCancelled),
			Error::<Test>::InsufficientMargin
		);
	});
}

#[test]
fn seed_scenario_long_and_short_pnl_both_ways() {
	new_test_ext().execute_with(|| {
		create_market(0);
		deposit(ALICE, 500);
		deposit(BOB, 500);
		deposit(CHARLIE, 500);
		// Alice long 10 lots, Bob short 10 lots at 1000.
		assert_ok!(order(BOB, Side::Sell, 1_000, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
		assert_eq!(Positions::<Test>::get(ALICE, M).map(|p| p.entry_price()), Some(1_000));
		// Price rises to 1100: Alice +100, Bob -100 unrealised.
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 1_100));
		let alice = Perp::positions(&ALICE);
		assert_eq!((alice[0].mark_price, alice[0].unrealized_pnl), (1_100, 100));
		assert_eq!(Perp::positions(&BOB)[0].unrealized_pnl, -100);
		// Both close against Charlie at 1100.
		assert_ok!(order(CHARLIE, Side::Buy, 1_100, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Sell, 1_100, 10, TimeInForce::ImmediateOrCancel));
		assert_ok!(order(CHARLIE, Side::Sell, 1_100, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(BOB, Side::Buy, 1_100, 10, TimeInForce::ImmediateOrCancel));
		assert_eq!((size(ALICE), size(BOB), size(CHARLIE)), (0, 0, 0));
		assert_eq!(Collateral::<Test>::get(ALICE), 600);
		assert_eq!(Collateral::<Test>::get(BOB), 400);
		assert_eq!(Collateral::<Test>::get(CHARLIE), 500);
		assert_eq!(OpenPositions::<Test>::get(), 0);
		assert_eq!(ledger_total(), vault_balance());
	});
}

#[test]
fn funding_moves_from_longs_to_shorts_when_mark_is_above_index() {
	new_test_ext().execute_with(|| {
		// Max funding rate 5% per interval of 10 blocks.
		assert_ok!(Perp::create_perp_market(
			RuntimeOrigin::root(),
			AssetKind::Asset(7),
			10,
			LOT,
			LOT,
			0,
			0,
			100_000,
			50_000,
			10,
			10_000,
			10,
			50_000
		));
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 1_000));
		cross(BOB);
		deposit(ALICE, 500);
		deposit(BOB, 500);
		deposit(CHARLIE, 500);
		assert_ok!(order(BOB, Side::Sell, 1_000, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
		// A book quoting above the index, deep enough for the impact notional (1,000): the
		// impact bid 1100 is 100 over the index, so each block samples a premium of 100.
		assert_ok!(order(CHARLIE, Side::Buy, 1_100, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(CHARLIE, Side::Sell, 1_200, 10, TimeInForce::GoodTilCancelled));
		Perp::on_initialize(5);
		// Mark = median(index 1000, index + premium 1100, index + basis 25) = 1025, on the
		// tick grid: 1020.
		assert_eq!(Perp::mark_price(M, &PerpMarkets::<Test>::get(M).expect("market")), 1_020);
		assert_eq!(
			PerpMarkets::<Test>::get(M).map(|m| m.cumulative_funding),
			Some(0),
			"not yet due"
		);
		Perp::on_initialize(11);
		let market = PerpMarkets::<Test>::get(M).expect("market");
		// Average premium of the two samples 100 / 1000 = 10%, clamped to 5%: the index grows
		// by 50 per 10^6 base units.
		assert_eq!((market.last_funding_rate_ppm, market.cumulative_funding), (50_000, 50));
		let alice = Positions::<Test>::get(ALICE, M).expect("open");
		let bob = Positions::<Test>::get(BOB, M).expect("open");
		assert_eq!(Perp::accrued_funding(&alice, &market), Ok(-50), "the long pays");
		assert_eq!(Perp::accrued_funding(&bob, &market), Ok(50), "the short earns");
		assert_eq!(ledger_total(), vault_balance());
		// Settled lazily when touched: a withdrawal moves it into (cross) collateral.
		assert_ok!(Perp::withdraw_collateral(RuntimeOrigin::signed(BOB), 1));
		assert_eq!(Collateral::<Test>::get(BOB), 500 + 50 - 1);
		// Alice is isolated: touching the position settles her payment out of its margin
		// (100 at open, 50 paid).
		assert_ok!(Perp::add_isolated_margin(RuntimeOrigin::signed(ALICE), M, 1));
		assert_eq!(IsolatedMargin::<Test>::get(ALICE, M), 100 + 1 - 50);
		assert_eq!(ledger_total(), vault_balance());
	});
}

#[test]
fn isolated_margin_is_topped_up_adjustable_and_returned() {
	new_test_ext().execute_with(|| {
		create_market(0);
		deposit(ALICE, 500);
		deposit(BOB, 500);
		assert_eq!(Perp::margin_mode(&ALICE), MarginMode::Isolated, "isolated by default");
		assert_noop!(
			Perp::add_isolated_margin(RuntimeOrigin::signed(ALICE), M, 10),
			Error::<Test>::NoPosition
		);
		assert_ok!(order(BOB, Side::Sell, 1_000, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
		// The fill moved the initial margin (10% of 1000) out of free collateral.
		assert_eq!(
			(Collateral::<Test>::get(ALICE), IsolatedMargin::<Test>::get(ALICE, M)),
			(400, 100)
		);
		assert_eq!(Perp::positions(&ALICE)[0].isolated_margin, Some(100));
		assert_noop!(
			Perp::set_margin_mode(RuntimeOrigin::signed(ALICE), MarginMode::Cross),
			Error::<Test>::AccountNotFlat
		);
		assert_noop!(
			Perp::remove_isolated_margin(RuntimeOrigin::signed(ALICE), M, 1),
			Error::<Test>::WouldBreachInitialMargin
		);
		assert_noop!(
			Perp::add_isolated_margin(RuntimeOrigin::signed(ALICE), M, 401),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(
			Perp::add_isolated_margin(RuntimeOrigin::signed(ALICE), M, 0),
			Error::<Test>::ZeroAmount
		);
		let liquidation_before = Perp::positions(&ALICE)[0].liquidation_price.expect("price");
		assert_ok!(Perp::add_isolated_margin(RuntimeOrigin::signed(ALICE), M, 100));
		let liquidation_after = Perp::positions(&ALICE)[0].liquidation_price.expect("price");
		assert!(
			liquidation_after < liquidation_before,
			"{liquidation_after} < {liquidation_before}"
		);
		assert_ok!(Perp::remove_isolated_margin(RuntimeOrigin::signed(ALICE), M, 50));
		assert_eq!(
			(Collateral::<Test>::get(ALICE), IsolatedMargin::<Test>::get(ALICE, M)),
			(350, 150)
		);

		// Closing returns the margin plus the realised PnL (+100 at 1100) to collateral.
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 1_100));
		assert_ok!(order(BOB, Side::Buy, 1_100, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Sell, 1_100, 10, TimeInForce::ImmediateOrCancel));
		assert_eq!(
			(Collateral::<Test>::get(ALICE), IsolatedMargin::<Test>::get(ALICE, M)),
			(600, 0)
		);
		assert_eq!(ledger_total(), vault_balance());
		// Flat again: the mode can change; cross has no isolated margin to adjust.
		cross(ALICE);
		assert_noop!(
			Perp::add_isolated_margin(RuntimeOrigin::signed(ALICE), M, 10),
			Error::<Test>::NotIsolated
		);
	});
}

#[test]
fn an_isolated_loss_stays_in_its_position() {
	new_test_ext().execute_with(|| {
		create_market(0);
		deposit(ALICE, 10_000);
		deposit(BOB, 10_000);
		assert_ok!(order(BOB, Side::Sell, 1_000, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
		// 880: the position's equity 100 - 120 < 0, yet Alice has 9,900 free. Isolated, she
		// is liquidated and loses the position's 100 only.
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 880));
		assert!(Perp::is_liquidatable(&ALICE, M).expect("health"));
		let fund_before = Collateral::<Test>::get(Perp::insurance_fund());
		assert_ok!(Perp::liquidate(RuntimeOrigin::signed(LIQUIDATOR), ALICE, M));
		assert_eq!(size(ALICE), 0);
		assert_eq!(
			(Collateral::<Test>::get(ALICE), IsolatedMargin::<Test>::get(ALICE, M)),
			(9_900, 0)
		);
		assert_eq!(Collateral::<Test>::get(LIQUIDATOR), 0, "no margin left for a penalty");
		// The fund took the position over at 880 and paid the 20 of bad debt (it had 0, so
		// Bob's profitable short was deleveraged for it).
		assert!(Collateral::<Test>::get(Perp::insurance_fund()) >= fund_before);
		assert_eq!(ledger_total(), vault_balance());
		// Cross, the same loss is carried by the whole collateral: not liquidatable.
		cross(CHARLIE);
		deposit(CHARLIE, 10_000);
		assert_ok!(order(BOB, Side::Sell, 880, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(CHARLIE, Side::Buy, 880, 10, TimeInForce::ImmediateOrCancel));
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 760));
		assert!(!Perp::is_liquidatable(&CHARLIE, M).expect("health"));
	});
}

#[test]
fn underwater_account_is_liquidated_by_the_insurance_fund_when_the_book_is_empty() {
	new_test_ext().execute_with(|| {
		create_market(0);
		deposit(ALICE, 120);
		deposit(BOB, 1_000);
		assert_ok!(order(BOB, Side::Sell, 1_000, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
		assert_noop!(
			Perp::liquidate(RuntimeOrigin::signed(LIQUIDATOR), ALICE, M),
			Error::<Test>::NotLiquidatable
		);
		// Price falls to 920: equity 120 - 80 = 40 < maintenance 5% of 920 = 46.
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 920));
		assert_ok!(Perp::liquidate(RuntimeOrigin::signed(LIQUIDATOR), ALICE, M));
		assert_eq!(size(ALICE), 0);
		assert_eq!(size(Perp::insurance_fund()), 1_000_000, "the fund took the position over");
		let health = Perp::health(&ALICE).expect("health");
		assert!(health.equity >= health.maintenance_requirement);
		// Penalty 1% of 920 = 10 (rounded up): 5 to the liquidator.
		assert_eq!(Collateral::<Test>::get(LIQUIDATOR), 5);
		assert_eq!(Collateral::<Test>::get(ALICE), 40 - 10);
		assert_eq!(ledger_total(), vault_balance());
		assert_noop!(
			Perp::liquidate(RuntimeOrigin::signed(LIQUIDATOR), ALICE, M),
			Error::<Test>::NoPosition
		);
	});
}

#[test]
fn liquidation_closes_against_the_book_first() {
	new_test_ext().execute_with(|| {
		create_market(0);
		deposit(ALICE, 120);
		deposit(BOB, 1_000);
		deposit(CHARLIE, 1_000);
		assert_ok!(order(BOB, Side::Sell, 1_000, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 920));
		// Charlie bids for 6 lots within the 10% band.
		assert_ok!(order(CHARLIE, Side::Buy, 910, 6, TimeInForce::GoodTilCancelled));
		let info = Perp::liquidate(RuntimeOrigin::signed(LIQUIDATOR), ALICE, M).expect("below");
		// Charged for what it did: one fill on the book, no deleveraging scan.
		let work = crate::LiquidationWork { fills: 1, scanned: 0, deleveraged: 0, markets: 1 };
		assert_eq!(info.actual_weight, Some(Perp::liquidation_weight(work)));
		let bound =
			crate::LiquidationWork { fills: 16, scanned: 1_000, deleveraged: 16, markets: 4 };
		assert!(Perp::liquidation_weight(work).all_lt(Perp::liquidation_weight(bound)));
		assert_eq!(size(CHARLIE), 600_000);
		assert_eq!(size(Perp::insurance_fund()), 400_000);
		assert_eq!(size(ALICE), 0);
		assert_eq!(ledger_total(), vault_balance());
	});
}

#[test]
fn liquidations_per_block_are_capped() {
	new_test_ext().execute_with(|| {
		create_market(0);
		deposit(BOB, 10_000);
		assert_ok!(order(BOB, Side::Sell, 1_000, 30, TimeInForce::GoodTilCancelled));
		let longs = [ALICE, CHARLIE, LIQUIDATOR];
		for who in longs {
			deposit(who, 120);
			assert_ok!(order(who, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
		}
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 920));
		// The mock allows two per block.
		assert_ok!(Perp::liquidate(RuntimeOrigin::signed(BOB), ALICE, M));
		assert_ok!(Perp::liquidate(RuntimeOrigin::signed(BOB), CHARLIE, M));
		assert_noop!(
			Perp::liquidate(RuntimeOrigin::signed(BOB), LIQUIDATOR, M),
			Error::<Test>::LiquidationLimitReached
		);
		System::set_block_number(2);
		assert_ok!(Perp::liquidate(RuntimeOrigin::signed(BOB), LIQUIDATOR, M));
		assert_eq!(longs.map(size), [0, 0, 0]);
		assert_eq!(ledger_total(), vault_balance());
	});
}

#[test]
fn a_fill_is_charged_for_the_makers_other_markets() {
	new_test_ext().execute_with(|| {
		create_market(0);
		let second = add_market(0);
		for who in [ALICE, BOB, CHARLIE] {
			deposit(who, 500);
		}
		// Bob holds a position in the second market, then makes in the first; Alice trades
		// only the first.
		let place = |who, market, side, tif| {
			Orderbook::place_order(
				RuntimeOrigin::signed(who),
				market,
				side,
				1_000,
				LOT,
				tif,
				None,
				None,
				SelfTradePrevention::CancelMaker,
				u32::MAX,
			)
		};
		assert_ok!(place(CHARLIE, second, Side::Sell, TimeInForce::GoodTilCancelled));
		assert_ok!(place(BOB, second, Side::Buy, TimeInForce::ImmediateOrCancel));
		assert_ok!(place(BOB, M, Side::Sell, TimeInForce::GoodTilCancelled));
		let info = place(ALICE, M, Side::Buy, TimeInForce::ImmediateOrCancel).expect("fills");
		assert_eq!(AccountMarkets::<Test>::get(BOB).len(), 2);
		let extra = Perp::markets_beyond_one_weight(2);
		assert!(extra.ref_time() > 0);
		let fill = Orderbook::order_weight(bourse_primitives::orderbook::MarketKind::Perp, 1, 0);
		assert_eq!(info.actual_weight, Some(fill.saturating_add(extra)));
		assert!(fill
			.saturating_add(extra)
			.all_lte(Orderbook::order_weight_bound(Orderbook::step_bound(1))));
		// Bob (two markets) now closes his short against Charlie (two markets): charged for
		// his markets at escrow and for Charlie's at the fill; once closed he trades only one.
		assert_ok!(place(CHARLIE, M, Side::Sell, TimeInForce::GoodTilCancelled));
		let info = place(BOB, M, Side::Buy, TimeInForce::ImmediateOrCancel).expect("fills");
		assert_eq!(AccountMarkets::<Test>::get(CHARLIE).len(), 2);
		let charged = fill.saturating_add(extra.saturating_mul(2));
		assert_eq!(info.actual_weight, Some(charged));
		assert!(charged.all_lte(Orderbook::order_weight_bound(Orderbook::step_bound(1))));
	});
}

#[test]
fn genesis_creates_perp_markets_after_the_spot_markets() {
	let params = bourse_primitives::perp::PerpMarketParams {
		underlying: AssetKind::Asset(7),
		tick_size: 10,
		lot_size: LOT,
		min_size: LOT,
		maker_fee_ppm: 0,
		taker_fee_ppm: 0,
		initial_margin_ppm: 100_000,
		maintenance_margin_ppm: 50_000,
		max_leverage: 10,
		liquidation_fee_ppm: 10_000,
		funding_interval: 10,
		max_funding_rate_ppm: 1_000,
		index_price: 1_000,
	};
	let spot = bench_market();
	let storage = RuntimeGenesisConfig {
		system: Default::default(),
		balances: Default::default(),
		assets: Default::default(),
		orderbook: pallet_orderbook::GenesisConfig { markets: vec![spot], ..Default::default() },
		perp: GenesisConfig { markets: vec![params.clone()], ..Default::default() },
	}
	.build_storage()
	.expect("valid genesis");
	sp_io::TestExternalities::new(storage).execute_with(|| {
		let market = pallet_orderbook::Pallet::<Test>::market(1).expect("perp market is id 1");
		assert_eq!(market.kind, bourse_primitives::orderbook::MarketKind::Perp);
		assert_eq!((market.tick_size, market.lot_size), (10, LOT));
		let perp = PerpMarkets::<Test>::get(1).expect("perp state");
		assert_eq!((perp.index_price, perp.initial_margin_ppm), (1_000, 100_000));
		assert_eq!(MarketIds::<Test>::get().into_inner(), vec![1]);
	});

	// Invalid parameters stop the genesis build with a message naming the entry.
	let invalid =
		bourse_primitives::perp::PerpMarketParams { maintenance_margin_ppm: 200_000, ..params };
	let result = std::panic::catch_unwind(|| {
		RuntimeGenesisConfig {
			perp: GenesisConfig { markets: vec![invalid], ..Default::default() },
			..Default::default()
		}
		.build_storage()
	});
	let message = result.expect_err("invalid genesis must not build");
	let text = message.downcast_ref::<String>().cloned().unwrap_or_default();
	assert!(text.contains("genesis perp market 0"), "{text}");
}

#[test]
fn migration_v1_to_v2_keeps_existing_traders_cross() {
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	new_test_ext().execute_with(|| {
		create_market(0);
		// Trading as under v1, where every account was cross.
		cross(ALICE);
		cross(BOB);
		deposit(ALICE, 500);
		deposit(BOB, 500);
		assert_ok!(order(BOB, Side::Sell, 1_000, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
		assert_ok!(order(BOB, Side::Sell, 1_010, 1, TimeInForce::GoodTilCancelled));
		let before = [Perp::health(&ALICE).expect("health"), Perp::health(&BOB).expect("health")];
		// The v1 layout: no margin modes, storage version 1.
		let _ = MarginModes::<Test>::clear(u32::MAX, None);
		StorageVersion::new(1).put::<Perp>();
		assert_eq!(Perp::margin_mode(&ALICE), MarginMode::Isolated, "v2 default without migration");

		// With try-runtime, its pre/post checks run around it as `try-runtime-cli` would.
		#[cfg(feature = "try-runtime")]
		migrations::v2::MigrateV1ToV2::<Test>::try_on_runtime_upgrade(true).expect("checks pass");
		#[cfg(not(feature = "try-runtime"))]
		migrations::v2::MigrateV1ToV2::<Test>::on_runtime_upgrade();
		assert_eq!(Perp::on_chain_storage_version(), StorageVersion::new(2));
		assert_eq!(
			[ALICE, BOB, CHARLIE].map(|who| Perp::margin_mode(&who)),
			[MarginMode::Cross, MarginMode::Cross, MarginMode::Isolated],
			"traders keep cross; an account that never traded gets the new default"
		);
		let after = [Perp::health(&ALICE).expect("health"), Perp::health(&BOB).expect("health")];
		assert_eq!(after, before, "margin of existing positions unchanged");

		// It runs once: at version 2 it is a no-op.
		MarginModes::<Test>::remove(ALICE);
		migrations::v2::MigrateV1ToV2::<Test>::on_runtime_upgrade();
		assert_eq!(Perp::margin_mode(&ALICE), MarginMode::Isolated);
	});
}

#[test]
fn genesis_sets_the_current_storage_version() {
	use frame_support::traits::{GetStorageVersion, StorageVersion};
	new_test_ext().execute_with(|| {
		assert_eq!(Perp::on_chain_storage_version(), StorageVersion::new(4));
		assert_eq!(Perp::in_code_storage_version(), StorageVersion::new(4));
	});
}

#[test]
fn migration_v2_to_v3_moves_collateral_into_the_one_vault_and_fees_into_the_fee_entry() {
	use frame_support::traits::{
		fungible::{Inspect as _, Mutate as _},
		tokens::Preservation,
		GetStorageVersion, OnRuntimeUpgrade, StorageVersion,
	};
	frame_support::parameter_types! {
		pub const OldFees: AccountId = 777;
	}
	new_test_ext().execute_with(|| {
		create_market(1_000);
		deposit(ALICE, 500);
		deposit(BOB, 500);
		assert_ok!(order(BOB, Side::Sell, 1_000, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
		// The v2 layout: collateral in pallet-perp's own vault, fees as the fee account's
		// collateral.
		let old = migrations::v3::old_vault::<Test>();
		let held = vault_balance() as u128;
		Balances::transfer(&Perp::vault(), &old, held, Preservation::Preserve).expect("move");
		let fees = pallet_orderbook::FeeBalances::<Test>::take(AssetKind::Native);
		Collateral::<Test>::insert(OldFees::get(), fees as i128);
		StorageVersion::new(2).put::<Perp>();

		#[cfg(feature = "try-runtime")]
		migrations::v3::MigrateV2ToV3::<Test, OldFees>::try_on_runtime_upgrade(true)
			.expect("checks pass");
		#[cfg(not(feature = "try-runtime"))]
		migrations::v3::MigrateV2ToV3::<Test, OldFees>::on_runtime_upgrade();

		assert_eq!(Perp::on_chain_storage_version(), StorageVersion::new(3));
		assert_eq!(vault_balance() as u128, held, "all collateral is in the one vault");
		assert_eq!(Balances::balance(&old), 0);
		assert_eq!(pallet_orderbook::FeeBalances::<Test>::get(AssetKind::Native), fees);
		assert!(fees > 0, "the trade paid fees");
		assert_eq!(Collateral::<Test>::get(OldFees::get()), 0);
		assert_eq!(ledger_total(), vault_balance());
		// Fees are withdrawable by the fee origin.
		assert_ok!(pallet_orderbook::Pallet::<Test>::withdraw_fees(
			RuntimeOrigin::root(),
			AssetKind::Native,
			fees,
			OldFees::get()
		));
		assert_eq!(ledger_total(), vault_balance());
	});
}

#[test]
fn migration_v3_to_v4_indexes_every_open_position_by_side() {
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	new_test_ext().execute_with(|| {
		create_market(0);
		deposit(ALICE, 500);
		deposit(BOB, 500);
		assert_ok!(order(BOB, Side::Sell, 1_000, 10, TimeInForce::GoodTilCancelled));
		assert_ok!(order(ALICE, Side::Buy, 1_000, 10, TimeInForce::ImmediateOrCancel));
		// The v3 layout: no index.
		let _ = PositionHolders::<Test>::clear(u32::MAX, None);
		StorageVersion::new(3).put::<Perp>();

		#[cfg(feature = "try-runtime")]
		migrations::v4::MigrateV3ToV4::<Test>::try_on_runtime_upgrade(true).expect("checks pass");
		#[cfg(not(feature = "try-runtime"))]
		migrations::v4::MigrateV3ToV4::<Test>::on_runtime_upgrade();

		assert_eq!(Perp::on_chain_storage_version(), StorageVersion::new(4));
		let mut index: alloc::vec::Vec<_> = PositionHolders::<Test>::iter_keys().collect();
		index.sort();
		assert_eq!(index, [((M, false), BOB), ((M, true), ALICE)]);
	});
}

#[derive(Clone, Debug)]
enum Op {
	Trade { maker: usize, taker: usize, buy: bool, ticks: u128, lots: u128 },
	Price { ticks: u128 },
	Funding,
	Liquidate { who: usize },
}

fn op() -> impl Strategy<Value = Op> {
	prop_oneof![
		5 => (0usize..3, 0usize..3, any::<bool>(), 90u128..111, 1u128..6)
			.prop_map(|(maker, taker, buy, ticks, lots)| Op::Trade { maker, taker, buy, ticks, lots }),
		2 => (80u128..121).prop_map(|ticks| Op::Price { ticks }),
		1 => Just(Op::Funding),
		1 => (0usize..3).prop_map(|who| Op::Liquidate { who }),
	]
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(500))]

	#[test]
	fn random_trading_conserves_collateral_and_nets_positions(
		ops in proptest::collection::vec(op(), 1..30),
		cross_margin in proptest::array::uniform3(any::<bool>()),
	) {
		new_test_ext().execute_with(|| -> Result<(), TestCaseError> {
			create_market(10);
			for (who, cross_margin) in [ALICE, BOB, CHARLIE].into_iter().zip(cross_margin) {
				if cross_margin {
					cross(who);
				}
				deposit(who, 400);
			}
			let mut block = 1;
			for op in ops {
				match op {
					Op::Trade { maker, taker, buy, ticks, lots } => {
						let (maker, taker) = (TRADERS[maker], TRADERS[taker]);
						let side = if buy { Side::Buy } else { Side::Sell };
						let price = ticks * 10;
						if order(maker, side.opposite(), price, lots, TimeInForce::GoodTilCancelled).is_ok() {
							let _ = order(taker, side, price, lots, TimeInForce::ImmediateOrCancel);
							let _ = Orderbook::cancel_all(RuntimeOrigin::signed(maker), M);
						}
					},
					Op::Price { ticks } => {
						assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, ticks * 10));
					},
					Op::Funding => {
						block += 10;
						System::set_block_number(block);
						Perp::on_initialize(block);
					},
					Op::Liquidate { who } => {
						let who = TRADERS[who];
						if Perp::liquidate(RuntimeOrigin::signed(LIQUIDATOR), who, M).is_ok() {
							let health = Perp::position_health(&who, M).expect("health");
							prop_assert!(
								health.equity >= health.maintenance_requirement || size(who) == 0,
								"a liquidated account is not left below maintenance"
							);
						}
					},
				}
				let net: i128 = Positions::<Test>::iter().filter(|(_, m, _)| *m == M).map(|(_, _, p)| p.size).sum();
				prop_assert_eq!(net, 0, "positions net to zero");
				prop_assert_eq!(ledger_total(), vault_balance(), "collateral is conserved");
				let longs: i128 = Positions::<Test>::iter().map(|(_, _, p)| p.size.max(0)).sum();
				prop_assert_eq!(PerpMarkets::<Test>::get(M).map(|m| m.open_interest as i128), Some(longs));
			}
			Ok(())
		})?;
	}
}

/// Found by the invariants: a position opened on unrealised profit alone needs no margin of
/// its own, and a zero margin was stored as an entry; a flip at a realised loss leaves the
/// isolated margin below zero while the new position's profit covers its initial margin.
#[test]
fn isolated_margin_may_go_below_zero_on_profit_but_is_never_kept_at_zero() {
	new_test_ext().execute_with(|| {
		create_market(0);
		deposit(BOB, 400);
		deposit(CHARLIE, 400);
		// Charlie shorts 6 lots at 900 with the index at 800: his profit covers the margin.
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 800));
		assert_ok!(order(BOB, Side::Buy, 900, 6, TimeInForce::GoodTilCancelled));
		assert_ok!(order(CHARLIE, Side::Sell, 900, 6, TimeInForce::ImmediateOrCancel));
		assert!(!IsolatedMargin::<Test>::contains_key(CHARLIE, M), "no zero entry");
		// At 1080 he buys 8 at 910 in one fill: the short closes at a loss of 6, and the
		// long 2 he flips to is 34 in profit.
		assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 1_080));
		assert_ok!(order(BOB, Side::Sell, 910, 8, TimeInForce::GoodTilCancelled));
		assert_ok!(order(CHARLIE, Side::Buy, 910, 8, TimeInForce::ImmediateOrCancel));
		assert_eq!(size(CHARLIE), 2 * LOT as i128);
		assert_eq!(IsolatedMargin::<Test>::get(CHARLIE, M), -6);
		let health = Perp::position_health(&CHARLIE, M).expect("health");
		assert!(health.equity >= health.initial_requirement, "backed by its profit: {health:?}");
		// Closing returns what is left (profit minus the realised loss) to collateral.
		assert_ok!(order(BOB, Side::Buy, 1_080, 2, TimeInForce::GoodTilCancelled));
		assert_ok!(order(CHARLIE, Side::Sell, 1_080, 2, TimeInForce::ImmediateOrCancel));
		assert_eq!(size(CHARLIE), 0);
		assert!(!IsolatedMargin::<Test>::contains_key(CHARLIE, M));
		assert_eq!(Collateral::<Test>::get(CHARLIE), 400 - 6 + 34);
	});
}
