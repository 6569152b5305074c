//! # Checkpoint attestation gadget
//!
//! What BEEFY is to GRANDPA. GRANDPA finalizes blocks; once it has finalized a checkpoint
//! block (every one, in order: a finality notification may cover several), a validator with a
//! `ckpt` key signs (checkpoint number, block hash, state digest, set id), persists its vote,
//! then gossips it on `/<genesis-hash>/bourse-checkpoint/1`. Votes are verified against the
//! on-chain validator set; at quorum (`n - (n-1)/3`) a certificate is formed: a proof,
//! checkable on its own against the validator set, that 2/3+1 of the validators attest the
//! trading-state digest at that finalized block. It is persisted, attached to the block as a
//! second justification under the Bourse engine id (so it travels with synced blocks), served
//! over RPC and gossiped. The gadget never finalizes. State lives in [`bourse_checkpoint_db`]
//! and is restored at start.
pub mod gossip;
pub mod import;
pub mod messages;
pub mod metrics;
pub mod request;
pub mod round;
pub mod rpc;
pub mod status;
pub mod voter;
mod worker;

pub use import::{block_import, CheckpointBlockImport, ImportedCertificates};
pub use status::{SharedStatus, Status};
pub use worker::{Retention, Worker};

use bourse_checkpoint_db::CheckpointDb;
use bourse_primitives::runtime_api::CheckpointApi;
use sc_client_api::{Backend, BlockchainEvents};
use sc_network::{
	config::{NonReservedPeerMode, SetConfig},
	service::traits::NotificationService,
	NetworkBackend, NotificationMetrics, ProtocolName,
};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::H256;
use sp_keystore::KeystorePtr;
use sp_runtime::traits::Block as BlockT;
use std::{collections::BTreeMap, sync::Arc};
use substrate_prometheus_endpoint::Registry;

/// Log target of the gadget.
pub const LOG_TARGET: &str = "checkpoint";

/// Registers the gadget's notification protocol; returns its config for the network and the
/// service the gossip engine reads from.
pub fn notification_protocol<B: BlockT, N: NetworkBackend<B, B::Hash>>(
	protocol_name: ProtocolName,
	metrics: NotificationMetrics,
	peer_store: Arc<dyn sc_network::peer_store::PeerStoreProvider>,
) -> (N::NotificationProtocolConfig, Box<dyn NotificationService>) {
	N::notification_config(
		protocol_name,
		Vec::new(),
		1024 * 1024,
		None,
		SetConfig {
			in_peers: 25,
			out_peers: 25,
			reserved_nodes: Vec::new(),
			non_reserved_mode: NonReservedPeerMode::Accept,
		},
		metrics,
		peer_store,
	)
}

/// Everything the gadget needs.
pub struct GadgetParams<BE, C, N, S> {
	/// The client.
	pub client: Arc<C>,
	/// The backend (certificates are attached to their blocks as justifications).
	pub backend: Arc<BE>,
	/// The keystore, for validators.
	pub keystore: Option<KeystorePtr>,
	/// The network (for gossip).
	pub network: N,
	/// The sync service (for gossip).
	pub sync: S,
	/// From [`notification_protocol`].
	pub notification_service: Box<dyn NotificationService>,
	/// The protocol name registered.
	pub protocol_name: ProtocolName,
	/// The gadget's database, opened by the service.
	pub db: Arc<CheckpointDb>,
	/// Certificates checked by the [`block_import`] wrapper.
	pub imported_certificates: ImportedCertificates,
	/// Status shared with the RPC.
	pub status: SharedStatus,
	/// Pruning settings.
	pub retention: Retention,
	/// Prometheus registry, if metrics are on.
	pub prometheus_registry: Option<Registry>,
	/// Asks peers for missing certificates (see [`request`]); `None` never asks.
	pub requester: Option<request::Requester>,
}

/// Builds the gadget's worker; run it with [`Worker::run`] as an essential task.
pub fn build<B, BE, C, N, S>(params: GadgetParams<BE, C, N, S>) -> Worker<B, BE, C>
where
	B: BlockT<Hash = H256>,
	BE: Backend<B>,
	C: BlockchainEvents<B> + HeaderBackend<B> + ProvideRuntimeApi<B> + Send + Sync,
	C::Api: CheckpointApi<B>,
	N: sc_network_gossip::Network<B> + Clone + Send + 'static,
	S: sc_network_gossip::Syncing<B> + Clone + Send + 'static,
{
	let finalized = gossip::Finalized::default();
	let (validator, reports) = gossip::GossipValidator::new(finalized.clone());
	let validator = Arc::new(validator);
	let gossip = sc_network_gossip::GossipEngine::new(
		params.network,
		params.sync,
		params.notification_service,
		params.protocol_name,
		validator,
		params.prometheus_registry.as_ref(),
	);
	let metrics = params.prometheus_registry.as_ref().and_then(|registry| {
		metrics::Metrics::register(registry)
			.map_err(|e| log::warn!(target: LOG_TARGET, "checkpoint metrics not registered: {e}"))
			.ok()
	});
	Worker {
		client: params.client,
		backend: params.backend,
		voter: voter::Voter::new(params.db, params.keystore),
		gossip,
		reports,
		imported: params.imported_certificates,
		finalized,
		status: params.status,
		metrics,
		retention: params.retention,
		sets: BTreeMap::new(),
		waiting: BTreeMap::new(),
		requester: params.requester,
		in_flight: Default::default(),
		peers: Default::default(),
	}
}
