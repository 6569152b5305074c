//! Pallet tests, one file per area, on the mock runtime.
mod best_price;
mod cancel;
mod errors;
mod expiry;
mod invariants;
mod market;
mod place_order;
mod replace_and_batch;
mod state;

use crate::{mock::*, *};
use bourse_primitives::orderbook::{
	OrderId, Price, Quantity, SelfTradePrevention, Side, TimeInForce,
};
use frame_support::{
	assert_ok,
	traits::{
		fungible::{Inspect as _, InspectHold as _},
		fungibles::{Inspect as _, InspectHold as _},
	},
};

/// (free, held) of the base token and of the quote (native) token.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Funds {
	pub base_free: u128,
	pub base_held: u128,
	pub quote_free: u128,
	pub quote_held: u128,
}

pub fn funds(who: AccountId) -> Funds {
	let reason = RuntimeHoldReason::Orderbook(HoldReason::OrderEscrow);
	Funds {
		base_free: AssetsHolder::balance(BASE, &who),
		base_held: AssetsHolder::balance_on_hold(BASE, &reason, &who),
		quote_free: Balances::balance(&who),
		quote_held: Balances::balance_on_hold(&reason, &who),
	}
}

/// Total of each token over traders and the fee account (free + held).
pub fn totals() -> (u128, u128) {
	TRADERS
		.iter()
		.chain([&FEE_ACCOUNT])
		.map(|a| funds(*a))
		.fold((0, 0), |(b, q), f| (b + f.base_free + f.base_held, q + f.quote_free + f.quote_held))
}

pub fn place(
	who: AccountId,
	side: Side,
	price: Price,
	quantity: Quantity,
	tif: TimeInForce,
) -> OrderId {
	let id = NextOrderId::<Test>::get();
	assert_ok!(Orderbook::place_order(
		RuntimeOrigin::signed(who),
		0,
		side,
		price,
		quantity,
		tif,
		None,
		None,
		SelfTradePrevention::CancelMaker
	));
	id
}

pub fn gtc(who: AccountId, side: Side, price: Price, quantity: Quantity) -> OrderId {
	place(who, side, price, quantity, TimeInForce::GoodTilCancelled)
}

pub fn fills() -> alloc::vec::Vec<bourse_primitives::orderbook::Fill<AccountId>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Orderbook(Event::Filled { fill, .. }) => Some(fill),
			_ => None,
		})
		.collect()
}

pub fn cancels() -> alloc::vec::Vec<(OrderId, CancelReason)> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Orderbook(Event::OrderCancelled { order_id, reason, .. }) => {
				Some((order_id, reason))
			},
			_ => None,
		})
		.collect()
}

/// One lot: 100_000 base units. At price 1_000 a lot costs 100 quote.
pub const LOT: u128 = 100_000;
