//! Assembles the node: client, import queue, network, RPC, Aura authoring, GRANDPA finality
//! and the checkpoint attestation gadget.
use std::sync::Arc;

use bourse_runtime::{apis::RuntimeApi, opaque::Block};
use futures::FutureExt;
use sc_client_api::Backend;
use sc_consensus_aura::{ImportQueueParams, SlotProportion, StartAuraParams};
use sc_service::{error::Error as ServiceError, Configuration, TaskManager};
use sc_telemetry::{Telemetry, TelemetryWorker};
use sc_transaction_pool_api::OffchainTransactionPoolFactory;
use sp_api::{Core, ProvideRuntimeApi};
use sp_consensus_aura::sr25519::{AuthorityId as AuraId, AuthorityPair as AuraPair};
use sp_core::hexdisplay::HexDisplay;

pub use crate::client::{FullBackend, FullClient};
type FullSelectChain = sc_consensus::LongestChain<FullBackend, Block>;
/// GRANDPA's block import, wrapping the client.
pub type GrandpaBlockImport =
	sc_consensus_grandpa::GrandpaBlockImport<FullBackend, Block, FullClient, FullSelectChain>;
type GrandpaLink = sc_consensus_grandpa::LinkHalf<Block, FullClient, FullSelectChain>;

/// GRANDPA produces a justification at least this often (blocks), as in the solochain
/// template; a syncing node checks finality with them.
const GRANDPA_JUSTIFICATION_PERIOD: u32 = 512;

/// The parts shared by the node and the database subcommands.
pub type Service = sc_service::PartialComponents<
	FullClient,
	FullBackend,
	FullSelectChain,
	sc_consensus::DefaultImportQueue<Block>,
	sc_transaction_pool::TransactionPoolHandle<Block, FullClient>,
	(
		Option<Telemetry>,
		bourse_finality_gadget::ImportedCertificates,
		GrandpaBlockImport,
		GrandpaLink,
	),
>;

/// Builds the client, backend, import queue and transaction pool.
pub fn new_partial(config: &Configuration) -> Result<Service, ServiceError> {
	let telemetry = config
		.telemetry_endpoints
		.clone()
		.filter(|x| !x.is_empty())
		.map(|endpoints| -> Result<_, sc_telemetry::Error> {
			let worker = TelemetryWorker::new(16)?;
			let telemetry = worker.handle().new_telemetry(endpoints);
			Ok((worker, telemetry))
		})
		.transpose()?;

	let executor = sc_service::new_wasm_executor::<sp_io::SubstrateHostFunctions>(&config.executor);
	let (client, backend, keystore_container, task_manager) =
		sc_service::new_full_parts::<Block, RuntimeApi, _>(
			config,
			telemetry.as_ref().map(|(_, telemetry)| telemetry.handle()),
			executor,
			Vec::new(),
		)?;
	let client = Arc::new(client);

	let telemetry = telemetry.map(|(worker, telemetry)| {
		task_manager.spawn_handle().spawn("telemetry", None, worker.run());
		telemetry
	});

	let select_chain = sc_consensus::LongestChain::new(backend.clone());

	let transaction_pool = Arc::from(
		sc_transaction_pool::Builder::new(
			task_manager.spawn_essential_handle(),
			client.clone(),
			config.role.is_authority().into(),
		)
		.with_options(config.transaction_pool.clone())
		.with_prometheus(config.prometheus_registry())
		.build(),
	);

	// Every imported block goes through GRANDPA's import; certificates that come with synced
	// blocks are taken off first and handed to the checkpoint gadget.
	let (grandpa_block_import, grandpa_link) = sc_consensus_grandpa::block_import(
		client.clone(),
		GRANDPA_JUSTIFICATION_PERIOD,
		&client,
		select_chain.clone(),
		telemetry.as_ref().map(|x| x.handle()),
	)?;
	let (block_import, imported_certificates) =
		bourse_finality_gadget::block_import(grandpa_block_import.clone(), client.clone());
	let cidp_client = client.clone();
	let import_queue =
		sc_consensus_aura::import_queue::<AuraPair, _, _, _, _, _>(ImportQueueParams {
			block_import,
			justification_import: Some(Box::new(grandpa_block_import.clone())),
			client: client.clone(),
			create_inherent_data_providers: move |parent_hash, _| {
				let cidp_client = cidp_client.clone();
				async move {
					let slot_duration = sc_consensus_aura::standalone::slot_duration_at(
						&*cidp_client,
						parent_hash,
					)?;
					let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
					let slot =
					sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
						*timestamp,
						slot_duration,
					);
					Ok((slot, timestamp))
				}
			},
			spawner: &task_manager.spawn_essential_handle(),
			registry: config.prometheus_registry(),
			check_for_equivocation: Default::default(),
			telemetry: telemetry.as_ref().map(|x| x.handle()),
			compatibility_mode: Default::default(),
		})?;

	Ok(sc_service::PartialComponents {
		client,
		backend,
		task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (telemetry, imported_certificates, grandpa_block_import, grandpa_link),
	})
}

/// Logs which runtime the node executes, so an operator sees the on-chain wasm is in use.
fn log_runtime(client: &FullClient) {
	use sc_client_api::StorageProvider;
	let best = client.chain_info().best_hash;
	let code_key = sp_core::storage::StorageKey(sp_core::storage::well_known_keys::CODE.to_vec());
	let code = client.storage(best, &code_key).ok().flatten().map(|code| code.0);
	match (client.runtime_api().version(best), code) {
		(Ok(version), Some(code)) => log::info!(
			target: "bourse",
			"⚙️  Runtime {}-{} (impl {}) executed from on-chain wasm: {} bytes, blake2 {}",
			version.spec_name,
			version.spec_version,
			version.impl_version,
			code.len(),
			HexDisplay::from(&sp_io::hashing::blake2_256(&code)),
		),
		(Err(e), _) => log::warn!(target: "bourse", "cannot read the runtime version: {e}"),
		(_, None) => log::warn!(target: "bourse", "no runtime code in the state at {best}"),
	}
}

/// `<base-path>/chains/<chain-id>/checkpoints`: the gadget's database.
pub fn checkpoint_db_path(config: &Configuration) -> std::path::PathBuf {
	config.base_path.config_dir(config.chain_spec.id()).join("checkpoints")
}

/// Builds and starts a full node.
pub fn new_full<
	N: sc_network::NetworkBackend<Block, <Block as sp_runtime::traits::Block>::Hash>,
>(
	config: Configuration,
	checkpoint: crate::cli::CheckpointParams,
	oracle: crate::cli::OracleParams,
) -> Result<TaskManager, ServiceError> {
	let sc_service::PartialComponents {
		client,
		backend,
		mut task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (mut telemetry, imported_certificates, grandpa_block_import, grandpa_link),
	} = new_partial(&config)?;

	log_runtime(&client);

	let mut net_config = sc_network::config::FullNetworkConfiguration::<
		Block,
		<Block as sp_runtime::traits::Block>::Hash,
		N,
	>::new(&config.network, config.prometheus_registry().cloned());
	let metrics = N::register_notification_metrics(config.prometheus_registry());

	let genesis_hash = client.chain_info().genesis_hash;
	let grandpa_protocol_name =
		sc_consensus_grandpa::protocol_standard_name(&genesis_hash, &config.chain_spec);
	let (grandpa_protocol_config, grandpa_notification_service) =
		sc_consensus_grandpa::grandpa_peers_set_config::<_, N>(
			grandpa_protocol_name.clone(),
			metrics.clone(),
			net_config.peer_store_handle(),
		);
	net_config.add_notification_protocol(grandpa_protocol_config);
	let warp_sync = Arc::new(sc_consensus_grandpa::warp_proof::NetworkProvider::new(
		backend.clone(),
		grandpa_link.shared_authority_set().clone(),
		Vec::default(),
	));
	let checkpoint_protocol: sc_network::ProtocolName =
		bourse_finality_gadget::messages::protocol_name(genesis_hash.as_ref()).into();
	let (checkpoint_net_config, checkpoint_notifications) =
		bourse_finality_gadget::notification_protocol::<Block, N>(
			checkpoint_protocol.clone(),
			metrics.clone(),
			net_config.peer_store_handle(),
		);
	net_config.add_notification_protocol(checkpoint_net_config);
	let certificates_protocol: sc_network::ProtocolName =
		bourse_finality_gadget::request::protocol_name(genesis_hash.as_ref()).into();
	let (certificates_config, certificate_requests) =
		bourse_finality_gadget::request::request_protocol::<Block, N>(
			certificates_protocol.clone(),
		);
	net_config.add_request_response_protocol(certificates_config);

	// The gadget's own database; a bad one stops the node with a message naming it.
	let checkpoint_db = Arc::new(
		bourse_checkpoint_db::CheckpointDb::open(&checkpoint_db_path(&config))
			.map_err(|e| ServiceError::Other(e.to_string()))?,
	);
	checkpoint_db
		.check_genesis(genesis_hash.into())
		.map_err(|e| ServiceError::Other(e.to_string()))?;
	let checkpoint_status = bourse_finality_gadget::SharedStatus::default();
	// Peers' requests for certificates are answered from the database.
	task_manager.spawn_handle().spawn(
		"checkpoint-certificates",
		Some("checkpoint"),
		bourse_finality_gadget::request::serve(checkpoint_db.clone(), certificate_requests),
	);
	let fill_index = spawn_fill_indexer(&config, &client, &task_manager)?;

	let (network, system_rpc_tx, tx_handler_controller, sync_service, _bitswap) =
		sc_service::build_network(sc_service::BuildNetworkParams {
			config: &config,
			net_config,
			client: client.clone(),
			transaction_pool: transaction_pool.clone(),
			spawn_handle: task_manager.spawn_handle(),
			spawn_essential_handle: task_manager.spawn_essential_handle(),
			import_queue,
			block_announce_validator_builder: None,
			warp_sync_config: Some(sc_service::WarpSyncConfig::WithProvider(warp_sync)),
			block_relay: None,
			metrics,
			gap_sync_body_policy: None,
		})?;

	if config.offchain_worker.enabled {
		let offchain_workers =
			sc_offchain::OffchainWorkers::new(sc_offchain::OffchainWorkerOptions {
				runtime_api_provider: client.clone(),
				is_validator: config.role.is_authority(),
				keystore: Some(keystore_container.keystore()),
				offchain_db: backend.offchain_storage(),
				transaction_pool: Some(OffchainTransactionPoolFactory::new(
					transaction_pool.clone(),
				)),
				network_provider: Arc::new(network.clone()),
				enable_http_requests: true,
				custom_extensions: |_| vec![],
			})?;
		task_manager.spawn_handle().spawn(
			"offchain-workers-runner",
			"offchain-worker",
			offchain_workers.run(client.clone(), task_manager.spawn_handle()).boxed(),
		);
	}

	let role = config.role;
	let node_name = config.network.node_name.clone();
	let force_authoring = config.force_authoring;
	let prometheus_registry = config.prometheus_registry().cloned();

	let shared_voter_state = sc_consensus_grandpa::SharedVoterState::empty();
	let rpc_extensions_builder = rpc_builder(
		&client,
		&backend,
		&transaction_pool,
		&grandpa_link,
		shared_voter_state.clone(),
		checkpoint_status.clone(),
		checkpoint_db.clone(),
		fill_index,
	);

	let _rpc_handlers = sc_service::spawn_tasks(sc_service::SpawnTasksParams {
		network: network.clone(),
		client: client.clone(),
		keystore: keystore_container.keystore(),
		task_manager: &mut task_manager,
		transaction_pool: transaction_pool.clone(),
		rpc_builder: rpc_extensions_builder,
		backend: backend.clone(),
		system_rpc_tx,
		tx_handler_controller,
		sync_service: sync_service.clone(),
		config,
		telemetry: telemetry.as_mut(),
		tracing_execute_block: None,
	})?;

	if role.is_authority() {
		let proposer_factory = sc_basic_authorship::ProposerFactory::new(
			task_manager.spawn_handle(),
			client.clone(),
			transaction_pool.clone(),
			prometheus_registry.as_ref(),
			telemetry.as_ref().map(|x| x.handle()),
		);

		let slot_duration = sc_consensus_aura::slot_duration::<AuraId, _, _>(&*client)?;

		let aura = sc_consensus_aura::start_aura::<AuraPair, _, _, _, _, _, _, _, _, _, _>(
			StartAuraParams {
				slot_duration,
				client: client.clone(),
				select_chain,
				block_import: grandpa_block_import,
				proposer_factory,
				create_inherent_data_providers: move |_, ()| async move {
					let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
					let slot =
						sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
							*timestamp,
							slot_duration,
						);
					Ok((slot, timestamp))
				},
				force_authoring,
				backoff_authoring_blocks: Option::<()>::None,
				keystore: keystore_container.keystore(),
				sync_oracle: sync_service.clone(),
				justification_sync_link: sync_service.clone(),
				block_proposal_slot_portion: SlotProportion::new(2f32 / 3f32),
				max_block_proposal_slot_portion: None,
				telemetry: telemetry.as_ref().map(|x| x.handle()),
				compatibility_mode: Default::default(),
			},
		)?;

		// Block authoring is essential: if it fails the node stops.
		task_manager.spawn_essential_handle().spawn_blocking("aura", Some("block-authoring"), aura);
	}

	spawn_oracle_feeder(
		oracle,
		role,
		&client,
		&transaction_pool,
		keystore_container.keystore(),
		prometheus_registry.as_ref(),
		&task_manager,
	);

	// GRANDPA finalizes blocks; every node runs it (validators vote, full nodes follow).
	let grandpa_config = sc_consensus_grandpa::Config {
		gossip_duration: std::time::Duration::from_millis(333),
		justification_generation_period: GRANDPA_JUSTIFICATION_PERIOD,
		name: Some(node_name),
		observer_enabled: false,
		keystore: role.is_authority().then(|| keystore_container.keystore()),
		local_role: role,
		telemetry: telemetry.as_ref().map(|x| x.handle()),
		protocol_name: grandpa_protocol_name,
	};
	let grandpa_voter =
		sc_consensus_grandpa::run_grandpa_voter(sc_consensus_grandpa::GrandpaParams {
			config: grandpa_config,
			link: grandpa_link,
			network: network.clone(),
			sync: sync_service.clone(),
			notification_service: grandpa_notification_service,
			voting_rule: sc_consensus_grandpa::VotingRulesBuilder::default().build(),
			prometheus_registry: prometheus_registry.clone(),
			shared_voter_state,
			telemetry: telemetry.as_ref().map(|x| x.handle()),
			offchain_tx_pool_factory: OffchainTransactionPoolFactory::new(transaction_pool.clone()),
		})?;
	// Finality is essential: if the voter fails the node stops.
	task_manager.spawn_essential_handle().spawn_blocking("grandpa-voter", None, grandpa_voter);

	let gadget = bourse_finality_gadget::build(bourse_finality_gadget::GadgetParams {
		client: client.clone(),
		backend: backend.clone(),
		keystore: role.is_authority().then(|| keystore_container.keystore()),
		network: network.clone(),
		sync: sync_service.clone(),
		notification_service: checkpoint_notifications,
		protocol_name: checkpoint_protocol,
		db: checkpoint_db,
		imported_certificates,
		status: checkpoint_status,
		retention: bourse_finality_gadget::Retention {
			checkpoints: checkpoint.retention,
			prune_every: std::time::Duration::from_secs(checkpoint.prune_interval.max(1)),
		},
		prometheus_registry: prometheus_registry.clone(),
		requester: Some(bourse_finality_gadget::request::Requester {
			network: network.clone(),
			protocol: certificates_protocol,
		}),
	});
	spawn_checkpoint_gadget(gadget, &task_manager);

	Ok(task_manager)
}

/// Opens the fill index (fill history served over RPC) and spawns its indexer, which builds it
/// from finalized blocks' events.
fn spawn_fill_indexer(
	config: &Configuration,
	client: &Arc<FullClient>,
	task_manager: &TaskManager,
) -> Result<Arc<bourse_fill_index::FillIndex>, ServiceError> {
	let genesis_hash = client.chain_info().genesis_hash;
	let fill_index = Arc::new(
		bourse_fill_index::FillIndex::open(
			&crate::fill_indexer::fill_index_path(config),
			genesis_hash.into(),
		)
		.map_err(|e| ServiceError::Other(e.to_string()))?,
	);
	task_manager.spawn_handle().spawn_blocking(
		"fill-indexer",
		Some("fills"),
		crate::fill_indexer::run(client.clone(), fill_index.clone()),
	);
	Ok(fill_index)
}

/// Spawns the oracle feeder when `--oracle-feed` names a source and the node is a validator.
fn spawn_oracle_feeder(
	oracle: crate::cli::OracleParams,
	role: sc_service::Role,
	client: &Arc<FullClient>,
	transaction_pool: &Arc<sc_transaction_pool::TransactionPoolHandle<Block, FullClient>>,
	keystore: sp_keystore::KeystorePtr,
	prometheus_registry: Option<&substrate_prometheus_endpoint::Registry>,
	task_manager: &TaskManager,
) {
	let Some(source) = oracle.feed else { return };
	if !role.is_authority() {
		log::warn!(target: "oracle", "--oracle-feed ignored: only validators feed the oracle");
		return;
	}
	let metrics = match prometheus_registry.map(crate::oracle_feeder::Metrics::register) {
		Some(Ok(metrics)) => Some(metrics),
		Some(Err(e)) => {
			log::warn!(target: "oracle", "oracle feeder metrics not registered: {e}");
			None
		},
		None => None,
	};
	// Its own thread: reading the source may block for its timeout.
	task_manager.spawn_handle().spawn_blocking(
		"oracle-feeder",
		Some("oracle"),
		crate::oracle_feeder::run(
			client.clone(),
			transaction_pool.clone(),
			keystore,
			crate::oracle_feeder::FeederParams { source, every_blocks: oracle.every_blocks },
			metrics,
		),
	);
}

/// The RPC extensions: the node's trading, fill-history and checkpoint methods beside
/// GRANDPA's.
#[allow(clippy::too_many_arguments)]
fn rpc_builder(
	client: &Arc<FullClient>,
	backend: &Arc<FullBackend>,
	transaction_pool: &Arc<sc_transaction_pool::TransactionPoolHandle<Block, FullClient>>,
	grandpa_link: &GrandpaLink,
	shared_voter_state: sc_consensus_grandpa::SharedVoterState,
	checkpoint_status: bourse_finality_gadget::SharedStatus,
	checkpoint_db: Arc<bourse_checkpoint_db::CheckpointDb>,
	fill_index: Arc<bourse_fill_index::FillIndex>,
) -> Box<
	dyn Fn(sc_rpc::SubscriptionTaskExecutor) -> Result<jsonrpsee::RpcModule<()>, sc_service::Error>,
> {
	let client = client.clone();
	let shared_authority_set = grandpa_link.shared_authority_set().clone();
	let justification_stream = grandpa_link.justification_stream();
	let finality_provider = sc_consensus_grandpa::FinalityProofProvider::new_for_service(
		backend.clone(),
		Some(shared_authority_set.clone()),
	);
	let pool = transaction_pool.clone();
	Box::new(move |executor| {
		let deps = crate::rpc::FullDeps {
			client: client.clone(),
			pool: pool.clone(),
			checkpoint_status: checkpoint_status.clone(),
			checkpoint_db: checkpoint_db.clone(),
			executor,
			fill_index: fill_index.clone(),
			grandpa: crate::rpc::GrandpaDeps {
				shared_voter_state: shared_voter_state.clone(),
				shared_authority_set: shared_authority_set.clone(),
				justification_stream: justification_stream.clone(),
				finality_provider: finality_provider.clone(),
			},
		};
		crate::rpc::create_full(deps).map_err(Into::into)
	})
}

/// Spawns the checkpoint gadget: attestations of GRANDPA-finalized checkpoint blocks (never
/// finality). Essential: if it fails the node stops.
fn spawn_checkpoint_gadget(
	gadget: bourse_finality_gadget::Worker<Block, FullBackend, FullClient>,
	task_manager: &TaskManager,
) {
	task_manager.spawn_essential_handle().spawn_blocking(
		"checkpoint-gadget",
		Some("checkpoint"),
		gadget.run(),
	);
}
