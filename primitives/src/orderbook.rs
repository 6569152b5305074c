//! Order-book types: identifiers, sides, time in force, orders and fills.
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// Identifies a market (spot or perp) on the book.
pub type MarketId = u32;
/// Identifies an order; assigned from a global counter, so it also orders orders by arrival.
pub type OrderId = u64;
/// A price in quote units per one unit of base (integer; the market's tick size divides it).
pub type Price = u128;
/// A quantity of base units (the market's lot size divides it).
pub type Quantity = u128;

/// Which side of the book an order is on.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub enum Side {
	/// Buys base, pays quote. Rests on the bid side.
	Buy,
	/// Sells base, receives quote. Rests on the ask side.
	Sell,
}

impl Side {
	/// The side a matching order rests on.
	pub fn opposite(self) -> Side {
		match self {
			Side::Buy => Side::Sell,
			Side::Sell => Side::Buy,
		}
	}
}

/// How long an order may live and whether it may rest.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub enum TimeInForce {
	/// Matches what it can; the remainder rests until cancelled (or its expiry block).
	GoodTilCancelled,
	/// Matches what it can; the remainder is cancelled at once.
	ImmediateOrCancel,
	/// Fills completely at once or does nothing.
	FillOrKill,
	/// Rests only; refused if it would match on arrival.
	PostOnly,
}

/// What happens when an order would match another order of the same account.
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
pub enum SelfTradePrevention {
	/// Cancel the resting (maker) order and keep matching.
	#[default]
	CancelMaker,
	/// Cancel the incoming (taker) order's remainder.
	CancelTaker,
	/// Cancel both.
	CancelBoth,
}

/// Trading status of a market.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub enum MarketStatus {
	/// Orders are accepted and matched.
	Active,
	/// Only cancels are accepted.
	Paused,
	/// No new orders; resting orders may still be cancelled.
	Closed,
}

/// One aggregated price level of a depth snapshot.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DepthLevel {
	/// Level price.
	#[serde(with = "crate::trading_state::amount")]
	pub price: Price,
	/// Sum of remaining quantities resting at this price.
	#[serde(with = "crate::trading_state::amount")]
	pub quantity: Quantity,
	/// Number of orders at this price.
	pub orders: u32,
}

/// Aggregated view of both sides of a market.
#[derive(
	Clone, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo, Serialize, Deserialize,
)]
pub struct Depth {
	/// Bids, best (highest) first.
	pub bids: alloc::vec::Vec<DepthLevel>,
	/// Asks, best (lowest) first.
	pub asks: alloc::vec::Vec<DepthLevel>,
}

/// A resting order as stored on chain.
///
/// The order book keeps it under a key that orders the book (market, side, price, id), so
/// time priority within a price level is storage order and no order links to another.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct Order<AccountId> {
	/// Order id (also the arrival sequence).
	pub id: OrderId,
	/// Market the order rests on.
	pub market: MarketId,
	/// The trader.
	pub owner: AccountId,
	/// Bid or ask.
	pub side: Side,
	/// Limit price.
	#[serde(with = "crate::trading_state::amount")]
	pub price: Price,
	/// Quantity when placed (after any amendment).
	#[serde(with = "crate::trading_state::amount")]
	pub quantity: Quantity,
	/// Quantity filled so far; `quantity - filled` rests.
	#[serde(with = "crate::trading_state::amount")]
	pub filled: Quantity,
	/// Block in which it was placed.
	pub placed_at: u32,
	/// Last block in which it may trade (good-til-block), if any.
	pub expires_at: Option<u32>,
	/// The trader's own reference.
	pub client_id: Option<u64>,
	/// Self-trade prevention mode when it is the taker (kept for amendments).
	pub self_trade: SelfTradePrevention,
	/// Placed as post-only: a replace keeps it post-only (storage version 2 of the order book).
	pub post_only: bool,
}

impl<AccountId> Order<AccountId> {
	/// Quantity still resting.
	pub fn remaining(&self) -> Quantity {
		self.quantity.saturating_sub(self.filled)
	}
}

/// One trade between a resting (maker) and an incoming (taker) order.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct Fill<AccountId> {
	/// Market traded.
	pub market: MarketId,
	/// The resting order.
	pub maker_order: OrderId,
	/// Owner of the resting order.
	pub maker: AccountId,
	/// The incoming order (market orders get an id too, though they never rest).
	pub taker_order: OrderId,
	/// Owner of the incoming order.
	pub taker: AccountId,
	/// Side of the taker.
	pub taker_side: Side,
	/// Trade price (the maker's price).
	#[serde(with = "crate::trading_state::amount")]
	pub price: Price,
	/// Base quantity traded.
	#[serde(with = "crate::trading_state::amount")]
	pub quantity: Quantity,
	/// Quote amount traded (`price * quantity / PRICE_SCALE`).
	#[serde(with = "crate::trading_state::amount")]
	pub quote: u128,
	/// Fee the maker paid (in the asset it received).
	#[serde(with = "crate::trading_state::amount")]
	pub maker_fee: u128,
	/// Fee the taker paid (in the asset it received).
	#[serde(with = "crate::trading_state::amount")]
	pub taker_fee: u128,
	/// Block of the trade.
	pub block: u32,
}

/// Prices are quote units per `PRICE_SCALE` base units, so cheap tokens still have integer
/// prices. Markets require `tick_size * lot_size` to be a multiple of it, which makes every
/// trade's quote amount exact.
pub const PRICE_SCALE: u128 = 1_000_000;

/// Quote amount of `quantity` base units at `price`, if it is exact and does not overflow.
pub fn quote_amount(price: Price, quantity: Quantity) -> Option<u128> {
	let product = price.checked_mul(quantity)?;
	(product % PRICE_SCALE == 0).then_some(product / PRICE_SCALE)
}

/// Fee of `ppm` parts per million on `amount`, rounded down.
pub fn fee(amount: u128, ppm: u32) -> u128 {
	// amount * ppm fits in u128 for every amount below 2^108; beyond, compute in two parts.
	(amount / 1_000_000) * ppm as u128 + (amount % 1_000_000) * ppm as u128 / 1_000_000
}

/// A token traded on Bourse: the native token or a pallet-assets token.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub enum AssetKind {
	/// The chain's native token (pallet-balances).
	Native,
	/// A pallet-assets token.
	Asset(u32),
}

/// What a market's fills settle as.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub enum MarketKind {
	/// Token for token: base and quote move between maker and taker.
	Spot,
	/// Perpetual future: fills change positions (pallet-perp), margined in the quote asset.
	Perp,
}

/// A market's parameters and state.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub struct Market {
	/// Traded token (for perps: the index the contract tracks; no token moves).
	pub base: AssetKind,
	/// Pricing token (for perps: the collateral token).
	pub quote: AssetKind,
	/// Prices are multiples of it.
	pub tick_size: Price,
	/// Quantities are multiples of it.
	pub lot_size: Quantity,
	/// Smallest order quantity.
	pub min_size: Quantity,
	/// Maker fee in parts per million of what the maker receives.
	pub maker_fee_ppm: u32,
	/// Taker fee in parts per million of what the taker receives.
	pub taker_fee_ppm: u32,
	/// Trading status.
	pub status: MarketStatus,
	/// Spot or perp.
	pub kind: MarketKind,
}

/// One account's entry in the trading ledger for one token: what it deposited with the order
/// book and has not withdrawn, split into what it may use (`free`) and what its resting orders
/// have locked (`locked`).
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
pub struct TradingBalance {
	/// Usable by new orders and withdrawable.
	pub free: u128,
	/// Locked by resting orders (a sell's base, a buy's quote at its limit).
	pub locked: u128,
}

impl TradingBalance {
	/// Free and locked together.
	pub fn total(&self) -> Option<u128> {
		self.free.checked_add(self.locked)
	}

	/// Whether nothing is left (the entry can be removed).
	pub fn is_empty(&self) -> bool {
		self.free == 0 && self.locked == 0
	}
}

/// One token of an account's trading ledger, as the runtime API and RPC report it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountBalance {
	/// The token.
	pub asset: AssetKind,
	/// Usable by new orders and withdrawable.
	#[serde(with = "crate::trading_state::amount")]
	pub free: u128,
	/// Locked by resting orders.
	#[serde(with = "crate::trading_state::amount")]
	pub locked: u128,
}

/// A token as clients need it to convert amounts: its id, symbol and decimals.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenInfo {
	/// The token.
	pub asset: AssetKind,
	/// Its symbol (pallet-assets metadata; `BRS` for the native token).
	pub symbol: alloc::string::String,
	/// Decimals of one whole token.
	pub decimals: u8,
}

/// A market described for clients (`orderbook_markets`): everything needed to turn a human
/// price and size into the chain's integers. A price is quote units per `PRICE_SCALE` (10^6)
/// base units.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketInfo {
	/// Market id.
	pub id: MarketId,
	/// Spot or perp.
	pub kind: MarketKind,
	/// Trading status.
	pub status: MarketStatus,
	/// Traded token (perps: the underlying; no token moves).
	pub base: TokenInfo,
	/// Pricing token (perps: the collateral).
	pub quote: TokenInfo,
	/// Prices are multiples of it.
	#[serde(with = "crate::trading_state::amount")]
	pub tick_size: Price,
	/// Quantities (base units) are multiples of it.
	#[serde(with = "crate::trading_state::amount")]
	pub lot_size: Quantity,
	/// Smallest order quantity.
	#[serde(with = "crate::trading_state::amount")]
	pub min_size: Quantity,
	/// Maker fee, parts per million.
	pub maker_fee_ppm: u32,
	/// Taker fee, parts per million.
	pub taker_fee_ppm: u32,
	/// Quote units per this many base units make a price (10^6).
	#[serde(with = "crate::trading_state::amount")]
	pub price_scale: u128,
}
