//! JSON-RPC over the trading runtime APIs: `orderbook_depth`, `orderbook_openOrders`,
//! `orderbook_orderOf`, `orderbook_order` (unsafe), `orderbook_markets`,
//! `orderbook_tradingBalances`, `perp_positions`, `perp_market`. Each reads the best block
//! unless `at` is given.
use std::sync::Arc;

use bourse_primitives::{
	orderbook::{AccountBalance, Depth, MarketId, MarketInfo, Order, OrderId},
	perp::{PerpMarketInfo, PositionInfo},
	runtime_api::{OrderbookApi, PerpApi},
};
use bourse_runtime::{opaque::Block, AccountId};
use jsonrpsee::{core::RpcResult, proc_macros::rpc, types::ErrorObjectOwned, Extensions};
use sc_rpc::DenyUnsafe;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::H256;

/// Order-book queries.
#[rpc(server)]
pub trait OrderbookRpcApi {
	/// Aggregated depth of `market`, `levels` per side, best first.
	#[method(name = "orderbook_depth")]
	fn depth(&self, market: MarketId, levels: u32, at: Option<H256>) -> RpcResult<Depth>;

	/// Resting orders of `account`.
	#[method(name = "orderbook_openOrders")]
	fn open_orders(&self, account: AccountId, at: Option<H256>)
		-> RpcResult<Vec<Order<AccountId>>>;

	/// A resting order by id, of any account. Orders are indexed by owner, so this walks every
	/// trading account on chain: an unsafe method (refused on a node's public interface unless
	/// it runs with `--rpc-methods unsafe`). Callers that know the owner use
	/// `orderbook_orderOf`.
	#[method(name = "orderbook_order", with_extensions)]
	fn order(&self, id: OrderId, at: Option<H256>) -> RpcResult<Option<Order<AccountId>>>;

	/// The resting order `id` of `account` (safe: two storage reads).
	#[method(name = "orderbook_orderOf")]
	fn order_of(
		&self,
		account: AccountId,
		id: OrderId,
		at: Option<H256>,
	) -> RpcResult<Option<Order<AccountId>>>;

	/// Every market with its tokens' ids, symbols and decimals, tick, lot, minimum size, fees,
	/// kind and status.
	#[method(name = "orderbook_markets")]
	fn markets(&self, at: Option<H256>) -> RpcResult<Vec<MarketInfo>>;

	/// `account`'s trading ledger: per token, free and locked amounts.
	#[method(name = "orderbook_tradingBalances")]
	fn trading_balances(
		&self,
		account: AccountId,
		at: Option<H256>,
	) -> RpcResult<Vec<AccountBalance>>;
}

/// Serves the order-book and perp RPC from the client.
pub struct OrderbookRpc<C> {
	client: Arc<C>,
}

impl<C> OrderbookRpc<C> {
	/// The handler.
	pub fn new(client: Arc<C>) -> Self {
		Self { client }
	}
}

fn api_error(e: impl std::fmt::Display) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(9100, format!("runtime API call failed: {e}"), None::<()>)
}

impl<C> OrderbookRpcApiServer for OrderbookRpc<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: OrderbookApi<Block, AccountId>,
{
	fn depth(&self, market: MarketId, levels: u32, at: Option<H256>) -> RpcResult<Depth> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		self.client.runtime_api().depth(at, market, levels.min(1_000)).map_err(api_error)
	}

	fn open_orders(
		&self,
		account: AccountId,
		at: Option<H256>,
	) -> RpcResult<Vec<Order<AccountId>>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		self.client.runtime_api().open_orders(at, account).map_err(api_error)
	}

	fn order(
		&self,
		ext: &Extensions,
		id: OrderId,
		at: Option<H256>,
	) -> RpcResult<Option<Order<AccountId>>> {
		// Without the server's policy (not reached: the node's RPC server always sets it),
		// refuse: the walk is the costly part.
		ext.get::<DenyUnsafe>().copied().unwrap_or(DenyUnsafe::Yes).check_if_safe()?;
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		self.client.runtime_api().order(at, id).map_err(api_error)
	}

	fn order_of(
		&self,
		account: AccountId,
		id: OrderId,
		at: Option<H256>,
	) -> RpcResult<Option<Order<AccountId>>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		self.client.runtime_api().order_of(at, account, id).map_err(api_error)
	}

	fn markets(&self, at: Option<H256>) -> RpcResult<Vec<MarketInfo>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		self.client.runtime_api().markets(at).map_err(api_error)
	}

	fn trading_balances(
		&self,
		account: AccountId,
		at: Option<H256>,
	) -> RpcResult<Vec<AccountBalance>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		self.client.runtime_api().trading_balances(at, account).map_err(api_error)
	}
}

/// Perp queries.
#[rpc(server)]
pub trait PerpRpcApi {
	/// Positions of `account` with unrealised PnL, margin ratio and liquidation price.
	#[method(name = "perp_positions")]
	fn positions(&self, account: AccountId, at: Option<H256>) -> RpcResult<Vec<PositionInfo>>;

	/// State of a perp market: index and mark price, open interest, funding, insurance fund.
	#[method(name = "perp_market")]
	fn market(&self, market: MarketId, at: Option<H256>) -> RpcResult<Option<PerpMarketInfo>>;
}

impl<C> PerpRpcApiServer for OrderbookRpc<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: PerpApi<Block, AccountId>,
{
	fn positions(&self, account: AccountId, at: Option<H256>) -> RpcResult<Vec<PositionInfo>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		self.client.runtime_api().positions(at, account).map_err(api_error)
	}

	fn market(&self, market: MarketId, at: Option<H256>) -> RpcResult<Option<PerpMarketInfo>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		self.client.runtime_api().market(at, market).map_err(api_error)
	}
}
