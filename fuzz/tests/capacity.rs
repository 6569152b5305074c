//! Block capacity by weight: how many extrinsics of each trading workload one block of the
//! real runtime takes, filled the way the node's block builder fills it (each extrinsic needs
//! its up-front weight of room; what it did not use is refunded to the block). Weight is
//! deterministic, so the figures are the same on every machine; a release node executes
//! faster than the weights charge, so they are what a block is held to, not what it takes
//! in time. `cargo test -p bourse-fuzz --test capacity -- --nocapture` prints the table.
use bourse_fuzz::chain::{genesis, sign_with, Producer};
use bourse_primitives::orderbook::{SelfTradePrevention, Side, TimeInForce};
use bourse_runtime::{
	AccountId, Assets, Balances, Orderbook, Runtime, RuntimeCall, RuntimeEvent, RuntimeOrigin,
	System, TransactionPayment, MILLISECS_PER_BLOCK, UNIT,
};
use codec::Encode;
use frame_support::{dispatch::DispatchClass, traits::Get, weights::Weight};
use pallet_orderbook::{BatchAction, OrderRequest};
use sp_core::{sr25519, Pair as _};
use sp_keyring::Sr25519Keyring;
use sp_runtime::transaction_validity::{InvalidTransaction, TransactionValidityError};

/// The development chain's endowed accounts (each has half its tokens in the trading ledger)
/// and as many again three times over, funded by [`fund`]: enough that no account reaches its
/// `MaxOrdersPerAccount` resting orders within one block of any workload.
fn accounts() -> Vec<sr25519::Pair> {
	let mut pairs: Vec<sr25519::Pair> = Sr25519Keyring::well_known().map(|k| k.pair()).collect();
	let extra = 3 * pairs.len();
	pairs.extend((0..extra).map(|i| {
		sr25519::Pair::from_string(&format!("//trader//{i}"), None).expect("a valid derivation")
	}));
	pairs
}

/// Gives the accounts that the genesis did not endow what a development account holds: native
/// tokens, both test assets, half of each deposited into the trading ledger.
fn fund(pairs: &[sr25519::Pair]) {
	use bourse_primitives::orderbook::AssetKind;
	use frame_support::traits::{fungible::Mutate as _, fungibles::Mutate as _};
	const AMOUNT: u128 = 1 << 60;
	for pair in pairs {
		let who: AccountId = pair.public().into();
		if System::account_nonce(&who) > 0 || Balances::free_balance(&who) > 0 {
			continue;
		}
		Balances::mint_into(&who, AMOUNT).expect("mints native");
		for id in [1u32, 2] {
			Assets::mint_into(id, &who, AMOUNT).expect("mints an asset");
			Orderbook::deposit(
				RuntimeOrigin::signed(who.clone()),
				AssetKind::Asset(id),
				AMOUNT / 2,
			)
			.expect("deposits");
		}
	}
}

/// Spot market 0 (WBTC/USDB) of the development genesis: tick and lot.
const TICK: u128 = 10_000;
const LOT: u128 = 10_000;
/// Bids rest below, asks above the genesis index of 60,000 USDB.
const BID: u128 = 590_000_000;
const ASK: u128 = 610_000_000;

fn order(side: Side, price: u128, tif: TimeInForce, max_fills: u32) -> OrderRequest {
	OrderRequest {
		market: 0,
		side,
		price,
		quantity: LOT,
		time_in_force: tif,
		expires_at: None,
		client_id: None,
		self_trade: SelfTradePrevention::CancelMaker,
		max_fills,
	}
}

/// What one full block of a workload held.
struct Capacity {
	/// Extrinsics included.
	extrinsics: u32,
	/// Orders placed (`OrderPlaced` events) and fills (`Filled` events) they made.
	orders: u32,
	fills: u32,
	/// Weight charged up front for the first extrinsic (as `payment_queryInfo` reports it).
	up_front: Weight,
	/// Mean actual weight of the included extrinsics (`ExtrinsicSuccess`).
	actual: Weight,
	/// The block's normal-class weight when it refused the next extrinsic.
	consumed: Weight,
}

/// Fills one block with `next(i)` (signer and call of the i-th extrinsic) until the block
/// refuses one for lack of room. Every extrinsic must succeed.
fn fill_block(mut next: impl FnMut(u32) -> (sr25519::Pair, RuntimeCall)) -> Capacity {
	sp_io::TestExternalities::new(genesis()).execute_with(|| {
		let mut producer = Producer::default();
		producer.open_block(1);
		fund(&accounts());
		let mut up_front = None;
		let mut extrinsics = 0;
		loop {
			let (who, call) = next(extrinsics);
			let account: AccountId = who.public().into();
			let nonce = System::account_nonce(account);
			let xt = sign_with(&who, call, nonce);
			let len = xt.encoded_size() as u32;
			up_front.get_or_insert_with(|| TransactionPayment::query_info(xt.clone(), len).weight);
			match Producer::apply(xt) {
				Ok(Ok(())) => extrinsics += 1,
				Ok(Err(error)) => panic!("extrinsic {extrinsics} failed: {error:?}"),
				Err(TransactionValidityError::Invalid(InvalidTransaction::ExhaustsResources)) => {
					break
				},
				Err(error) => panic!("extrinsic {extrinsics} refused: {error:?}"),
			}
		}
		let (mut orders, mut fills, mut actual) = (0, 0, Weight::zero());
		for record in System::events() {
			match record.event {
				RuntimeEvent::Orderbook(pallet_orderbook::Event::OrderPlaced { .. }) => orders += 1,
				RuntimeEvent::Orderbook(pallet_orderbook::Event::Filled { .. }) => fills += 1,
				RuntimeEvent::Orderbook(pallet_orderbook::Event::BatchActionFailed {
					error,
					..
				}) => panic!("a batch action failed: {error:?}"),
				RuntimeEvent::System(frame_system::Event::ExtrinsicSuccess { dispatch_info })
					if dispatch_info.class == DispatchClass::Normal =>
				{
					actual = actual.saturating_add(dispatch_info.weight)
				},
				_ => {},
			}
		}
		let consumed = *System::block_weight().get(DispatchClass::Normal);
		producer.close_block();
		let up_front = up_front.unwrap_or_default();
		let mean = actual / extrinsics.max(1) as u64;
		Capacity { extrinsics, orders, fills, up_front, actual: mean, consumed }
	})
}

fn micros(weight: Weight) -> u64 {
	weight.ref_time() / 1_000_000
}

#[test]
fn block_capacity_of_trading_workloads() {
	let accounts = accounts();
	let n = accounts.len() as u32;
	let transfers = fill_block(|i| {
		let to: AccountId = accounts[((i + 1) % n) as usize].public().into();
		let call =
			pallet_balances::Call::transfer_keep_alive { dest: to.into(), value: UNIT }.into();
		(accounts[(i % n) as usize].clone(), call)
	});
	// Bids spread over price levels, none crossing: each rests without a fill.
	let resting = fill_block(|i| {
		let price = BID - TICK * (i / n) as u128;
		let call = pallet_orderbook::Call::<Runtime>::from(order(
			Side::Buy,
			price,
			TimeInForce::GoodTilCancelled,
			0,
		));
		(accounts[(i % n) as usize].clone(), call.into())
	});
	// A maker's ask, then another account's immediate-or-cancel buy that takes it.
	let half = n / 2;
	let pairs = fill_block(|i| {
		let k = i / 2;
		if i % 2 == 0 {
			let call = order(Side::Sell, ASK, TimeInForce::GoodTilCancelled, 0);
			(
				accounts[(k % half) as usize].clone(),
				pallet_orderbook::Call::<Runtime>::from(call).into(),
			)
		} else {
			let call = order(Side::Buy, ASK, TimeInForce::ImmediateOrCancel, 1);
			let taker = accounts[(half + k % half) as usize].clone();
			(taker, pallet_orderbook::Call::<Runtime>::from(call).into())
		}
	});
	// A market maker's quote refresh: `MaxBatch` post-only bids in one extrinsic.
	let batch_size = <<Runtime as pallet_orderbook::Config>::MaxBatch as Get<u32>>::get();
	let batches = fill_block(|i| {
		let actions = (0..batch_size)
			.map(|j| {
				let level = (i / n) * batch_size + j;
				BatchAction::Place(order(
					Side::Buy,
					BID - TICK * level as u128,
					TimeInForce::PostOnly,
					0,
				))
			})
			.collect();
		(
			accounts[(i % n) as usize].clone(),
			pallet_orderbook::Call::<Runtime>::batch { actions }.into(),
		)
	});

	let block = <Runtime as frame_system::Config>::BlockWeights::get();
	let normal = block.get(DispatchClass::Normal).max_total.unwrap_or(block.max_block);
	let per_second = |count: u32| count as u64 * 1_000 / MILLISECS_PER_BLOCK;
	println!(
		"block: {} ms of normal-class ref time, one block every {} ms",
		micros(normal) / 1_000,
		MILLISECS_PER_BLOCK
	);
	println!(
		"| workload | extrinsics / block | orders / block | fills | up front (µs) | actual (µs) | orders or transfers / s |"
	);
	println!("|---|---|---|---|---|---|---|");
	for (name, c, units) in [
		("balances.transferKeepAlive", &transfers, transfers.extrinsics),
		("placeOrder resting (maxFills 0)", &resting, resting.orders),
		("maker + taker pair", &pairs, pairs.orders),
		("batch of post-only places", &batches, batches.orders),
	] {
		println!(
			"| {name} | {} | {} | {} | {} | {} | {} |",
			c.extrinsics,
			c.orders,
			c.fills,
			micros(c.up_front),
			micros(c.actual),
			per_second(units)
		);
	}

	// What the workloads did is what they claim.
	assert_eq!(resting.orders, resting.extrinsics);
	assert_eq!(resting.fills, 0);
	assert_eq!(pairs.fills, pairs.extrinsics / 2, "each taker fills its maker");
	assert_eq!(batches.orders, batches.extrinsics * batch_size);
	// Orders that may not match reserve no fills up front: the block fills by what they do,
	// less at most the room one more would need (its up-front weight and the extrinsic base
	// weight CheckWeight adds to it).
	let base = block.get(DispatchClass::Normal).base_extrinsic.ref_time();
	for (name, c) in [("resting orders", &resting), ("batches", &batches)] {
		let (used, consumed) = (c.actual.ref_time() * c.extrinsics as u64, c.consumed.ref_time());
		assert!(
			consumed + c.up_front.ref_time() + base >= normal.ref_time(),
			"{name} left the block part empty: {consumed} consumed, {} up front, of {}",
			c.up_front.ref_time(),
			normal.ref_time()
		);
		assert!(
			used * 100 >= consumed * 98,
			"{name}: the block holds weight the extrinsics did not use: {used} of {consumed}"
		);
	}
}
