//! Proxy types: what a key acting for an account may do (pallet-proxy).
//!
//! Market makers run bots with hot keys that must not be able to take funds away (as
//! Hyperliquid's API wallets and dYdX's permissioned keys): a `Trading` proxy places, cancels
//! and replaces orders, deposits into the trading ledger and manages perp margin, and nothing
//! that moves funds out of the account. Calls reached through `utility.batch*` are filtered one
//! by one (pallet-proxy dispatches with the filter in the origin), so a batch cannot smuggle a
//! withdrawal past it.
use crate::RuntimeCall;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::traits::InstanceFilter;
use scale_info::TypeInfo;

/// What a proxy may do for the account that added it.
#[derive(
	Copy,
	Clone,
	Eq,
	PartialEq,
	Ord,
	PartialOrd,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	Debug,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum ProxyType {
	/// Everything.
	#[default]
	Any,
	/// Everything but moving tokens out of the account: no transfers (native or assets), no
	/// withdrawals from the trading ledger or perp collateral.
	NonTransfer,
	/// Trading only: order-book orders (place, cancel, replace, batches), deposits into the
	/// trading ledger and perp collateral, perp margin mode and isolated margin, liquidations.
	Trading,
}

/// Calls that move tokens out of the account (or could).
fn moves_funds_out(call: &RuntimeCall) -> bool {
	matches!(
		call,
		RuntimeCall::Balances(..)
			| RuntimeCall::Assets(..)
			| RuntimeCall::Orderbook(
				pallet_orderbook::Call::withdraw { .. }
					| pallet_orderbook::Call::withdraw_fees { .. }
			) | RuntimeCall::Perp(pallet_perp::Call::withdraw_collateral { .. })
			| RuntimeCall::Sudo(..)
	)
}

/// Calls a trading bot needs.
fn is_trading(call: &RuntimeCall) -> bool {
	use pallet_orderbook::Call as Book;
	use pallet_perp::Call as Perp;
	matches!(
		call,
		RuntimeCall::Orderbook(
			Book::place_order { .. }
				| Book::place_market_order { .. }
				| Book::cancel_order { .. }
				| Book::cancel_all { .. }
				| Book::replace_order { .. }
				| Book::place_orders { .. }
				| Book::batch { .. }
				| Book::deposit { .. }
		) | RuntimeCall::Perp(
			Perp::deposit_collateral { .. }
				| Perp::set_margin_mode { .. }
				| Perp::add_isolated_margin { .. }
				| Perp::remove_isolated_margin { .. }
				| Perp::liquidate { .. }
		) | RuntimeCall::Utility(..)
	)
}

impl InstanceFilter<RuntimeCall> for ProxyType {
	fn filter(&self, call: &RuntimeCall) -> bool {
		match self {
			ProxyType::Any => true,
			ProxyType::NonTransfer => !moves_funds_out(call),
			ProxyType::Trading => is_trading(call),
		}
	}

	fn is_superset(&self, other: &Self) -> bool {
		match (self, other) {
			(x, y) if x == y => true,
			(ProxyType::Any, _) => true,
			(_, ProxyType::Any) => false,
			// Every trading call leaves the funds in the account.
			(ProxyType::NonTransfer, ProxyType::Trading) => true,
			_ => false,
		}
	}
}
