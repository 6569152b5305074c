//! A block's fills: the order book's `Filled` events, read from the block's state. The fill
//! index, the fill-history RPC and the fills subscription all read them here.
use bourse_primitives::orderbook::Fill;
use bourse_runtime::{opaque::Block, AccountId, RuntimeEvent};
use codec::Decode;
use sc_client_api::StorageProvider;
use serde::Serialize;
use sp_core::{storage::StorageKey, H256};

use crate::client::FullBackend;

/// A fill with its id, as `orderbook_recentFills` reports it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FillUpdate {
	/// The fill's id.
	pub fill_id: u64,
	/// The fill.
	pub fill: Fill<AccountId>,
}

/// The fills among the events of block `hash` (of `account`, or all).
pub fn block_fills<C>(
	client: &C,
	hash: H256,
	account: Option<&AccountId>,
) -> Option<Vec<FillUpdate>>
where
	C: StorageProvider<Block, FullBackend>,
{
	// frame_system's `Events`: twox128("System") ++ twox128("Events").
	let key = StorageKey(
		[sp_io::hashing::twox_128(b"System"), sp_io::hashing::twox_128(b"Events")].concat(),
	);
	let events = match client.storage(hash, &key) {
		Ok(Some(raw)) => raw.0,
		Ok(None) => return Some(Vec::new()),
		Err(e) => {
			log::debug!(target: "rpc", "fills of block {hash}: {e}");
			return None;
		},
	};
	type Records = Vec<frame_system::EventRecord<RuntimeEvent, H256>>;
	let records = match Records::decode(&mut &events[..]) {
		Ok(records) => records,
		Err(e) => {
			log::warn!(target: "rpc", "events of block {hash} do not decode: {e}");
			return None;
		},
	};
	Some(
		records
			.into_iter()
			.filter_map(|r| match r.event {
				RuntimeEvent::Orderbook(pallet_orderbook::Event::Filled { fill_id, fill }) => {
					Some(FillUpdate { fill_id, fill })
				},
				_ => None,
			})
			.filter(|f| account.is_none_or(|a| f.fill.maker == *a || f.fill.taker == *a))
			.collect(),
	)
}
