//! Streaming trading data over JSON-RPC subscriptions (WebSocket), so a bot follows the book
//! instead of polling every block:
//!
//! - `orderbook_subscribeDepth(market, levels)`: the market's depth;
//! - `orderbook_subscribeOrders(account)`: the account's resting orders;
//! - `orderbook_subscribeFills(account | null)`: the block's fills (of the account, or all);
//! - `perp_subscribePositions(account)`: the account's perp positions.
//!
//! Each sends an update at subscription time (the best block), on every new best block, and
//! again when a block is finalized (`finalized: true`), so a client acts on best and settles on
//! final. Every update names its block (hash, number). A consumer that falls behind by more
//! than [`BUFFER`] updates is dropped (the subscription ends) instead of buffering without
//! limit; a connection holds at most [`MAX_PER_CONNECTION`] trading subscriptions (more are
//! refused with an error), depth levels are capped by [`MAX_LEVELS`].
use std::{collections::HashMap, sync::Arc};

use bourse_primitives::{
	orderbook::MarketId,
	runtime_api::{OrderbookApi, PerpApi},
};
use bourse_runtime::{opaque::Block, AccountId};

use futures::{future, stream, StreamExt};
use jsonrpsee::{proc_macros::rpc, PendingSubscriptionSink};
use parking_lot::Mutex;
use sc_client_api::{BlockchainEvents, StorageProvider};
use sc_rpc::{
	utils::{spawn_subscription_task, BoundedVecDeque, PendingSubscription},
	SubscriptionTaskExecutor,
};
use serde::Serialize;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::H256;
use sp_runtime::traits::Header as _;

use crate::fills::block_fills;

/// Most depth levels per side a subscription may ask for.
pub const MAX_LEVELS: u32 = 100;
/// Trading subscriptions one connection may hold at once: each reads the chain at every block,
/// so a connection cannot make the node do unbounded work per block (the server's own
/// `--rpc-max-subscriptions-per-connection` allows 1,024 of every kind).
pub const MAX_PER_CONNECTION: usize = 16;
/// Updates kept for a slow consumer before its subscription is dropped.
pub const BUFFER: usize = 64;

/// One update of a subscription: its data at a block.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockUpdate<T> {
	/// The block the data is read at.
	pub block_hash: H256,
	/// Its number.
	pub block_number: u32,
	/// Whether the block is finalized (a best-block update is sent first, then this one).
	pub finalized: bool,
	/// The data.
	pub data: T,
}

/// Trading subscriptions.
#[rpc(server)]
pub trait TradingFeedApi {
	/// Depth of `market`, `levels` per side (at most 100), at every best and finalized block.
	#[subscription(
		name = "orderbook_subscribeDepth" => "orderbook_depthUpdate",
		unsubscribe = "orderbook_unsubscribeDepth",
		item = BlockUpdate<bourse_primitives::orderbook::Depth>
	)]
	fn subscribe_depth(&self, market: MarketId, levels: u32);

	/// Resting orders of `account`, at every best and finalized block.
	#[subscription(
		name = "orderbook_subscribeOrders" => "orderbook_ordersUpdate",
		unsubscribe = "orderbook_unsubscribeOrders",
		item = BlockUpdate<Vec<bourse_primitives::orderbook::Order<AccountId>>>
	)]
	fn subscribe_orders(&self, account: AccountId);

	/// The fills of each best and finalized block: of `account` as maker or taker, or all.
	#[subscription(
		name = "orderbook_subscribeFills" => "orderbook_fillsUpdate",
		unsubscribe = "orderbook_unsubscribeFills",
		item = BlockUpdate<Vec<crate::fills::FillUpdate>>
	)]
	fn subscribe_fills(&self, account: Option<AccountId>);

	/// Perp positions of `account`, at every best and finalized block.
	#[subscription(
		name = "perp_subscribePositions" => "perp_positionsUpdate",
		unsubscribe = "perp_unsubscribePositions",
		item = BlockUpdate<Vec<bourse_primitives::perp::PositionInfo>>
	)]
	fn subscribe_positions(&self, account: AccountId);
}

/// Trading subscriptions open per connection.
#[derive(Clone, Default)]
struct Slots(Arc<Mutex<HashMap<usize, usize>>>);

/// One open subscription of a connection; frees its slot when dropped (the task ended).
struct Slot {
	slots: Slots,
	connection: usize,
}

impl Slots {
	/// A slot for `connection`, unless it holds [`MAX_PER_CONNECTION`] already.
	fn take(&self, connection: usize) -> Option<Slot> {
		let mut open = self.0.lock();
		let count = open.entry(connection).or_default();
		if *count >= MAX_PER_CONNECTION {
			return None;
		}
		*count += 1;
		Some(Slot { slots: self.clone(), connection })
	}
}

impl Drop for Slot {
	fn drop(&mut self) {
		let mut open = self.slots.0.lock();
		if let Some(count) = open.get_mut(&self.connection) {
			*count = count.saturating_sub(1);
			if *count == 0 {
				open.remove(&self.connection);
			}
		}
	}
}

/// Serves the trading subscriptions from the client.
pub struct TradingFeed<C> {
	client: Arc<C>,
	executor: SubscriptionTaskExecutor,
	slots: Slots,
}

impl<C> TradingFeed<C> {
	/// The handler; subscription tasks run on `executor`.
	pub fn new(client: Arc<C>, executor: SubscriptionTaskExecutor) -> Self {
		Self { client, executor, slots: Slots::default() }
	}
}

/// What the feed needs from the client: block notifications, state and the trading APIs.
pub trait FeedClient:
	ProvideRuntimeApi<Block, Api: OrderbookApi<Block, AccountId> + PerpApi<Block, AccountId>>
	+ HeaderBackend<Block>
	+ BlockchainEvents<Block>
	+ StorageProvider<Block, crate::client::FullBackend>
	+ Send
	+ Sync
	+ 'static
{
}

impl<C> FeedClient for C where
	C: ProvideRuntimeApi<Block, Api: OrderbookApi<Block, AccountId> + PerpApi<Block, AccountId>>
		+ HeaderBackend<Block>
		+ BlockchainEvents<Block>
		+ StorageProvider<Block, crate::client::FullBackend>
		+ Send
		+ Sync
		+ 'static
{
}

/// A block to read at, and whether it is finalized.
type At = (H256, u32, bool);

impl<C: FeedClient> TradingFeed<C> {
	/// The current best block, then every new best block and every finalized block.
	fn blocks(&self) -> impl futures::Stream<Item = At> + Send + Unpin + 'static {
		let info = self.client.info();
		let start = stream::iter([(info.best_hash, info.best_number, false)]);
		let best = self
			.client
			.import_notification_stream()
			.filter(|n| future::ready(n.is_new_best))
			.map(|n| (n.hash, *n.header.number(), false));
		let finalized =
			self.client.finality_notification_stream().map(|n| (n.hash, *n.header.number(), true));
		start.chain(stream::select(best, finalized)).boxed()
	}

	/// Feeds `pending` with `read` at every block of [`Self::blocks`]; a block whose data
	/// cannot be read (pruned state, say) is skipped.
	fn feed<T, F>(&self, pending: PendingSubscriptionSink, read: F)
	where
		T: Serialize + Send + Sync + 'static,
		F: Fn(&C, H256) -> Option<T> + Send + Sync + 'static,
	{
		let Some(slot) = self.slots.take(pending.connection_id().0) else {
			let error = jsonrpsee::types::ErrorObject::owned(
				9110,
				format!("at most {MAX_PER_CONNECTION} trading subscriptions per connection"),
				None::<()>,
			);
			spawn_subscription_task(&self.executor, pending.reject(error));
			return;
		};
		let client = self.client.clone();
		let updates = self.blocks().filter_map(move |(hash, number, finalized)| {
			let data = read(&client, hash);
			future::ready(data.map(|data| BlockUpdate {
				block_hash: hash,
				block_number: number,
				finalized,
				data,
			}))
		});
		spawn_subscription_task(&self.executor, async move {
			let _slot = slot;
			PendingSubscription::from(pending)
				.pipe_from_stream(updates.boxed(), BoundedVecDeque::new(BUFFER))
				.await
		});
	}
}

impl<C: FeedClient> TradingFeedApiServer for TradingFeed<C> {
	fn subscribe_depth(&self, pending: PendingSubscriptionSink, market: MarketId, levels: u32) {
		let levels = levels.min(MAX_LEVELS);
		self.feed(pending, move |client, at| client.runtime_api().depth(at, market, levels).ok());
	}

	fn subscribe_orders(&self, pending: PendingSubscriptionSink, account: AccountId) {
		self.feed(pending, move |client, at| {
			client.runtime_api().open_orders(at, account.clone()).ok()
		});
	}

	fn subscribe_fills(&self, pending: PendingSubscriptionSink, account: Option<AccountId>) {
		self.feed(pending, move |client, at| block_fills(client, at, account.as_ref()));
	}

	fn subscribe_positions(&self, pending: PendingSubscriptionSink, account: AccountId) {
		self.feed(pending, move |client, at| {
			client.runtime_api().positions(at, account.clone()).ok()
		});
	}
}
