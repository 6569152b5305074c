//! Property test of the risk engine over random trading on a book a market maker keeps
//! two-sided, with fees that move money, price moves that liquidate, funding that is not zero,
//! and the insurance fund taking positions over and selling them back to the book. It checks
//! the invariants after every operation and that the run exercised what it claims (fills,
//! fees, funding, liquidations, the fund's trades, refusals that changed nothing).
use crate::{mock::*, *};
use bourse_primitives::orderbook::{AssetKind, Side, TimeInForce};
use frame_support::{assert_ok, traits::Hooks};
use proptest::{
	prelude::*,
	test_runner::{Config as RunnerConfig, RngSeed, TestRunner},
};
use sp_runtime::{DispatchError, DispatchResult, StateVersion};

const LOT: u128 = 100_000;
const M: u32 = 0;
const TICK: u128 = 10;
const MAKER: AccountId = BOB;
const SPREAD_TICKS: u128 = 2;

#[derive(Clone, Debug)]
enum Op {
	/// A trader (Alice or Charlie) trades: crossing the maker's quote or resting inside it.
	Trade { who: usize, buy: bool, lots: u128, cross: bool },
	/// The index moves by `pct` percent; the maker follows it with its quotes or not (then
	/// the mark, the median of index, bid and ask, differs from the index: funding).
	Price { pct: i32, requote: bool },
	/// Time passes: funding is due.
	Funding,
	/// Someone tries to liquidate a trader or the insurance fund.
	Liquidate { who: usize },
	/// A trader withdraws some collateral.
	Withdraw { who: usize, amount: u128 },
	/// A trader cancels its resting orders.
	Cancel { who: usize },
}

fn op() -> impl Strategy<Value = Op> {
	prop_oneof![
		6 => (0usize..2, any::<bool>(), 5u128..40, any::<bool>())
			.prop_map(|(who, buy, lots, cross)| Op::Trade { who, buy, lots, cross }),
		3 => (-15i32..16, any::<bool>()).prop_map(|(pct, requote)| Op::Price { pct, requote }),
		2 => Just(Op::Funding),
		3 => (0usize..3).prop_map(|who| Op::Liquidate { who }),
		1 => (0usize..2, 1u128..400).prop_map(|(who, amount)| Op::Withdraw { who, amount }),
		1 => (0usize..2).prop_map(|who| Op::Cancel { who }),
	]
}

/// What a run did, summed over all cases.
#[derive(Default, Debug)]
struct Stats {
	ops: u32,
	succeeded: u32,
	refused: u32,
	fills: u32,
	liquidations: u32,
	nonzero_funding: u32,
	/// Positions the insurance fund took over, and orders it sold them back with.
	takeovers: u32,
	fund_unwinds: u32,
	fees: i128,
	/// Refusals by operation kind and error, for the report.
	refusals: alloc::collections::BTreeMap<alloc::string::String, u32>,
}

fn index() -> u128 {
	PerpMarkets::<Test>::get(M).map_or(0, |m| m.index_price)
}

/// An order through the pallet tests' helper, its error only.
fn place(who: AccountId, side: Side, price: u128, lots: u128, tif: TimeInForce) -> DispatchResult {
	crate::tests::order(who, side, price, lots, tif).map(|_| ()).map_err(|e| e.error)
}

/// The maker quotes both sides around the index whenever a side is empty or the index moved
/// (else the mark, the median of index, bid and ask, would stay with the old quotes).
fn keep_two_sided(index_moved: bool) {
	let (bid, ask) = pallet_orderbook::Pallet::<Test>::best_prices(M);
	if bid.is_some() && ask.is_some() && !index_moved {
		return;
	}
	assert_ok!(Orderbook::cancel_all(RuntimeOrigin::signed(MAKER), M));
	// The maker takes the other side of everything: a long run of moves can sink it. Then a
	// liquidator closes it, as one would on a live chain.
	if Perp::is_liquidatable(&MAKER, M).unwrap_or(false) {
		let _ = Perp::liquidate(RuntimeOrigin::signed(LIQUIDATOR), MAKER, M);
	}
	// Good-til-cancelled: a quote may trade with a trader's order left behind by the move.
	let mid = index() / TICK * TICK;
	for (side, price) in
		[(Side::Buy, mid - SPREAD_TICKS * TICK), (Side::Sell, mid + SPREAD_TICKS * TICK)]
	{
		let quoted = place(MAKER, side, price, 200, TimeInForce::GoodTilCancelled);
		// Only a maker under water (not liquidated yet: this block's liquidations are used
		// up) may fail to quote: it cannot add risk, nor close into bankruptcy.
		if quoted.is_err() {
			assert!(Perp::is_liquidatable(&MAKER, M).unwrap_or(false), "{quoted:?}");
		}
	}
}

fn vault() -> i128 {
	use frame_support::traits::fungible::Inspect;
	(Balances::balance(&Perp::vault()) - VAULT_SEED) as i128
}

fn fund_events() -> (u32, u32) {
	System::events().iter().fold((0, 0), |(takeovers, unwinds), r| match r.event {
		RuntimeEvent::Perp(Event::Liquidated { taken_by_insurance, .. })
			if taken_by_insurance > 0 =>
		{
			(takeovers + 1, unwinds)
		},
		RuntimeEvent::Perp(Event::FundUnwound { .. }) => (takeovers, unwinds + 1),
		_ => (takeovers, unwinds),
	})
}

fn fills_so_far() -> u32 {
	System::events()
		.iter()
		.filter(|r| {
			matches!(r.event, RuntimeEvent::Orderbook(pallet_orderbook::Event::Filled { .. }))
		})
		.count() as u32
}

fn run(ops: &[Op], stats: &mut Stats) -> Result<(), TestCaseError> {
	let traders = [ALICE, CHARLIE];
	// 1% fees: a 10-lot fill at 1000 pays 10.
	assert_ok!(Perp::create_perp_market(
		RuntimeOrigin::root(),
		AssetKind::Asset(7),
		TICK,
		LOT,
		LOT,
		10_000,
		10_000,
		100_000,
		50_000,
		10,
		10_000,
		10,
		10_000
	));
	assert_ok!(Perp::set_oracle_price(RuntimeOrigin::root(), M, 1_000));
	assert_ok!(Perp::deposit_collateral(RuntimeOrigin::signed(MAKER), 500_000));
	assert_ok!(Perp::set_margin_mode(
		RuntimeOrigin::signed(CHARLIE),
		bourse_primitives::perp::MarginMode::Cross
	));
	for who in traders {
		assert_ok!(Perp::deposit_collateral(RuntimeOrigin::signed(who), 1_000));
	}
	keep_two_sided(false);
	let fund = Perp::insurance_fund();
	let mut block = 1u64;
	for op in ops {
		let root_before = sp_io::storage::root(StateVersion::V1);
		let fills_before = fills_so_far();
		let result: Result<(), DispatchError> = match op.clone() {
			Op::Trade { who, buy, lots, cross } => {
				let side = if buy { Side::Buy } else { Side::Sell };
				let index = index() / TICK * TICK;
				let (price, tif) = match (cross, side) {
					(true, Side::Buy) => {
						(index + 5 * SPREAD_TICKS * TICK, TimeInForce::ImmediateOrCancel)
					},
					(true, Side::Sell) => {
						(index - 5 * SPREAD_TICKS * TICK, TimeInForce::ImmediateOrCancel)
					},
					(false, Side::Buy) => (index - TICK, TimeInForce::GoodTilCancelled),
					(false, Side::Sell) => (index + TICK, TimeInForce::GoodTilCancelled),
				};
				place(traders[who], side, price, lots, tif)
			},
			Op::Price { pct, .. } => {
				let moved = (index() as i128 * (100 + pct as i128) / 100) as u128 / TICK * TICK;
				Perp::set_oracle_price(RuntimeOrigin::root(), M, moved.max(100))
			},
			Op::Funding => {
				block += 10;
				System::set_block_number(block);
				let before = PerpMarkets::<Test>::get(M).map(|m| m.cumulative_funding);
				Perp::on_initialize(block);
				if PerpMarkets::<Test>::get(M).map(|m| m.cumulative_funding) != before {
					stats.nonzero_funding += 1;
				}
				Ok(())
			},
			Op::Liquidate { who } => {
				let target = if who == 2 { fund } else { traders[who] };
				let result = Perp::liquidate(RuntimeOrigin::signed(LIQUIDATOR), target, M)
					.map(|_| ())
					.map_err(|e| e.error);
				if target == fund {
					prop_assert_eq!(
						result,
						Err(Error::<Test>::InsuranceFundNotLiquidatable.into()),
						"the fund is never liquidated"
					);
				}
				if result.is_ok() {
					stats.liquidations += 1;
					let health = Perp::position_health(&target, M).expect("valued");
					prop_assert!(
						size(target) == 0 || health.equity >= health.maintenance_requirement,
						"liquidated account left below maintenance: {:?}",
						health
					);
				}
				result
			},
			Op::Withdraw { who, amount } => {
				Perp::withdraw_collateral(RuntimeOrigin::signed(traders[who]), amount)
					.map(|_| ())
					.map_err(|e| e.error)
			},
			Op::Cancel { who } => Orderbook::cancel_all(RuntimeOrigin::signed(traders[who]), M)
				.map(|_| ())
				.map_err(|e| e.error),
		};
		stats.ops += 1;
		match result {
			Ok(()) => stats.succeeded += 1,
			Err(error) => {
				stats.refused += 1;
				let kind = alloc::format!("{op:?}");
				let kind = kind.split([' ', '{']).next().unwrap_or_default();
				*stats.refusals.entry(alloc::format!("{kind}: {error:?}")).or_default() += 1;
				prop_assert_eq!(
					sp_io::storage::root(StateVersion::V1),
					root_before,
					"a refused {:?} changed storage",
					op
				);
			},
		}
		stats.fills += fills_so_far() - fills_before;
		keep_two_sided(matches!(op, Op::Price { requote: true, .. }));

		let net: i128 =
			Positions::<Test>::iter().filter(|(_, m, _)| *m == M).map(|(_, _, p)| p.size).sum();
		prop_assert_eq!(net, 0, "positions net to zero");
		prop_assert_eq!(Perp::ledger_total(), vault(), "the vault holds what the ledger says");
		let longs: i128 = Positions::<Test>::iter().map(|(_, _, p)| p.size.max(0)).sum();
		prop_assert_eq!(
			PerpMarkets::<Test>::get(M).map(|m| m.open_interest as i128),
			Some(longs),
			"open interest"
		);
		for who in [ALICE, BOB, CHARLIE] {
			prop_assert!(Perp::health(&who).is_ok(), "every account can be valued");
		}
		let invariants =
			pallet_orderbook::Pallet::<Test>::do_try_state().and_then(|()| Perp::do_try_state());
		prop_assert!(invariants.is_ok(), "invariants after {:?}: {:?}", op, invariants);
	}
	let (takeovers, unwinds) = fund_events();
	stats.takeovers += takeovers;
	stats.fund_unwinds += unwinds;
	stats.fees +=
		pallet_orderbook::FeeBalances::<Test>::get(bourse_primitives::orderbook::AssetKind::Native)
			as i128;
	Ok(())
}

fn size(who: AccountId) -> i128 {
	Positions::<Test>::get(who, M).map_or(0, |p| p.size)
}

#[test]
fn random_trading_on_a_two_sided_book_keeps_the_risk_invariants() {
	// A fixed seed unless `PROPTEST_RNG_SEED` names one: the test gate is reproducible, and
	// exploring more seeds is one variable away (`PROPTEST_RNG_SEED=$RANDOM cargo test ...`).
	let defaults = RunnerConfig::default();
	let rng_seed = match defaults.rng_seed {
		RngSeed::Random => RngSeed::Fixed(0xB0_0125),
		chosen => chosen,
	};
	let mut runner = TestRunner::new(RunnerConfig { cases: 200, rng_seed, ..defaults });
	let stats = core::cell::RefCell::new(Stats::default());
	runner
		.run(&proptest::collection::vec(op(), 10..60), |ops| {
			new_test_ext().execute_with(|| run(&ops, &mut stats.borrow_mut()))
		})
		.expect("invariants hold");
	let stats = stats.into_inner();
	std::println!("{stats:#?}");
	// The run must exercise what it claims: most operations go through, money moves.
	assert!(stats.succeeded * 2 > stats.ops, "{stats:?}");
	assert!(stats.refused > 0, "{stats:?}");
	assert!(stats.fills * 10 > stats.ops, "{stats:?}");
	assert!(stats.liquidations > 10, "{stats:?}");
	assert!(stats.nonzero_funding > 10, "{stats:?}");
	assert!(stats.fees > 0, "{stats:?}");
	assert!(stats.takeovers > 0 && stats.fund_unwinds > 0, "the fund trades: {stats:?}");
}
