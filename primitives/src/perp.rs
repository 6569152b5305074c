//! Perpetual-futures types shared by pallet-perp and the node.
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// A signed position size in base units: positive is long, negative is short.
pub type PositionSize = i128;

/// How an account's collateral backs its positions.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub enum MarginMode {
	/// Each position has its own margin; a loss cannot spread to other positions.
	#[default]
	Isolated,
	/// All positions share the account's collateral.
	Cross,
}

/// A position as the runtime API reports it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PositionInfo {
	/// Market.
	pub market: crate::orderbook::MarketId,
	/// Signed size (long > 0). Not `size`: @polkadot/api's `Struct` has a `size` of its own,
	/// so a field of that name read as `size_`.
	#[serde(with = "crate::trading_state::amount")]
	pub position_size: PositionSize,
	/// Average entry price.
	#[serde(with = "crate::trading_state::amount")]
	pub entry_price: crate::orderbook::Price,
	/// Mark price now.
	#[serde(with = "crate::trading_state::amount")]
	pub mark_price: crate::orderbook::Price,
	/// Unrealised PnL at mark.
	#[serde(with = "crate::trading_state::amount")]
	pub unrealized_pnl: i128,
	/// Funding accrued and not yet settled (negative: owed).
	#[serde(with = "crate::trading_state::amount")]
	pub accrued_funding: i128,
	/// Realised PnL.
	#[serde(with = "crate::trading_state::amount")]
	pub realized_pnl: i128,
	/// Equity / maintenance requirement of the backing margin (the account's when cross, the
	/// position's when isolated), in parts per million (u64::MAX: none).
	pub margin_ratio_ppm: u64,
	/// Mark price at which the backing margin would fall below maintenance, other prices
	/// unchanged.
	#[serde(with = "crate::trading_state::option_amount")]
	pub liquidation_price: Option<crate::orderbook::Price>,
	/// The position's own margin when the account uses isolated margin.
	#[serde(with = "crate::trading_state::option_amount")]
	pub isolated_margin: Option<i128>,
}

/// A perp market as the runtime API reports it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PerpMarketInfo {
	/// Oracle index price.
	#[serde(with = "crate::trading_state::amount")]
	pub index_price: crate::orderbook::Price,
	/// Mark price (median of index, best bid, best ask).
	#[serde(with = "crate::trading_state::amount")]
	pub mark_price: crate::orderbook::Price,
	/// Sum of long sizes.
	#[serde(with = "crate::trading_state::amount")]
	pub open_interest: u128,
	/// Last funding rate, parts per million per interval.
	pub funding_rate_ppm: i64,
	/// Cumulative funding index.
	#[serde(with = "crate::trading_state::amount")]
	pub cumulative_funding: i128,
	/// Collateral of the insurance fund.
	#[serde(with = "crate::trading_state::amount")]
	pub insurance_fund: i128,
}

/// Parameters of a perp market: the `create_perp_market` arguments, and a genesis entry.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PerpMarketParams {
	/// What the contract tracks (no token of it moves).
	pub underlying: crate::orderbook::AssetKind,
	/// Price grid.
	pub tick_size: crate::orderbook::Price,
	/// Quantity grid.
	pub lot_size: crate::orderbook::Quantity,
	/// Smallest order.
	pub min_size: crate::orderbook::Quantity,
	/// Maker fee, ppm.
	pub maker_fee_ppm: u32,
	/// Taker fee, ppm.
	pub taker_fee_ppm: u32,
	/// Initial margin, ppm of notional.
	pub initial_margin_ppm: u32,
	/// Maintenance margin, ppm of notional.
	pub maintenance_margin_ppm: u32,
	/// Largest leverage.
	pub max_leverage: u32,
	/// Liquidation penalty, ppm of closed notional.
	pub liquidation_fee_ppm: u32,
	/// Blocks between funding payments.
	pub funding_interval: u32,
	/// Largest funding rate per interval, ppm.
	pub max_funding_rate_ppm: u32,
	/// Starting index price (0: none until the oracle sets one).
	pub index_price: crate::orderbook::Price,
}
