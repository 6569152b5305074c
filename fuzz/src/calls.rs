//! Calls of every pallet a trader, a market maker or the chain's root would send, with arguments
//! biased toward where bugs live: prices on and near the book, sizes around the lot and the
//! limits, extreme values, ids that exist and ids that do not, and root calls through sudo.
//! The generator reads the chain state (inside the externalities) to aim at it.
use crate::input::Input;
use bourse_primitives::{
	orderbook::{
		AssetKind, MarketId, MarketKind, MarketStatus, OrderId, Price, Quantity,
		SelfTradePrevention, Side, TimeInForce,
	},
	perp::MarginMode,
};
use bourse_runtime::{AccountId, Runtime, RuntimeCall};
use pallet_orderbook::{BatchAction, MarketOrderBound, OrderRequest};
use sp_keyring::Sr25519Keyring;

/// The funded accounts that trade. Alice is also sudo and the oracle operator.
pub const ACCOUNTS: [Sr25519Keyring; 6] = [
	Sr25519Keyring::Alice,
	Sr25519Keyring::Bob,
	Sr25519Keyring::Charlie,
	Sr25519Keyring::Dave,
	Sr25519Keyring::Eve,
	Sr25519Keyring::Ferdie,
];

/// The sudo key of the development genesis.
pub const ROOT: Sr25519Keyring = Sr25519Keyring::Alice;

/// What the generator knows of the chain when it builds one call.
struct View {
	markets: Vec<(MarketId, bourse_primitives::orderbook::Market)>,
	orders: Vec<(OrderId, AccountId)>,
	next_order: OrderId,
	now: u32,
}

impl View {
	fn read() -> Self {
		let mut markets: Vec<_> = pallet_orderbook::Markets::<Runtime>::iter()
			.map(|(id, record)| (id, record.market))
			.collect();
		markets.sort_by_key(|(id, _)| *id);
		let orders = pallet_orderbook::Orders::<Runtime>::iter_values()
			.take(256)
			.map(|order| (order.id, order.owner))
			.collect();
		Self {
			markets,
			orders,
			next_order: pallet_orderbook::Pallet::<Runtime>::next_order_id(),
			now: frame_system::Pallet::<Runtime>::block_number(),
		}
	}
}

fn account(input: &mut Input) -> AccountId {
	match input.below(16) {
		0 => pallet_perp::Pallet::<Runtime>::insurance_fund(),
		1 => pallet_orderbook::Pallet::<Runtime>::vault(),
		2 => AccountId::from([input.byte(); 32]),
		_ => input.pick(&ACCOUNTS).to_account_id(),
	}
}

/// A market id: mostly one that exists, sometimes one that does not.
fn market(input: &mut Input, view: &View) -> MarketId {
	if view.markets.is_empty() || input.below(12) == 0 {
		return input.pick(&[view.markets.len() as u32, 7, u32::MAX]);
	}
	input.pick(&view.markets).0
}

fn market_params(view: &View, id: MarketId) -> (Price, Quantity, Price, MarketKind) {
	let found = view.markets.iter().find(|(m, _)| *m == id).map(|(_, m)| m.clone());
	let Some(m) = found else { return (10_000, 10_000, 600_000_000, MarketKind::Spot) };
	let (bid, ask) = pallet_orderbook::Pallet::<Runtime>::best_prices(id);
	let index = pallet_perp::PerpMarkets::<Runtime>::get(id).map(|p| p.index_price);
	let mid = match (bid, ask) {
		(Some(b), Some(a)) => b / 2 + a / 2,
		(Some(p), None) | (None, Some(p)) => p,
		(None, None) => index.unwrap_or(600_000_000),
	};
	(m.tick_size.max(1), m.lot_size.max(1), mid, m.kind)
}

/// A price: mostly on the grid within a few ticks of the book's middle, sometimes off the
/// grid or extreme.
fn price(input: &mut Input, tick: Price, mid: Price) -> Price {
	match input.below(20) {
		0 => 0,
		1 => tick,
		2 => 100_000_000_000_000_000_000,
		3 => u128::MAX,
		4 => mid.saturating_add(1),
		5 => mid.saturating_mul(2),
		_ => {
			let ticks = (mid / tick) as i128 + input.between(-12, 12) as i128;
			(ticks.max(1) as u128).saturating_mul(tick)
		},
	}
}

/// A quantity: mostly a few lots, sometimes zero, below a lot, off the lot grid or huge.
fn quantity(input: &mut Input, lot: Quantity) -> Quantity {
	match input.below(20) {
		0 => 0,
		1 => lot.saturating_sub(1),
		2 => u128::MAX,
		3 => 1 << 100,
		4 => lot.saturating_mul(3).saturating_add(1),
		5 => lot.saturating_mul(1_000_000),
		_ => lot.saturating_mul(1 + input.below(40) as u128),
	}
}

fn side(input: &mut Input) -> Side {
	input.pick(&[Side::Buy, Side::Sell])
}

fn time_in_force(input: &mut Input) -> TimeInForce {
	input.pick(&[
		TimeInForce::GoodTilCancelled,
		TimeInForce::GoodTilCancelled,
		TimeInForce::ImmediateOrCancel,
		TimeInForce::FillOrKill,
		TimeInForce::PostOnly,
	])
}

fn self_trade(input: &mut Input) -> SelfTradePrevention {
	input.pick(&[
		SelfTradePrevention::CancelMaker,
		SelfTradePrevention::CancelTaker,
		SelfTradePrevention::CancelBoth,
	])
}

fn expiry(input: &mut Input, now: u32) -> Option<u32> {
	match input.below(10) {
		0 => Some(now),
		1 => Some(now + 1 + input.below(4)),
		2 => Some(now.saturating_sub(1)),
		3 => Some(u32::MAX),
		4 => Some(now + 1_296_000),
		_ => None,
	}
}

/// A fill bound: mostly as many as allowed, sometimes none, a few, or past the limit.
fn max_fills(input: &mut Input) -> u32 {
	input.pick(&[u32::MAX, u32::MAX, u32::MAX, 0, 1, 3, 33])
}

fn request(input: &mut Input, view: &View) -> OrderRequest {
	let market = market(input, view);
	let (tick, lot, mid, _) = market_params(view, market);
	let client = input.u64();
	OrderRequest {
		market,
		side: side(input),
		price: price(input, tick, mid),
		quantity: quantity(input, lot),
		time_in_force: time_in_force(input),
		expires_at: expiry(input, view.now),
		client_id: input.pick(&[None, Some(client)]),
		self_trade: self_trade(input),
		max_fills: max_fills(input),
	}
}

/// An order id: mostly a resting one (the signer's or another's), sometimes one that does not
/// exist.
fn order_id(input: &mut Input, view: &View, signer: &AccountId) -> OrderId {
	if view.orders.is_empty() || input.below(8) == 0 {
		return input.pick(&[0, view.next_order, view.next_order + 1, u64::MAX]);
	}
	let own: Vec<OrderId> =
		view.orders.iter().filter(|(_, owner)| owner == signer).map(|(id, _)| *id).collect();
	if !own.is_empty() && input.below(4) != 0 {
		return input.pick(&own);
	}
	input.pick(&view.orders).0
}

fn asset(input: &mut Input) -> AssetKind {
	input.pick(&[
		AssetKind::Asset(1),
		AssetKind::Asset(2),
		AssetKind::Asset(1),
		AssetKind::Asset(2),
		AssetKind::Native,
		AssetKind::Asset(99),
	])
}

/// An amount of tokens: mostly a trading-sized one, sometimes zero, one or enormous.
fn amount(input: &mut Input) -> u128 {
	match input.below(12) {
		0 => 0,
		1 => 1,
		2 => u128::MAX,
		3 => 1 << 62,
		_ => 10u128.pow(6 + input.below(7)) * (1 + input.below(9) as u128),
	}
}

fn ppm(input: &mut Input) -> u32 {
	input.pick(&[0, 1, 200, 500, 10_000, 50_000, 100_000, 500_000, 1_000_000, u32::MAX])
}

/// A root call, dispatched through `sudo`.
fn root_call(input: &mut Input, view: &View) -> RuntimeCall {
	match input.below(10) {
		0..=3 => {
			let market = market(input, view);
			let (tick, _, _, _) = market_params(view, market);
			let index = pallet_perp::PerpMarkets::<Runtime>::get(market)
				.map_or(600_000_000, |p| p.index_price);
			let moved = match input.below(10) {
				0 => input.pick(&[0, 1, u128::MAX]),
				_ => {
					let pct = input.between(-30, 30) as i128;
					((index as i128 * (100 + pct) / 100).max(1) as u128) / tick * tick
				},
			};
			pallet_perp::Call::set_oracle_price { market, index_price: moved }.into()
		},
		4 => pallet_orderbook::Call::set_market_status {
			market: market(input, view),
			// Closing is for good: rare, or every later input only meets `MarketNotActive`.
			status: match input.below(10) {
				0 => MarketStatus::Closed,
				1..=3 => MarketStatus::Paused,
				_ => MarketStatus::Active,
			},
		}
		.into(),
		5 => pallet_orderbook::Call::withdraw_fees {
			asset: asset(input),
			amount: amount(input),
			to: account(input),
		}
		.into(),
		6 => pallet_orderbook::Call::create_market {
			base: asset(input),
			quote: asset(input),
			tick_size: input.pick(&[0, 1, 100, 10_000]),
			lot_size: input.pick(&[0, 1, 10_000]),
			min_size: input.pick(&[0, 1, 10_000, 20_000]),
			maker_fee_ppm: ppm(input),
			taker_fee_ppm: ppm(input),
		}
		.into(),
		7 => pallet_perp::Call::create_perp_market {
			underlying: asset(input),
			tick_size: input.pick(&[0, 1, 10_000]),
			lot_size: input.pick(&[0, 1, 10_000]),
			min_size: input.pick(&[0, 10_000]),
			maker_fee_ppm: ppm(input),
			taker_fee_ppm: ppm(input),
			initial_margin_ppm: ppm(input),
			maintenance_margin_ppm: ppm(input),
			max_leverage: input.pick(&[0, 1, 10, 100, u32::MAX]),
			liquidation_fee_ppm: ppm(input),
			// Short intervals: funding is due within a fuzzer input's blocks.
			funding_interval: input.pick(&[0, 1, 2, 5, 1_800]),
			max_funding_rate_ppm: ppm(input),
		}
		.into(),
		8 => {
			pallet_checkpoint::Call::set_interval { interval: input.pick(&[0, 1, 3, 1_000]) }.into()
		},
		_ => pallet_perp::Call::settle_closed_market {
			market: market(input, view),
			max: input.pick(&[0, 1, 8, u32::MAX]),
		}
		.into(),
	}
}

/// The next call and the index in [`ACCOUNTS`] of the account that signs it.
pub fn next_call(input: &mut Input) -> (usize, RuntimeCall) {
	let view = View::read();
	let who = input.below(ACCOUNTS.len() as u32) as usize;
	let signer = ACCOUNTS[who].to_account_id();
	let call: RuntimeCall = match input.below(100) {
		0..=29 => pallet_orderbook::Call::<Runtime>::from(request(input, &view)).into(),
		30..=36 => {
			let market = market(input, &view);
			let (tick, lot, mid, _) = market_params(&view, market);
			let bound = match input.below(2) {
				0 => MarketOrderBound::WorstPrice(price(input, tick, mid)),
				_ => MarketOrderBound::MaxQuote(amount(input)),
			};
			pallet_orderbook::Call::place_market_order {
				market,
				side: side(input),
				quantity: quantity(input, lot),
				bound,
				self_trade: self_trade(input),
			}
			.into()
		},
		37..=45 => {
			pallet_orderbook::Call::cancel_order { order_id: order_id(input, &view, &signer) }
				.into()
		},
		46..=47 => pallet_orderbook::Call::cancel_all { market: market(input, &view) }.into(),
		48..=54 => {
			let order_id = order_id(input, &view, &signer);
			let market = bourse_runtime::Orderbook::find_order(order_id).map_or(0, |o| o.market);
			let (tick, lot, mid, _) = market_params(&view, market);
			pallet_orderbook::Call::replace_order {
				order_id,
				new_price: price(input, tick, mid),
				new_quantity: quantity(input, lot),
				max_fills: max_fills(input),
			}
			.into()
		},
		55..=58 => {
			let n = input.below(18) as usize;
			let orders = (0..n).map(|_| request(input, &view)).collect();
			pallet_orderbook::Call::place_orders { orders }.into()
		},
		59..=65 => {
			let n = input.below(18) as usize;
			let actions = (0..n)
				.map(|_| match input.below(3) {
					0 => BatchAction::Place(request(input, &view)),
					1 => BatchAction::Cancel(order_id(input, &view, &signer)),
					_ => {
						let order_id = order_id(input, &view, &signer);
						let (tick, lot, mid, _) = market_params(&view, 0);
						BatchAction::Replace {
							order_id,
							new_price: price(input, tick, mid),
							new_quantity: quantity(input, lot),
							max_fills: max_fills(input),
						}
					},
				})
				.collect();
			pallet_orderbook::Call::batch { actions }.into()
		},
		66..=69 => {
			pallet_orderbook::Call::deposit { asset: asset(input), amount: amount(input) }.into()
		},
		70..=72 => {
			pallet_orderbook::Call::withdraw { asset: asset(input), amount: amount(input) }.into()
		},
		73..=76 => pallet_perp::Call::deposit_collateral { amount: amount(input) }.into(),
		77..=78 => pallet_perp::Call::withdraw_collateral { amount: amount(input) }.into(),
		79..=82 => {
			pallet_perp::Call::liquidate { who: account(input), market: market(input, &view) }
				.into()
		},
		83 => pallet_perp::Call::set_margin_mode {
			mode: input.pick(&[MarginMode::Cross, MarginMode::Isolated]),
		}
		.into(),
		84 => pallet_perp::Call::add_isolated_margin {
			market: market(input, &view),
			amount: amount(input),
		}
		.into(),
		85 => pallet_perp::Call::remove_isolated_margin {
			market: market(input, &view),
			amount: amount(input),
		}
		.into(),
		86..=87 => {
			let market = market(input, &view);
			let (tick, _, mid, _) = market_params(&view, market);
			let values = vec![(market, price(input, tick, mid))].try_into().expect("one value");
			return (0, pallet_oracle::Call::feed_values { values }.into());
		},
		88..=93 => {
			let call = root_call(input, &view);
			return (0, pallet_sudo::Call::sudo { call: Box::new(call) }.into());
		},
		94 => pallet_balances::Call::transfer_keep_alive {
			dest: account(input).into(),
			value: amount(input),
		}
		.into(),
		95 => pallet_balances::Call::transfer_allow_death {
			dest: account(input).into(),
			value: amount(input),
		}
		.into(),
		96 => pallet_assets::Call::transfer {
			id: codec::Compact(input.pick(&[1u32, 2, 99])),
			target: account(input).into(),
			amount: amount(input),
		}
		.into(),
		97 => pallet_perp::Call::settle_closed_market {
			market: market(input, &view),
			max: input.pick(&[1, 8, u32::MAX]),
		}
		.into(),
		_ => {
			// Two order-book calls in one extrinsic, all or nothing.
			let first = next_order_call(input, &view, &signer);
			let second = next_order_call(input, &view, &signer);
			pallet_utility::Call::batch_all { calls: vec![first, second] }.into()
		},
	};
	(who, call)
}

fn next_order_call(input: &mut Input, view: &View, signer: &AccountId) -> RuntimeCall {
	match input.below(2) {
		0 => pallet_orderbook::Call::<Runtime>::from(request(input, view)).into(),
		_ => {
			pallet_orderbook::Call::cancel_order { order_id: order_id(input, view, signer) }.into()
		},
	}
}
