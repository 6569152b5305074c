//! Builds the node's fill index (`bourse-fill-index`) from the `Filled` events of finalized
//! blocks: at start it catches up from the last indexed block, then indexes each block as it is
//! finalized (a finality notification can jump over several). One kvdb transaction per block.
//!
//! Events live in block state: a node that prunes state (the default keeps 256 blocks) can only
//! index blocks whose state it still has; `--state-pruning archive` indexes all history.
use std::sync::Arc;

use bourse_fill_index::FillIndex;
use futures::StreamExt;
use sc_client_api::BlockchainEvents;
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::Header as _;

use crate::client::FullClient;

/// Where the index lives: `<base-path>/chains/<chain-id>/fills`.
pub fn fill_index_path(config: &sc_service::Configuration) -> std::path::PathBuf {
	config.base_path.config_dir(config.chain_spec.id()).join("fills")
}

/// Indexes finalized blocks until the node stops.
pub async fn run(client: Arc<FullClient>, index: Arc<FillIndex>) {
	let mut finality = client.finality_notification_stream();
	index_up_to(&client, &index, client.info().finalized_number);
	while let Some(notification) = finality.next().await {
		index_up_to(&client, &index, *notification.header.number());
	}
}

/// Indexes every block after the last indexed one up to `target` (finalized).
pub fn index_up_to(client: &FullClient, index: &FillIndex, target: u32) {
	let start = match index.last_indexed() {
		Ok(last) => last.map_or(0, |(number, _)| number.saturating_add(1)),
		Err(e) => {
			log::error!(target: "fills", "fill index unreadable, not indexing: {e}");
			return;
		},
	};
	let mut unavailable = 0u32;
	for number in start..=target {
		let hash = match client.hash(number) {
			Ok(Some(hash)) => hash,
			other => {
				log::warn!(target: "fills", "finalized block {number} not found ({other:?})");
				return;
			},
		};
		let fills = crate::fills::block_fills(client, hash, None).unwrap_or_else(|| {
			unavailable += 1;
			Vec::new()
		});
		let fills: Vec<_> = fills.into_iter().map(|f| (f.fill_id, f.fill)).collect();
		if let Err(e) = index.index_block(number, hash.into(), &fills) {
			log::error!(target: "fills", "indexing block {number} failed: {e}");
			return;
		}
		if !fills.is_empty() {
			log::debug!(target: "fills", "indexed {} fill(s) of block {number}", fills.len());
		}
	}
	if unavailable > 0 {
		log::warn!(
			target: "fills",
			"{unavailable} finalized block(s) up to {target} have no state left (pruned): their \
			 fills are not indexed (run with --state-pruning archive to index all history)"
		);
	}
}
