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
pub struct PositionInfo {
	/// Market.
	pub market: crate::orderbook::MarketId,
	/// Signed size (long > 0).
	pub size: PositionSize,
	/// Average entry price.
	pub entry_price: crate::orderbook::Price,
	/// Mark price now.
	pub mark_price: crate::orderbook::Price,
	/// Unrealised PnL at mark.
	pub unrealized_pnl: i128,
	/// Funding accrued and not yet settled (negative: owed).
	pub accrued_funding: i128,
	/// Realised PnL.
	pub realized_pnl: i128,
	/// Account equity / maintenance requirement in parts per million (u64::MAX: none).
	pub margin_ratio_ppm: u64,
	/// Mark price at which the account would fall below maintenance, other prices unchanged.
	pub liquidation_price: Option<crate::orderbook::Price>,
}

/// A perp market as the runtime API reports it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, Serialize, Deserialize)]
pub struct PerpMarketInfo {
	/// Oracle index price.
	pub index_price: crate::orderbook::Price,
	/// Mark price (median of index, best bid, best ask).
	pub mark_price: crate::orderbook::Price,
	/// Sum of long sizes.
	pub open_interest: u128,
	/// Last funding rate, parts per million per interval.
	pub funding_rate_ppm: i64,
	/// Cumulative funding index.
	pub cumulative_funding: i128,
	/// Collateral of the insurance fund.
	pub insurance_fund: i128,
}
