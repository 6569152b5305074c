//! The trading state as a readable document: what `bourse-node export-trading-state` writes
//! and what the pallets' genesis configs accept to start a chain from it.
//!
//! Field names are camelCase and stable; every amount (u128/i128) is a decimal string so no
//! reader loses precision (JSON numbers are doubles in most languages).
use crate::{
	orderbook::{
		AssetKind, MarketId, MarketKind, MarketStatus, OrderId, SelfTradePrevention, Side,
	},
	perp::MarginMode,
	Balance,
};
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};
#[cfg(feature = "std")]
use sp_core::H256;

/// Serde for optional integers as decimal strings or `null`.
pub mod option_amount {
	use alloc::string::ToString;
	use core::{fmt::Display, str::FromStr};
	use serde::{Deserialize, Deserializer, Serializer};

	/// Writes `Some(value)` as a decimal string, `None` as `null`.
	pub fn serialize<S: Serializer, T: Display>(
		value: &Option<T>,
		s: S,
	) -> Result<S::Ok, S::Error> {
		match value {
			Some(v) => s.serialize_str(&v.to_string()),
			None => s.serialize_none(),
		}
	}

	#[derive(Deserialize)]
	struct Wrapped(#[serde(deserialize_with = "super::amount::deserialize")] alloc::string::String);

	/// Reads a decimal string (or an exact JSON integer), or `null`.
	pub fn deserialize<'de, D: Deserializer<'de>, T: FromStr>(d: D) -> Result<Option<T>, D::Error>
	where
		T::Err: Display,
	{
		use serde::de::Error;
		match Option::<Wrapped>::deserialize(d)? {
			None => Ok(None),
			Some(Wrapped(text)) => text
				.parse::<T>()
				.map(Some)
				.map_err(|e| D::Error::custom(alloc::format!("amount {text:?}: {e}"))),
		}
	}
}

/// Serde for integers as decimal strings (numbers are accepted on input too).
pub mod amount {
	use alloc::string::{String, ToString};
	use core::{fmt::Display, str::FromStr};
	use serde::{de::Error, Deserialize, Deserializer, Serializer};

	/// Writes `value` as a decimal string.
	pub fn serialize<S: Serializer, T: Display>(value: &T, s: S) -> Result<S::Ok, S::Error> {
		s.serialize_str(&value.to_string())
	}

	#[derive(Deserialize)]
	#[serde(untagged)]
	enum Text {
		String(String),
		Unsigned(u64),
		Signed(i64),
	}

	/// Reads a decimal string (or a JSON integer small enough to be exact).
	pub fn deserialize<'de, D: Deserializer<'de>, T: FromStr>(d: D) -> Result<T, D::Error>
	where
		T::Err: Display,
	{
		let text = match Text::deserialize(d)? {
			Text::String(s) => s,
			Text::Unsigned(n) => n.to_string(),
			Text::Signed(n) => n.to_string(),
		};
		text.parse::<T>().map_err(|e| D::Error::custom(alloc::format!("amount {text:?}: {e}")))
	}
}

/// An account's amount of one token.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountAmount<AccountId> {
	pub account: AccountId,
	#[serde(with = "amount")]
	pub amount: Balance,
}

/// A pallet-assets token with every holder's total (free + held) balance.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssetState<AccountId> {
	pub id: u32,
	pub owner: AccountId,
	pub is_sufficient: bool,
	#[serde(with = "amount")]
	pub min_balance: Balance,
	pub name: alloc::string::String,
	pub symbol: alloc::string::String,
	pub decimals: u8,
	pub accounts: Vec<AccountAmount<AccountId>>,
}

/// Token balances of wallets. What traders deposited with the order book is the vault's
/// balance here, and each trader's share of it is in [`OrderbookState::ledger`].
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BalancesState<AccountId> {
	pub native: Vec<AccountAmount<AccountId>>,
	pub assets: Vec<AssetState<AccountId>>,
}

/// A market of the order book (spot or perp).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MarketState {
	pub id: MarketId,
	pub kind: MarketKind,
	pub base: AssetKind,
	pub quote: AssetKind,
	#[serde(with = "amount")]
	pub tick_size: u128,
	#[serde(with = "amount")]
	pub lot_size: u128,
	#[serde(with = "amount")]
	pub min_size: u128,
	pub maker_fee_ppm: u32,
	pub taker_fee_ppm: u32,
	pub status: MarketStatus,
}

/// A resting order. Orders are listed in book order (market, side, best price first, then
/// time priority), which is the order they are re-queued in on import.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderState<AccountId> {
	pub id: OrderId,
	pub market: MarketId,
	pub owner: AccountId,
	pub side: Side,
	#[serde(with = "amount")]
	pub price: u128,
	#[serde(with = "amount")]
	pub quantity: u128,
	#[serde(with = "amount")]
	pub filled: u128,
	pub placed_at: u32,
	pub expires_at: Option<u32>,
	pub client_id: Option<u64>,
	pub self_trade: SelfTradePrevention,
	pub post_only: bool,
}

/// pallet-orderbook's part of the trading state.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderbookState<AccountId> {
	pub next_market_id: MarketId,
	pub next_order_id: OrderId,
	pub markets: Vec<MarketState>,
	pub orders: Vec<OrderState<AccountId>>,
	/// The trading ledger: every account's deposited tokens, free and locked by its orders.
	#[serde(default = "Vec::new")]
	pub ledger: Vec<LedgerEntryState<AccountId>>,
	/// Fees collected per token, not yet withdrawn.
	#[serde(default = "Vec::new")]
	pub fees: Vec<FeeState>,
}

/// One account's ledger entry of one token.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LedgerEntryState<AccountId> {
	pub account: AccountId,
	pub asset: AssetKind,
	#[serde(with = "amount")]
	pub free: Balance,
	#[serde(with = "amount")]
	pub locked: Balance,
}

/// Fees collected in one token.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FeeState {
	pub asset: AssetKind,
	#[serde(with = "amount")]
	pub amount: Balance,
}

/// Perp parameters and running funding of a market (its order-book market has the same id).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PerpMarketState {
	pub id: MarketId,
	pub initial_margin_ppm: u32,
	pub maintenance_margin_ppm: u32,
	pub liquidation_fee_ppm: u32,
	pub funding_interval: u32,
	pub max_funding_rate_ppm: u32,
	#[serde(with = "amount")]
	pub index_price: u128,
	#[serde(with = "amount")]
	pub cumulative_funding: i128,
	pub last_funding_rate_ppm: i64,
	pub last_funding_block: u32,
	#[serde(with = "amount")]
	pub open_interest: u128,
}

/// An open perp position.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PositionState {
	pub market: MarketId,
	#[serde(with = "amount")]
	pub size: i128,
	#[serde(with = "amount")]
	pub quote_balance: i128,
	#[serde(with = "amount")]
	pub realized_pnl: i128,
	#[serde(with = "amount")]
	pub funding_snapshot: i128,
	/// Margin of the position when the account is isolated.
	#[serde(with = "amount")]
	pub isolated_margin: i128,
}

/// A perp trader (or the insurance fund): collateral, margin mode and positions.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PerpAccountState<AccountId> {
	pub account: AccountId,
	#[serde(with = "amount")]
	pub collateral: i128,
	pub margin_mode: MarginMode,
	pub positions: Vec<PositionState>,
}

/// pallet-perp's part of the trading state.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PerpState<AccountId> {
	pub markets: Vec<PerpMarketState>,
	pub accounts: Vec<PerpAccountState<AccountId>>,
}

// The file `bourse-node export-trading-state` writes (node and tests only).

#[cfg(feature = "std")]
/// Version of the file format; bumped on incompatible changes.
pub const FORMAT_VERSION: u32 = 1;

#[cfg(feature = "std")]
/// The exported file.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TradingStateFile<AccountId> {
	/// [`FORMAT_VERSION`].
	pub version: u32,
	/// Where the state comes from (differs between a chain and one started from its export).
	pub source: Source,
	/// blake2-256 of the JSON of `balances`, `orderbook` and `perp`, in that order.
	pub digest: H256,
	/// Token balances (totals: escrow is held again on import).
	pub balances: BalancesState<AccountId>,
	/// Markets and resting orders.
	pub orderbook: OrderbookState<AccountId>,
	/// Perp markets, collateral and positions.
	pub perp: PerpState<AccountId>,
}

#[cfg(feature = "std")]
/// The block the state was read at, and the chain's checkpoint history up to it.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Source {
	/// Chain name from the chain spec.
	pub chain: alloc::string::String,
	/// Block number.
	pub block_number: u32,
	/// Block hash.
	pub block_hash: H256,
	/// Runtime spec version at that block.
	pub spec_version: u32,
	/// Checkpoint running digest of trading-state changes at that block.
	pub state_digest: H256,
	/// Checkpoints recorded on chain (retained ones).
	pub checkpoints: Vec<CheckpointState>,
}

#[cfg(feature = "std")]
/// One on-chain checkpoint record.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckpointState {
	/// Sequence number.
	pub number: u64,
	/// Block it was taken at.
	pub block_number: u32,
	/// Running digest of trading-state changes.
	pub state_digest: H256,
	/// Resting orders then.
	pub open_orders: u64,
	/// Open positions then.
	pub open_positions: u64,
	/// Validator set that signs it.
	pub set_id: u64,
}

#[cfg(feature = "std")]
/// The digest of the three state sections.
pub fn digest<AccountId: Serialize>(
	balances: &BalancesState<AccountId>,
	orderbook: &OrderbookState<AccountId>,
	perp: &PerpState<AccountId>,
) -> H256 {
	let json = serde_json::to_vec(&(balances, orderbook, perp)).unwrap_or_default();
	<sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(&json)
}
