//! `orderbook_recentFills` and `orderbook_orderFills`: fill history from the node's fill index
//! (finalized blocks) plus the events of newer blocks of the best chain, newest first, paged.
use std::sync::Arc;

use bourse_fill_index::FillIndex;
use bourse_primitives::orderbook::{Fill, OrderId};
use bourse_runtime::AccountId;
use jsonrpsee::{core::RpcResult, proc_macros::rpc, types::ErrorObjectOwned};
use serde::Serialize;
use sp_blockchain::HeaderBackend;
use sp_core::H256;

use bourse_runtime::opaque::Block;
use sc_client_api::StorageProvider;

use crate::client::FullBackend;

/// Most fills one call returns.
pub const MAX_LIMIT: u32 = 1_000;
/// Fills returned when the caller gives no limit.
pub const DEFAULT_LIMIT: u32 = 100;

/// One fill of a history.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FillRecord {
	/// The fill's id (pass it as `from` to get the page of older fills).
	pub fill_id: u64,
	/// Its block.
	pub block_number: u32,
	/// Its block's hash.
	pub block_hash: H256,
	/// Whether the block is finalized (else it is on the best chain and may still change).
	pub finalized: bool,
	/// The fill.
	pub fill: Fill<AccountId>,
}

/// Fill history.
#[rpc(server)]
pub trait FillHistoryApi {
	/// Fills of `account` (maker or taker), newest first: at most `limit` (default 100, at most
	/// 1,000) with ids below `from` (the newest when absent). Fills of blocks not finalized yet
	/// come first, marked `finalized: false`.
	#[method(name = "orderbook_recentFills")]
	fn recent_fills(
		&self,
		account: AccountId,
		from: Option<u64>,
		limit: Option<u32>,
	) -> RpcResult<Vec<FillRecord>>;

	/// Fills of order `id` (as maker or taker), newest first, paged as `orderbook_recentFills`.
	#[method(name = "orderbook_orderFills")]
	fn order_fills(
		&self,
		id: OrderId,
		from: Option<u64>,
		limit: Option<u32>,
	) -> RpcResult<Vec<FillRecord>>;
}

/// Serves fill history from the index and the client.
pub struct FillHistory<C> {
	client: Arc<C>,
	index: Arc<FillIndex>,
}

impl<C> FillHistory<C>
where
	C: HeaderBackend<Block> + StorageProvider<Block, FullBackend> + Send + Sync + 'static,
{
	/// The handler.
	pub fn new(client: Arc<C>, index: Arc<FillIndex>) -> Self {
		Self { client, index }
	}

	/// Fills of blocks after the last indexed one up to the best block, newest first, that
	/// `keep` selects.
	fn unindexed(&self, keep: impl Fn(&Fill<AccountId>) -> bool) -> RpcResult<Vec<FillRecord>> {
		let info = self.client.info();
		let start = self.index.last_indexed().map_err(index_error)?.map_or(0, |(n, _)| n + 1);
		let mut records = Vec::new();
		for number in (start..=info.best_number).rev() {
			let Ok(Some(hash)) = self.client.hash(number) else { continue };
			let Some(fills) = crate::fills::block_fills(&*self.client, hash, None) else {
				continue;
			};
			for update in fills.into_iter().rev().filter(|u| keep(&u.fill)) {
				records.push(FillRecord {
					fill_id: update.fill_id,
					block_number: number,
					block_hash: hash,
					finalized: number <= info.finalized_number,
					fill: update.fill,
				});
			}
		}
		Ok(records)
	}

	fn page(
		&self,
		recent: Vec<FillRecord>,
		indexed: impl FnOnce(Option<u64>, usize) -> IndexedPage,
		from: Option<u64>,
		limit: Option<u32>,
	) -> RpcResult<Vec<FillRecord>> {
		let limit = limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT) as usize;
		let mut page: Vec<FillRecord> =
			recent.into_iter().filter(|r| from.is_none_or(|f| r.fill_id < f)).take(limit).collect();
		let older_than = page.last().map(|r| r.fill_id).or(from);
		if page.len() < limit {
			let rest = indexed(older_than, limit - page.len()).map_err(index_error)?;
			page.extend(rest.into_iter().map(|f| FillRecord {
				fill_id: f.fill_id,
				block_number: f.block_number,
				block_hash: H256(f.block_hash),
				finalized: true,
				fill: f.fill,
			}));
		}
		Ok(page)
	}
}

type IndexedPage = Result<Vec<bourse_fill_index::IndexedFill<AccountId>>, bourse_fill_index::Error>;

fn index_error(e: bourse_fill_index::Error) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(9120, format!("fill index: {e}"), None::<()>)
}

impl<C> FillHistoryApiServer for FillHistory<C>
where
	C: HeaderBackend<Block> + StorageProvider<Block, FullBackend> + Send + Sync + 'static,
{
	fn recent_fills(
		&self,
		account: AccountId,
		from: Option<u64>,
		limit: Option<u32>,
	) -> RpcResult<Vec<FillRecord>> {
		let recent = self.unindexed(|f| f.maker == account || f.taker == account)?;
		self.page(recent, |before, n| self.index.account_fills(&account, before, n), from, limit)
	}

	fn order_fills(
		&self,
		id: OrderId,
		from: Option<u64>,
		limit: Option<u32>,
	) -> RpcResult<Vec<FillRecord>> {
		let recent = self.unindexed(|f| f.maker_order == id || f.taker_order == id)?;
		self.page(recent, |before, n| self.index.order_fills(id, before, n), from, limit)
	}
}
