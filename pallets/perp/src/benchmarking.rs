//! Benchmarks of pallet-perp (frame-benchmarking v2). Markets use the order book's benchmark
//! market grid, margined in the collateral token; accounts are funded through the order
//! book's `BenchmarkHelper`.
use super::*;
use bourse_primitives::{
	orderbook::{quote_amount, Market, MarketId, SelfTradePrevention, Side, TimeInForce},
	perp::{MarginMode, PerpMarketParams},
};
use frame_benchmarking::v2::*;
use frame_support::traits::{Get, Hooks};
use frame_system::RawOrigin;
use pallet_orderbook::BenchmarkHelper as _;

type Helper<T> = <T as pallet_orderbook::Config>::BenchmarkHelper;

fn params<T: Config>() -> PerpMarketParams {
	let m = Helper::<T>::market();
	PerpMarketParams {
		underlying: m.base,
		tick_size: m.tick_size,
		lot_size: m.lot_size,
		min_size: m.min_size,
		maker_fee_ppm: 0,
		taker_fee_ppm: 0,
		initial_margin_ppm: 100_000,
		maintenance_margin_ppm: 50_000,
		max_leverage: 10,
		liquidation_fee_ppm: 10_000,
		funding_interval: 1,
		max_funding_rate_ppm: 1_000,
		index_price: m.tick_size * 1_000,
	}
}

/// A perp market with its index price set.
fn perp_market<T: Config>() -> MarketId {
	let p = params::<T>();
	let id = Pallet::<T>::do_create_perp_market(&p).expect("benchmark market is valid");
	PerpMarkets::<T>::mutate(id, |m| {
		if let Some(m) = m {
			m.index_price = p.index_price;
		}
	});
	// The book's market record is a hot key of the block, charged once per block by
	// pallet-orderbook's `on_initialize`: an order does not count it.
	frame_benchmarking::benchmarking::add_to_whitelist(
		pallet_orderbook::Markets::<T>::hashed_key_for(id).into(),
	);
	id
}

/// `MaxImpactOrders` one-lot orders on each side of `market`, each at its own price (written
/// as orders directly: only the impact walk reads them).
fn thin_book<T: Config>(market: MarketId) {
	use pallet_orderbook::{store::book_key, Orders};
	let book = pallet_orderbook::Pallet::<T>::market(market).expect("benchmark market");
	let index = PerpMarkets::<T>::get(market).map_or(0, |p| p.index_price);
	let owner: T::AccountId = account("thin-book", 0, 0);
	for i in 1..=T::MaxImpactOrders::get() as u128 {
		let step = i * book.tick_size;
		for (side, price) in [(Side::Buy, index - step), (Side::Sell, index + step)] {
			let id = u64::MAX - 2 * i as u64 - side as u64;
			let order = bourse_primitives::orderbook::Order {
				id,
				market,
				owner: owner.clone(),
				side,
				price,
				quantity: book.lot_size,
				filled: 0,
				placed_at: 0,
				expires_at: None,
				client_id: None,
				self_trade: Default::default(),
				post_only: false,
			};
			Orders::<T>::insert((market, side), book_key(side, price, id), order);
		}
	}
}

/// How many more perp markets may be created (genesis may have made some).
fn market_room<T: Config>() -> u32 {
	T::MaxPerpMarkets::get().saturating_sub(MarketIds::<T>::get().len() as u32)
}

/// An account with `deposit` of collateral in the vault.
fn trader<T: Config>(name: &'static str, index: u32, deposit: u128) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	let collateral_market = Market { quote: T::CollateralAsset::get(), ..Helper::<T>::market() };
	Helper::<T>::fund(&who, &collateral_market);
	if deposit > 0 {
		Pallet::<T>::deposit_collateral(RawOrigin::Signed(who.clone()).into(), deposit)
			.expect("benchmark deposit");
	}
	who
}

/// Price of the benchmark trades and the notional of one lot at it.
fn price_and_notional<T: Config>() -> (u128, u128) {
	let p = params::<T>();
	(p.index_price, quote_amount(p.index_price, p.lot_size).expect("small"))
}

/// `taker` buys one lot from `maker` at the index price.
fn open_long<T: Config>(market: MarketId, taker: &T::AccountId, maker: &T::AccountId) {
	let (price, _) = price_and_notional::<T>();
	let lot = params::<T>().lot_size;
	let place = |who: &T::AccountId, side, tif| {
		pallet_orderbook::Pallet::<T>::place_order(
			RawOrigin::Signed(who.clone()).into(),
			market,
			side,
			price,
			lot,
			tif,
			None,
			None,
			SelfTradePrevention::CancelMaker,
			u32::MAX,
		)
		.expect("benchmark order");
	};
	place(maker, Side::Sell, TimeInForce::GoodTilCancelled);
	place(taker, Side::Buy, TimeInForce::ImmediateOrCancel);
}

const PLENTY: u128 = 1_000_000_000_000;

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create_perp_market() {
		let p = params::<T>();
		let before = MarketIds::<T>::get().len();
		#[extrinsic_call]
		_(
			RawOrigin::Root,
			p.underlying,
			p.tick_size,
			p.lot_size,
			p.min_size,
			p.maker_fee_ppm,
			p.taker_fee_ppm,
			p.initial_margin_ppm,
			p.maintenance_margin_ppm,
			p.max_leverage,
			p.liquidation_fee_ppm,
			p.funding_interval,
			p.max_funding_rate_ppm,
		);
		assert_eq!(MarketIds::<T>::get().len(), before + 1);
	}

	#[benchmark]
	fn deposit_collateral() {
		let who = trader::<T>("trader", 0, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), PLENTY);
		assert_eq!(Collateral::<T>::get(&who), PLENTY as i128);
	}

	/// A cross-margined account with a position in each of `p` markets: every one is valued.
	#[benchmark]
	fn withdraw_collateral(
		p: Linear<1, { T::MaxPositionsPerAccount::get().min(market_room::<T>()) }>,
	) {
		let who = trader::<T>("trader", 0, 0);
		Pallet::<T>::set_margin_mode(RawOrigin::Signed(who.clone()).into(), MarginMode::Cross)
			.expect("flat account");
		Pallet::<T>::deposit_collateral(RawOrigin::Signed(who.clone()).into(), PLENTY)
			.expect("deposit");
		let maker = trader::<T>("maker", 0, PLENTY);
		for _ in 0..p {
			open_long::<T>(perp_market::<T>(), &who, &maker);
		}
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), 1);
		assert_eq!(AccountMarkets::<T>::get(&who).len(), p as usize);
	}

	#[benchmark]
	fn set_oracle_price() {
		let market = perp_market::<T>();
		let price = params::<T>().index_price + params::<T>().tick_size;
		#[extrinsic_call]
		_(RawOrigin::Root, market, price);
		assert_eq!(PerpMarkets::<T>::get(market).map(|m| m.index_price), Some(price));
	}

	/// The longest path: nothing on the book, so the insurance fund takes the position over;
	/// the loss exceeds the margin and the fund is empty, so the profitable short is
	/// deleveraged to cover the bad debt.
	#[benchmark]
	fn liquidate() {
		let market = perp_market::<T>();
		let (price, notional) = price_and_notional::<T>();
		let margin = notional / 10;
		let who = trader::<T>("trader", 0, margin);
		let maker = trader::<T>("maker", 0, PLENTY);
		open_long::<T>(market, &who, &maker);
		let tick = params::<T>().tick_size;
		let crashed = price * 8 / 10 / tick * tick;
		Pallet::<T>::set_oracle_price(RawOrigin::Root.into(), market, crashed).expect("price");
		let liquidator = trader::<T>("liquidator", 0, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(liquidator), who.clone(), market);
		assert!(Positions::<T>::get(&who, market).is_none());
	}

	#[benchmark]
	fn set_margin_mode() {
		let who = trader::<T>("trader", 0, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), MarginMode::Cross);
		assert_eq!(MarginModes::<T>::get(&who), MarginMode::Cross);
	}

	#[benchmark]
	fn add_isolated_margin() {
		let market = perp_market::<T>();
		let who = trader::<T>("trader", 0, PLENTY);
		let maker = trader::<T>("maker", 0, PLENTY);
		open_long::<T>(market, &who, &maker);
		let before = IsolatedMargin::<T>::get(&who, market);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), market, 1);
		assert_eq!(IsolatedMargin::<T>::get(&who, market), before + 1);
	}

	#[benchmark]
	fn remove_isolated_margin() {
		let market = perp_market::<T>();
		let who = trader::<T>("trader", 0, PLENTY);
		let maker = trader::<T>("maker", 0, PLENTY);
		open_long::<T>(market, &who, &maker);
		Pallet::<T>::add_isolated_margin(RawOrigin::Signed(who.clone()).into(), market, 10)
			.expect("add");
		let before = IsolatedMargin::<T>::get(&who, market);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), market, 1);
		assert_eq!(IsolatedMargin::<T>::get(&who, market), before - 1);
	}

	/// `orderbook.place_order` in a perp market: a buy making `f` fills against one-lot asks
	/// of `f` makers, then resting its last lot. Taker and makers trade this market only; the
	/// valuation of more markets is charged per account by `Settlement::escrow`/`settle`.
	/// Every maker's and the taker's order index is full (their other asks rest far above),
	/// as an account's record is read and written whole.
	#[benchmark]
	fn place_perp_order(
		f: Linear<0, { <T as pallet_orderbook::Config>::MaxFillsPerOrder::get() }>,
	) {
		let taker = trader::<T>("taker", 0, PLENTY);
		let market = perp_market::<T>();
		let (price, _) = price_and_notional::<T>();
		let lot = params::<T>().lot_size;
		let tick = params::<T>().tick_size;
		let most = <T as pallet_orderbook::Config>::MaxOrdersPerAccount::get();
		for i in 0..f {
			let maker = trader::<T>("maker", i, PLENTY);
			for far in 0..most.saturating_sub(1) {
				pallet_orderbook::Pallet::<T>::place_order(
					RawOrigin::Signed(maker.clone()).into(),
					market,
					Side::Sell,
					price + tick * (1_000 + far as u128),
					lot,
					TimeInForce::GoodTilCancelled,
					None,
					None,
					SelfTradePrevention::CancelMaker,
					0,
				)
				.expect("benchmark far ask");
			}
			pallet_orderbook::Pallet::<T>::place_order(
				RawOrigin::Signed(maker).into(),
				market,
				Side::Sell,
				price,
				lot,
				TimeInForce::GoodTilCancelled,
				None,
				None,
				SelfTradePrevention::CancelMaker,
				u32::MAX,
			)
			.expect("benchmark ask");
		}
		// The taker's record is full too (it is read and written whole): its other orders
		// rest far above the asks it takes, on levels of their own.
		for far in 0..most.saturating_sub(1) {
			pallet_orderbook::Pallet::<T>::place_order(
				RawOrigin::Signed(taker.clone()).into(),
				market,
				Side::Sell,
				price + tick * (1_000 + (most + far) as u128),
				lot,
				TimeInForce::GoodTilCancelled,
				None,
				None,
				SelfTradePrevention::CancelMaker,
				0,
			)
			.expect("benchmark taker's far ask");
		}
		#[block]
		{
			pallet_orderbook::Pallet::<T>::place_order(
				RawOrigin::Signed(taker.clone()).into(),
				market,
				Side::Buy,
				price,
				lot * (f as u128 + 1),
				TimeInForce::GoodTilCancelled,
				None,
				None,
				SelfTradePrevention::CancelMaker,
				u32::MAX,
			)
			.expect("benchmark perp order");
		}
		let size = Positions::<T>::get(&taker, market).map_or(0, |p| p.size);
		assert_eq!(size, f as i128 * lot as i128);
	}

	/// `on_initialize` when all `m` markets are due for funding, each with a fresh oracle
	/// observation that moves its index and books too thin to reach the impact notional
	/// within `MaxImpactOrders`, so both impact walks read every level they may.
	#[benchmark]
	fn funding(m: Linear<1, { T::MaxPerpMarkets::get() }>) {
		// Markets of the genesis state count too: make them due as well.
		let existing = MarketIds::<T>::get().len() as u32;
		(existing..m).for_each(|_| {
			perp_market::<T>();
		});
		let markets = MarketIds::<T>::get();
		for market in markets.iter() {
			PerpMarkets::<T>::mutate(market, |p| {
				if let Some(p) = p {
					p.funding_interval = 1;
					p.last_funding_block = 0;
				}
			});
			thin_book::<T>(*market);
			let index = PerpMarkets::<T>::get(market).map_or(0, |p| p.index_price);
			T::Oracle::set_price(*market, index + index / 100);
		}
		let now: frame_system::pallet_prelude::BlockNumberFor<T> = 10u32.into();
		frame_system::Pallet::<T>::set_block_number(now);
		#[block]
		{
			Pallet::<T>::on_initialize(now);
		}
		for market in markets {
			assert_eq!(PerpMarkets::<T>::get(market).map(|p| p.last_funding_block), Some(10));
		}
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_raw_ext(), crate::mock::Test);
}
