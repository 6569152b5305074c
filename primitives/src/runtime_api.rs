//! Runtime APIs the node calls: order book, perps, checkpoints.
use crate::checkpoint::{CheckpointNumber, CheckpointRecord, ValidatorSet};
use crate::orderbook::{AccountBalance, AssetKind, Depth, MarketId, Order, OrderId};
use alloc::vec::Vec;
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Read access to the spot/perp order book. Version 2: orders carry `post_only`, and
	/// `order_fills`. Version 3: the trading ledger (`trading_balances`, `fee_balances`) and
	/// `markets`. Version 4: fill histories left chain state (`recent_fills`, `order_fills`
	/// removed: the node's fill index serves `orderbook_recentFills` / `orderbook_orderFills`).
	/// Version 5: `order_of` (an order by owner and id, one read).
	#[api_version(5)]
	pub trait OrderbookApi<AccountId: Codec> {
		/// Aggregated depth of `market`, up to `levels` per side, best first.
		fn depth(market: MarketId, levels: u32) -> Depth;
		/// Resting orders of `who` in every market.
		fn open_orders(who: AccountId) -> Vec<Order<AccountId>>;
		/// A resting order of any account. Orders are indexed by owner, so this walks the
		/// trading accounts, at most 20,000 of them (`None` past that; `order_of` finds any
		/// order in two reads): the node's RPC serves it to trusted callers only.
		fn order(id: OrderId) -> Option<Order<AccountId>>;
		/// The resting order `id` of `who` (two reads: its record, then the order).
		#[api_version(5)]
		fn order_of(who: AccountId, id: OrderId) -> Option<Order<AccountId>>;
		/// `who`'s trading ledger: per token, free and locked amounts.
		fn trading_balances(who: AccountId) -> Vec<AccountBalance>;
		/// Fees collected per token and not yet withdrawn.
		fn fee_balances() -> Vec<(AssetKind, crate::Balance)>;
		/// Every market, with its tokens' symbols and decimals.
		fn markets() -> Vec<crate::orderbook::MarketInfo>;
	}

	/// Read access to perp positions and markets.
	pub trait PerpApi<AccountId: Codec> {
		/// Positions of `who` with unrealised PnL, margin ratio and liquidation price.
		fn positions(who: AccountId) -> Vec<crate::perp::PositionInfo>;
		/// State of perp market `market`.
		fn market(market: MarketId) -> Option<crate::perp::PerpMarketInfo>;
	}

	/// What the checkpoint finality gadget needs from the chain.
	pub trait CheckpointApi {
		/// The current checkpoint validator set.
		fn validator_set() -> ValidatorSet;
		/// Blocks between checkpoints.
		fn interval() -> u32;
		/// The on-chain record of checkpoint `number`, while retained.
		fn record(number: CheckpointNumber) -> Option<CheckpointRecord>;
		/// The most recent checkpoint record (at a checkpoint block: the one it made).
		fn latest() -> Option<CheckpointRecord>;
	}
}
