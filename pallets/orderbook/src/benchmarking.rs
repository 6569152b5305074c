//! Benchmarks of pallet-orderbook (frame-benchmarking v2).
use super::*;
use alloc::vec::Vec;
use bourse_primitives::orderbook::{
	AssetKind, Market, MarketId, MarketStatus, OrderId, SelfTradePrevention, Side, TimeInForce,
};
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{Get, Hooks},
	weights::Weight,
};
use frame_system::RawOrigin;

fn funded<T: Config>(name: &'static str, index: u32, market: &Market) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	T::BenchmarkHelper::fund(&who, market);
	// Orders trade from the ledger: deposit half of each token.
	for asset in [market.base, market.quote] {
		let half = Pallet::<T>::wallet_balance(asset, &who) / 2;
		Pallet::<T>::do_deposit(&who, asset, half).expect("benchmark deposit");
	}
	who
}

fn setup<T: Config>() -> (MarketId, Market) {
	let market = T::BenchmarkHelper::market();
	let id = Pallet::<T>::insert_market(market.clone());
	whitelist_market::<T>(id);
	(id, market)
}

/// A market's record is a hot key of the block: `on_initialize` charges its database read and
/// write once per block (see [`HOT_KEYS`]), so a call does not count them.
pub fn whitelist_market<T: Config>(id: MarketId) {
	frame_benchmarking::benchmarking::add_to_whitelist(Markets::<T>::hashed_key_for(id).into());
}

/// A price and lot that fit the market: 100 ticks, one lot.
fn price_and_lot(market: &Market) -> (u128, u128) {
	(market.tick_size * 100, market.min_size)
}

fn rest<T: Config>(
	who: &T::AccountId,
	market_id: MarketId,
	side: Side,
	price: u128,
	quantity: u128,
) -> OrderId {
	let request = OrderRequest {
		market: market_id,
		side,
		price,
		quantity,
		time_in_force: TimeInForce::GoodTilCancelled,
		expires_at: None,
		client_id: None,
		self_trade: SelfTradePrevention::CancelMaker,
		max_fills: u32::MAX,
	};
	Pallet::<T>::do_place_limit(who, request).expect("benchmark order rests").order_id
}

/// `n` one-lot asks at `price`, each from its own account whose order index is full (every
/// maker's index is rewritten when its order fills: the larger, the dearer).
fn asks<T: Config>(market_id: MarketId, market: &Market, n: u32, price: u128, lot: u128) {
	for i in 0..n {
		let maker = funded::<T>("maker", i, market);
		fill_index::<T>(&maker, market_id, market, T::MaxOrdersPerAccount::get() - 1);
		rest::<T>(&maker, market_id, Side::Sell, price, lot);
	}
}

/// Rests `count` one-lot asks of `who` far above the benchmark price (one per level), so its
/// order index holds that many more entries, and fills its ledger with (empty) entries of
/// other tokens up to `MaxAssetsPerAccount`: its record is as large as a record can be.
fn fill_index<T: Config>(who: &T::AccountId, market_id: MarketId, market: &Market, count: u32) {
	let (price, lot) = price_and_lot(market);
	for i in 0..count {
		rest::<T>(who, market_id, Side::Sell, price + market.tick_size * (1_000 + i as u128), lot);
	}
	Accounts::<T>::mutate(who, |record| {
		let record = record.get_or_insert_with(Default::default);
		let mut other = 1_000_000u32;
		while (record.balances.len() as u32) < T::MaxAssetsPerAccount::get() {
			let _ = record.entry_mut(AssetKind::Asset(other));
			other += 1;
		}
	});
}

/// Makes `who`'s record as large as a record can be but for `room` orders: its other orders
/// rest in a market of their own, so counting the benchmarked market's orders is unaffected.
fn full_record<T: Config>(who: &T::AccountId, market: &Market, room: u32) {
	let (other_market, _) = setup::<T>();
	fill_index::<T>(who, other_market, market, T::MaxOrdersPerAccount::get() - room);
}

/// `FRONT_LEN` one-lot orders of another account right behind the first order of `side`, at
/// its `price`: that order is its side's whole front (orders joining behind it do not enter
/// the front), so taking it off refills the front with all of them.
fn behind<T: Config>(market_id: MarketId, market: &Market, side: Side, price: u128, lot: u128) {
	let other = funded::<T>("behind", 0, market);
	for _ in 0..crate::store::FRONT_LEN {
		rest::<T>(&other, market_id, side, price, lot);
	}
	let front = Markets::<T>::get(market_id).map(|record| record.top.front(side).len());
	assert_eq!(front, Some(1), "the benchmarked order is its side's whole front");
}

/// Resting orders of `who` in `market`.
fn orders_in<T: Config>(who: &T::AccountId, market: MarketId) -> u32 {
	Pallet::<T>::trading_account(who).refs().filter(|r| r.market == market).count() as u32
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create_market() {
		let m = T::BenchmarkHelper::market();
		#[extrinsic_call]
		_(
			RawOrigin::Root,
			m.base,
			m.quote,
			m.tick_size,
			m.lot_size,
			m.min_size,
			m.maker_fee_ppm,
			m.taker_fee_ppm,
		);
		assert!(Markets::<T>::contains_key(NextMarketId::<T>::get() - 1));
	}

	#[benchmark]
	fn set_market_status() {
		let (market_id, _) = setup::<T>();
		#[extrinsic_call]
		_(RawOrigin::Root, market_id, MarketStatus::Paused);
		assert_eq!(Pallet::<T>::market(market_id).map(|m| m.status), Some(MarketStatus::Paused));
	}

	/// A buy that rests without matching, the dearest way: it betters the best bid another
	/// trader's order holds (the market's best prices are written; an order that does not
	/// better the best is refunded that write) and an ask rests above it; with an expiry if
	/// `e` is 1. The placer already rests `o` orders (its record,
	/// read and written whole, grows with them) and holds entries of `MaxAssetsPerAccount`
	/// tokens.
	#[benchmark]
	fn place_order_resting(e: Linear<0, 1>, o: Linear<0, { T::MaxOrdersPerAccount::get() - 1 }>) {
		let (market_id, market) = setup::<T>();
		let (price, lot) = price_and_lot(&market);
		let other = funded::<T>("other", 0, &market);
		rest::<T>(&other, market_id, Side::Buy, price - market.tick_size, lot);
		rest::<T>(&other, market_id, Side::Sell, price + market.tick_size, lot);
		let taker = funded::<T>("taker", 0, &market);
		full_record::<T>(&taker, &market, T::MaxOrdersPerAccount::get() - o);
		let now: u32 = frame_system::Pallet::<T>::block_number().try_into().unwrap_or(0);
		#[extrinsic_call]
		place_order(
			RawOrigin::Signed(taker.clone()),
			market_id,
			Side::Buy,
			price,
			lot,
			TimeInForce::GoodTilCancelled,
			(e == 1).then_some(now + 1),
			Some(1),
			SelfTradePrevention::CancelMaker,
			0,
		);
		assert_eq!(orders_in::<T>(&taker, market_id), 1);
	}

	/// A buy that makes `f` fills against one-lot asks, then rests its last lot (an order
	/// that makes no fill is `place_order_resting`).
	#[benchmark]
	fn place_order(f: Linear<1, { T::MaxFillsPerOrder::get() }>) {
		let (market_id, market) = setup::<T>();
		let (price, lot) = price_and_lot(&market);
		asks::<T>(market_id, &market, f, price, lot);
		let taker = funded::<T>("taker", 0, &market);
		full_record::<T>(&taker, &market, 1);
		let quantity = lot * (f as u128 + 1);
		#[extrinsic_call]
		_(
			RawOrigin::Signed(taker.clone()),
			market_id,
			Side::Buy,
			price,
			quantity,
			TimeInForce::GoodTilCancelled,
			Some(1_000),
			Some(1),
			SelfTradePrevention::CancelMaker,
			f,
		);
		assert_eq!(orders_in::<T>(&taker, market_id), 1);
	}

	/// Cancels an order with an expiry key to delete from an order index of `o` orders.
	/// `r` = 1: the order is its side's whole front, with `FRONT_LEN` orders behind it, so the
	/// front is refilled (a seek and `FRONT_LEN` keys, see [`behind`]); `r` = 0: a better order
	/// stays in the front, so it is not.
	#[benchmark]
	fn cancel_order(o: Linear<2, { T::MaxOrdersPerAccount::get() }>, r: Linear<0, 1>) {
		let (market_id, market) = setup::<T>();
		let (price, lot) = price_and_lot(&market);
		let who = funded::<T>("trader", 0, &market);
		fill_index::<T>(&who, market_id, &market, o - 1);
		let now: u32 = frame_system::Pallet::<T>::block_number().try_into().unwrap_or(0);
		let request = OrderRequest {
			market: market_id,
			side: Side::Buy,
			price,
			quantity: lot,
			time_in_force: TimeInForce::GoodTilCancelled,
			expires_at: Some(now + 1),
			client_id: None,
			self_trade: SelfTradePrevention::CancelMaker,
			max_fills: 0,
		};
		let head = Pallet::<T>::do_place_limit(&who, request).expect("rests").order_id;
		behind::<T>(market_id, &market, Side::Buy, price, lot);
		if r == 0 {
			let better = funded::<T>("better", 0, &market);
			rest::<T>(&better, market_id, Side::Buy, price + market.tick_size, lot);
		}
		let front = || Markets::<T>::get(market_id).map(|record| record.top.bid.len());
		assert_eq!(front(), Some(2 - r as usize));
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), head);
		assert!(Pallet::<T>::order_ref(&who, head).is_none());
		// Refilled: the front holds the orders that were behind; else only the better one.
		let refilled = crate::store::FRONT_LEN as usize;
		assert_eq!(front(), Some(if r == 1 { refilled } else { 1 }));
	}

	/// Cancels `n` orders of a full order index (the rest are in another market).
	#[benchmark]
	fn cancel_all(n: Linear<1, { T::MaxOrdersPerAccount::get() }>) {
		let (market_id, market) = setup::<T>();
		let (other_market, _) = setup::<T>();
		let (price, lot) = price_and_lot(&market);
		let who = funded::<T>("trader", 0, &market);
		fill_index::<T>(&who, other_market, &market, T::MaxOrdersPerAccount::get() - n);
		for i in 0..n {
			rest::<T>(&who, market_id, Side::Buy, price - market.tick_size * (i as u128 % 50), lot);
		}
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), market_id);
		assert_eq!(orders_in::<T>(&who, market_id), 0);
	}

	/// Moves a resting bid up through `f` one-lot asks.
	#[benchmark]
	fn replace_order(f: Linear<0, { T::MaxFillsPerOrder::get() }>) {
		let (market_id, market) = setup::<T>();
		let (price, lot) = price_and_lot(&market);
		asks::<T>(market_id, &market, f, price, lot);
		let who = funded::<T>("trader", 0, &market);
		full_record::<T>(&who, &market, 1);
		let id =
			rest::<T>(&who, market_id, Side::Buy, price - market.tick_size, lot * (f as u128 + 1));
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), id, price, lot * (f as u128 + 1), f);
		assert!(Pallet::<T>::order_ref(&who, id).is_none());
	}

	#[benchmark]
	fn place_orders(n: Linear<1, { T::MaxBatch::get() }>) {
		let (market_id, market) = setup::<T>();
		let (price, lot) = price_and_lot(&market);
		let who = funded::<T>("trader", 0, &market);
		full_record::<T>(&who, &market, n);
		let batch: Vec<OrderRequest> = (0..n)
			.map(|i| OrderRequest {
				market: market_id,
				side: Side::Buy,
				price: price - market.tick_size * i as u128,
				quantity: lot,
				time_in_force: TimeInForce::GoodTilCancelled,
				expires_at: None,
				client_id: Some(i as u64),
				self_trade: SelfTradePrevention::CancelMaker,
				max_fills: u32::MAX,
			})
			.collect();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), batch);
		assert_eq!(orders_in::<T>(&who, market_id), n);
	}

	/// `batch` of `n` post-only bids, each the dearest way an order without an expiry rests:
	/// it betters the best bid (the first over another trader's order), so the market's best
	/// prices are written (an expiry adds what `place_order_resting` measures for it).
	#[benchmark]
	fn batch_places(n: Linear<1, { T::MaxBatch::get() }>) {
		let (market_id, market) = setup::<T>();
		let (price, lot) = price_and_lot(&market);
		let other = funded::<T>("other", 0, &market);
		rest::<T>(&other, market_id, Side::Buy, price - market.tick_size * n as u128, lot);
		let who = funded::<T>("trader", 0, &market);
		full_record::<T>(&who, &market, n);
		let actions: Vec<BatchAction> = (0..n)
			.map(|i| {
				let price = price - market.tick_size * (n - 1 - i) as u128;
				BatchAction::Place(OrderRequest {
					market: market_id,
					side: Side::Buy,
					price,
					quantity: lot,
					time_in_force: TimeInForce::PostOnly,
					expires_at: None,
					client_id: Some(i as u64),
					self_trade: SelfTradePrevention::CancelMaker,
					max_fills: 0,
				})
			})
			.collect();
		#[extrinsic_call]
		batch(RawOrigin::Signed(who.clone()), actions);
		assert_eq!(orders_in::<T>(&who, market_id), n);
	}

	/// The trader's record is as large as a record can be (full index and ledger).
	#[benchmark]
	fn deposit() {
		let (market_id, market) = setup::<T>();
		let who = funded::<T>("trader", 0, &market);
		fill_index::<T>(&who, market_id, &market, T::MaxOrdersPerAccount::get());
		let before = Pallet::<T>::trading_balance(&who, market.base).free;
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), market.base, market.min_size);
		assert_eq!(Pallet::<T>::trading_balance(&who, market.base).free, before + market.min_size);
	}

	/// The trader's record is as large as a record can be (full index and ledger).
	#[benchmark]
	fn withdraw() {
		let (market_id, market) = setup::<T>();
		let who = funded::<T>("trader", 0, &market);
		fill_index::<T>(&who, market_id, &market, T::MaxOrdersPerAccount::get());
		let before = Pallet::<T>::trading_balance(&who, market.base).free;
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), market.base, market.min_size);
		assert_eq!(Pallet::<T>::trading_balance(&who, market.base).free, before - market.min_size);
	}

	/// `on_idle` expiring one order of a full order index.
	#[benchmark]
	fn expire_order() {
		let (market_id, market) = setup::<T>();
		let (price, lot) = price_and_lot(&market);
		let who = funded::<T>("trader", 0, &market);
		let now: u32 = frame_system::Pallet::<T>::block_number().try_into().unwrap_or(0);
		let request = OrderRequest {
			market: market_id,
			side: Side::Sell,
			price,
			quantity: lot,
			time_in_force: TimeInForce::GoodTilCancelled,
			expires_at: Some(now),
			client_id: None,
			self_trade: SelfTradePrevention::CancelMaker,
			max_fills: u32::MAX,
		};
		let id = Pallet::<T>::do_place_limit(&who, request).expect("rests").order_id;
		behind::<T>(market_id, &market, Side::Sell, price, lot);
		// (After the orders behind it: these rest far above and stay out of the front.)
		fill_index::<T>(&who, market_id, &market, T::MaxOrdersPerAccount::get() - 1);
		ExpiryCursor::<T>::put(now);
		let next: frame_system::pallet_prelude::BlockNumberFor<T> = (now + 1).into();
		#[block]
		{
			Pallet::<T>::on_idle(next, Weight::MAX);
		}
		assert!(Pallet::<T>::order_ref(&who, id).is_none());
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_raw_ext(), crate::mock::Test);
}
