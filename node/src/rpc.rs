//! JSON-RPC methods beyond Substrate's defaults: account nonces, fee queries, GRANDPA
//! (`grandpa_roundState`, `grandpa_proveFinality`, justification subscription), checkpoints
//! and trading.
use std::sync::Arc;

use bourse_runtime::{opaque::Block, AccountId, Balance, Nonce};
use jsonrpsee::RpcModule;
use pallet_transaction_payment_rpc_runtime_api::RuntimeDispatchInfo;
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};
use sp_runtime::traits::Block as BlockT;

/// What the GRANDPA RPC methods need.
pub struct GrandpaDeps {
	/// The voter's state (rounds, votes).
	pub shared_voter_state: sc_consensus_grandpa::SharedVoterState,
	/// The authority set.
	pub shared_authority_set: sc_consensus_grandpa::SharedAuthoritySet<
		<Block as BlockT>::Hash,
		sp_runtime::traits::NumberFor<Block>,
	>,
	/// Justifications as GRANDPA makes them.
	pub justification_stream: sc_consensus_grandpa::GrandpaJustificationStream<Block>,
	/// Finality proofs for `grandpa_proveFinality`.
	pub finality_provider:
		Arc<sc_consensus_grandpa::FinalityProofProvider<crate::client::FullBackend, Block>>,
}

/// What the RPC methods need from the node.
pub struct FullDeps<C, P> {
	/// The client.
	pub client: Arc<C>,
	/// The transaction pool.
	pub pool: Arc<P>,
	/// The checkpoint gadget's status.
	pub checkpoint_status: bourse_finality_gadget::SharedStatus,
	/// The checkpoint gadget's database.
	pub checkpoint_db: Arc<bourse_checkpoint_db::CheckpointDb>,
	/// Runs subscription tasks.
	pub executor: sc_rpc::SubscriptionTaskExecutor,
	/// The node's fill index.
	pub fill_index: Arc<bourse_fill_index::FillIndex>,
	/// GRANDPA's state.
	pub grandpa: GrandpaDeps,
}

/// Builds the node's extra RPC methods.
pub fn create_full<C, P>(
	deps: FullDeps<C, P>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ sc_client_api::BlockchainEvents<Block>
		+ sc_client_api::StorageProvider<Block, crate::client::FullBackend>
		+ Send
		+ Sync
		+ 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>
		+ pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>
		+ bourse_primitives::runtime_api::OrderbookApi<Block, AccountId>
		+ bourse_primitives::runtime_api::PerpApi<Block, AccountId>
		+ BlockBuilder<Block>,
	P: TransactionPool + 'static,
{
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let mut module = RpcModule::new(());
	use bourse_finality_gadget::rpc::{CheckpointRpc, CheckpointRpcApiServer};

	let FullDeps { client, pool, checkpoint_status, checkpoint_db, executor, fill_index, grandpa } =
		deps;
	{
		use sc_consensus_grandpa_rpc::{Grandpa, GrandpaApiServer};
		module.merge(
			Grandpa::new(
				executor.clone(),
				grandpa.shared_authority_set,
				grandpa.shared_voter_state,
				grandpa.justification_stream,
				grandpa.finality_provider,
			)
			.into_rpc(),
		)?;
	}
	use crate::trading_rpc::{OrderbookRpc, OrderbookRpcApiServer, PerpRpcApiServer};

	module.merge(CheckpointRpc::new(checkpoint_status, checkpoint_db).into_rpc())?;
	module.merge(OrderbookRpcApiServer::into_rpc(OrderbookRpc::new(client.clone())))?;
	module.merge(PerpRpcApiServer::into_rpc(OrderbookRpc::new(client.clone())))?;
	{
		use crate::trading_feed::{TradingFeed, TradingFeedApiServer};
		module.merge(TradingFeed::new(client.clone(), executor).into_rpc())?;
		use crate::fill_rpc::{FillHistory, FillHistoryApiServer};
		module.merge(FillHistory::new(client.clone(), fill_index).into_rpc())?;
	}
	module.merge(SystemApiServer::<<Block as BlockT>::Hash, AccountId, Nonce>::into_rpc(
		System::new(client.clone(), pool),
	))?;
	module.merge(TransactionPaymentApiServer::<
		<Block as BlockT>::Hash,
		RuntimeDispatchInfo<Balance>,
	>::into_rpc(TransactionPayment::new(client)))?;
	Ok(module)
}
