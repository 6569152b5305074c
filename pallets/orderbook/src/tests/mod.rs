//! Pallet tests, one file per area, on the mock runtime.
mod batch_actions;
mod best_price;
mod cancel;
mod errors;
mod expiry;
mod invariants;
mod ledger;
mod market;
mod place_order;
mod replace_and_batch;
mod state;

use crate::{mock::*, *};
use bourse_primitives::orderbook::AssetKind;
use bourse_primitives::orderbook::{
	OrderId, Price, Quantity, SelfTradePrevention, Side, TimeInForce,
};
use frame_support::{assert_ok, traits::fungible::Inspect as _};

/// (free, locked) ledger amounts of the base token and of the quote (native) token. For
/// `FEE_ACCOUNT`: the fees collected (as free).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Funds {
	pub base_free: u128,
	pub base_held: u128,
	pub quote_free: u128,
	pub quote_held: u128,
}

pub fn funds(who: AccountId) -> Funds {
	let (base, quote) = (AssetKind::Asset(BASE), AssetKind::Native);
	if who == FEE_ACCOUNT {
		return Funds {
			base_free: FeeBalances::<Test>::get(base),
			base_held: 0,
			quote_free: FeeBalances::<Test>::get(quote),
			quote_held: 0,
		};
	}
	let (b, q) = (Orderbook::trading_balance(&who, base), Orderbook::trading_balance(&who, quote));
	Funds { base_free: b.free, base_held: b.locked, quote_free: q.free, quote_held: q.locked }
}

/// Total of each token in the ledger over traders and fees (free + locked). Also checks the
/// ledger invariant: the vault holds exactly that plus its own seed.
pub fn totals() -> (u128, u128) {
	let sums =
		TRADERS.iter().chain([&FEE_ACCOUNT]).map(|a| funds(*a)).fold((0, 0), |(b, q), f| {
			(b + f.base_free + f.base_held, q + f.quote_free + f.quote_held)
		});
	let vault = (Assets::balance(BASE, vault()), Balances::balance(&vault()));
	assert_eq!(vault, (sums.0 + VAULT_SEED, sums.1 + VAULT_SEED), "the vault holds the ledger");
	Orderbook::do_try_state().expect("the order book's invariants hold");
	sums
}

pub fn place(
	who: AccountId,
	side: Side,
	price: Price,
	quantity: Quantity,
	tif: TimeInForce,
) -> OrderId {
	let id = Orderbook::next_order_id();
	assert_ok!(Orderbook::place_order(
		RuntimeOrigin::signed(who),
		0,
		side,
		price,
		quantity,
		tif,
		None,
		None,
		SelfTradePrevention::CancelMaker,
		u32::MAX
	));
	id
}

/// `replace_order` by `who`, its new order allowed every fill.
pub fn replace(
	who: AccountId,
	id: OrderId,
	price: Price,
	quantity: Quantity,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	Orderbook::replace_order(RuntimeOrigin::signed(who), id, price, quantity, u32::MAX)
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
