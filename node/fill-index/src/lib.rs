//! The node's fill index: every fill of the finalized chain, by fill id, by account (maker or
//! taker) and by order, in its own kvdb-rocksdb database at `<base-path>/chains/<id>/fills`.
//!
//! Fills leave chain state: a block's `Filled` events carry each whole fill and the block's
//! state root commits to its events, so the node builds this index from the events of each
//! finalized block, one kvdb transaction per block (its fills and the new last-indexed block
//! together, so a crash never leaves half a block), and resumes after the last indexed block.
//!
//! Keys are big-endian numbers behind the column's key layout; account and order keys store
//! `u64::MAX - fill_id`, so a prefix scan yields the newest fills first.
mod error;
mod schema;
#[cfg(test)]
mod tests;

pub use error::Error;

use bourse_primitives::orderbook::{Fill, OrderId};
use codec::{Decode, Encode};
use kvdb::{DBTransaction, KeyValueDB};
use std::{
	path::{Path, PathBuf},
	sync::Arc,
};

const COL_META: u32 = 0;
const COL_FILLS: u32 = 1;
const COL_BY_ACCOUNT: u32 = 2;
const COL_BY_ORDER: u32 = 3;
/// Columns of the current schema.
pub const COLUMNS: u32 = 4;

const META_GENESIS: &[u8] = b"genesis";
const META_LAST: &[u8] = b"last_indexed";

/// A 32-byte block hash.
pub type BlockHash = [u8; 32];

/// A fill as the index keeps it: with its id and block.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct IndexedFill<AccountId> {
	/// The fill's id (from its `Filled` event).
	pub fill_id: u64,
	/// Number of its block.
	pub block_number: u32,
	/// Hash of its block.
	pub block_hash: BlockHash,
	/// The fill.
	pub fill: Fill<AccountId>,
}

/// The fill index.
pub struct FillIndex {
	db: Arc<dyn KeyValueDB>,
	path: Option<PathBuf>,
}

fn reversed(id: u64) -> [u8; 8] {
	(u64::MAX - id).to_be_bytes()
}

impl FillIndex {
	/// Opens (or creates) the index at `path` for the chain with `genesis`. An index of
	/// another chain (a new genesis under the same chain id) is an error naming the fix.
	pub fn open(path: &Path, genesis: BlockHash) -> Result<Self, Error> {
		let db = Arc::new(schema::open_rocksdb(path)?);
		let index = Self { db, path: Some(path.to_path_buf()) };
		index.check_genesis(genesis)?;
		Ok(index)
	}

	/// An in-memory index (tests).
	#[cfg(test)]
	pub fn in_memory(genesis: BlockHash) -> Result<Self, Error> {
		let index = Self { db: Arc::new(kvdb_memorydb::create(COLUMNS)), path: None };
		index.check_genesis(genesis)?;
		Ok(index)
	}

	fn path(&self) -> PathBuf {
		self.path.clone().unwrap_or_default()
	}

	fn io(&self, source: std::io::Error) -> Error {
		Error::Io { path: self.path(), source }
	}

	fn corrupt(&self, what: &str, e: codec::Error) -> Error {
		Error::Corrupt { path: self.path(), what: format!("{what}: {e}") }
	}

	fn check_genesis(&self, genesis: BlockHash) -> Result<(), Error> {
		match self.db.get(COL_META, META_GENESIS).map_err(|e| self.io(e))? {
			Some(stored) if stored[..] == genesis[..] => Ok(()),
			Some(_) => Err(Error::OtherChain { path: self.path() }),
			None => {
				let mut tx = DBTransaction::new();
				tx.put(COL_META, META_GENESIS, &genesis);
				self.db.write(tx).map_err(|e| self.io(e))
			},
		}
	}

	/// The last block indexed: (number, hash).
	pub fn last_indexed(&self) -> Result<Option<(u32, BlockHash)>, Error> {
		self.db
			.get(COL_META, META_LAST)
			.map_err(|e| self.io(e))?
			.map(|raw| {
				<(u32, BlockHash)>::decode(&mut &raw[..]).map_err(|e| self.corrupt("last", e))
			})
			.transpose()
	}

	/// Indexes finalized block `number` with its fills (id, fill) in one transaction; the
	/// blocks must come in order (a block at or below the last indexed one is skipped).
	pub fn index_block<A: Encode>(
		&self,
		number: u32,
		hash: BlockHash,
		fills: &[(u64, Fill<A>)],
	) -> Result<(), Error> {
		if self.last_indexed()?.is_some_and(|(last, _)| number <= last) {
			return Ok(());
		}
		let mut tx = DBTransaction::new();
		for (fill_id, fill) in fills {
			// Encodes exactly as `IndexedFill` (a struct encodes as its fields in order).
			let record = (fill_id, number, hash, fill).encode();
			tx.put_vec(COL_FILLS, &fill_id.to_be_bytes(), record);
			for account in [&fill.maker, &fill.taker] {
				let mut key = account.encode();
				key.extend_from_slice(&reversed(*fill_id));
				tx.put(COL_BY_ACCOUNT, &key, &[]);
			}
			for order in [fill.maker_order, fill.taker_order] {
				let mut key = order.to_be_bytes().to_vec();
				key.extend_from_slice(&reversed(*fill_id));
				tx.put(COL_BY_ORDER, &key, &[]);
			}
		}
		tx.put_vec(COL_META, META_LAST, (number, hash).encode());
		self.db.write(tx).map_err(|e| self.io(e))
	}

	/// The fill with `fill_id`.
	pub fn fill<A: Decode>(&self, fill_id: u64) -> Result<Option<IndexedFill<A>>, Error> {
		self.db
			.get(COL_FILLS, &fill_id.to_be_bytes())
			.map_err(|e| self.io(e))?
			.map(|raw| IndexedFill::decode(&mut &raw[..]).map_err(|e| self.corrupt("fill", e)))
			.transpose()
	}

	/// Ids under `prefix` of a by-account or by-order column, newest first, below `before`.
	fn ids(
		&self,
		col: u32,
		prefix: &[u8],
		before: Option<u64>,
		limit: usize,
	) -> Result<Vec<u64>, Error> {
		let mut ids = Vec::new();
		for entry in self.db.iter_with_prefix(col, prefix) {
			let (key, _) = entry.map_err(|e| self.io(e))?;
			let Some(tail) = key.get(prefix.len()..).and_then(|t| <[u8; 8]>::try_from(t).ok())
			else {
				continue;
			};
			let id = u64::MAX - u64::from_be_bytes(tail);
			if before.is_some_and(|b| id >= b) {
				continue;
			}
			ids.push(id);
			if ids.len() >= limit {
				break;
			}
		}
		Ok(ids)
	}

	fn fills_of<A: Decode>(&self, ids: Vec<u64>) -> Result<Vec<IndexedFill<A>>, Error> {
		ids.into_iter().filter_map(|id| self.fill(id).transpose()).collect()
	}

	/// Fills of `account` (maker or taker), newest first: at most `limit` with ids below
	/// `before` (all when `None`).
	pub fn account_fills<A: Encode + Decode>(
		&self,
		account: &A,
		before: Option<u64>,
		limit: usize,
	) -> Result<Vec<IndexedFill<A>>, Error> {
		let ids = self.ids(COL_BY_ACCOUNT, &account.encode(), before, limit)?;
		self.fills_of(ids)
	}

	/// Fills of order `order` (as maker or taker), newest first, as [`Self::account_fills`].
	pub fn order_fills<A: Decode>(
		&self,
		order: OrderId,
		before: Option<u64>,
		limit: usize,
	) -> Result<Vec<IndexedFill<A>>, Error> {
		let ids = self.ids(COL_BY_ORDER, &order.to_be_bytes(), before, limit)?;
		self.fills_of(ids)
	}
}
