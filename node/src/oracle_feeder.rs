//! The oracle feeder. A validator started with `--oracle-feed <source>` reads prices from the
//! source (see [`crate::oracle_source`]) every `--oracle-feed-every` new best blocks and submits
//! them as a pallet-oracle `feed_values` transaction signed with its Aura key: the oracle's
//! operators are the Aura authorities, and their feeds pay no fee. The runtime takes the median
//! of the operators' fresh observations as each perp market's index (pallet-perp's pricing).
use std::sync::Arc;

use bourse_runtime::{opaque::Block, AccountId, RuntimeCall, UncheckedExtrinsic};
use futures::StreamExt;
use sc_client_api::BlockchainEvents;
use sc_transaction_pool_api::{TransactionPool, TransactionSource};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_consensus_aura::AuraApi;
use sp_core::{crypto::key_types::AURA, sr25519, Encode};
use sp_keystore::KeystorePtr;
use sp_runtime::{traits::Header as _, MultiSignature};
use substrate_prometheus_endpoint::{register, CounterVec, Opts, PrometheusError, Registry, U64};

use crate::{oracle_source::PriceSource, service::FullClient};

type Pool = sc_transaction_pool::TransactionPoolHandle<Block, FullClient>;

/// What `--oracle-feed` configured.
pub struct FeederParams {
	/// Where prices come from.
	pub source: PriceSource,
	/// New best blocks between two observations (at least 1).
	pub every_blocks: u32,
}

/// `bourse_oracle_feeds_total{result}`: observations submitted, or failed (source, key, pool).
#[derive(Clone)]
pub struct Metrics {
	feeds: CounterVec<U64>,
}

impl Metrics {
	/// Registers the feeder's metrics.
	pub fn register(registry: &Registry) -> Result<Self, PrometheusError> {
		Ok(Self {
			feeds: register(
				CounterVec::new(
					Opts::new("bourse_oracle_feeds_total", "Oracle observations by result"),
					&["result"],
				)?,
				registry,
			)?,
		})
	}
}

/// Feeds until the node stops.
pub async fn run(
	client: Arc<FullClient>,
	pool: Arc<Pool>,
	keystore: KeystorePtr,
	params: FeederParams,
	metrics: Option<Metrics>,
) {
	log::info!(target: "oracle", "feeding prices from {} every {} block(s)", params.source, params.every_blocks);
	let every = params.every_blocks.max(1);
	let mut imports = client.import_notification_stream();
	let mut last_fed: Option<u32> = None;
	while let Some(block) = imports.next().await {
		if !block.is_new_best {
			continue;
		}
		let number = *block.header.number();
		if last_fed.is_some_and(|last| number < last.saturating_add(every)) {
			continue;
		}
		last_fed = Some(number);
		let result = match observation(&client, &keystore, &params.source, block.hash) {
			Ok((xt, count)) => pool
				.submit_one(block.hash, TransactionSource::Local, xt.into())
				.await
				.map(|hash| {
					log::debug!(target: "oracle", "submitted {count} price(s) at block {number}: {hash:?}");
				})
				.map_err(|e| format!("transaction pool refused the feed: {e}")),
			Err(e) => Err(e),
		};
		let label = match &result {
			Ok(()) => "submitted",
			Err(e) => {
				log::warn!(target: "oracle", "no observation at block {number}: {e}");
				"failed"
			},
		};
		if let Some(metrics) = &metrics {
			metrics.feeds.with_label_values(&[label]).inc();
		}
	}
}

/// Reads the source and builds the signed `feed_values` transaction at `at`; the transaction
/// and how many prices it carries.
fn observation(
	client: &FullClient,
	keystore: &KeystorePtr,
	source: &PriceSource,
	at: <Block as sp_runtime::traits::Block>::Hash,
) -> Result<(UncheckedExtrinsic, usize), String> {
	let operator = operator_key(client, keystore, at)?;
	let prices = source.fetch()?;
	if prices.is_empty() {
		return Err(format!("{source} holds no prices"));
	}
	let count = prices.len();
	let values = prices.try_into().map_err(|_| "too many prices".to_string())?;
	let call = RuntimeCall::Oracle(pallet_oracle::Call::feed_values { values });
	Ok((sign(client, keystore, operator, call, at)?, count))
}

/// The keystore's Aura key that is a current authority (an oracle operator).
fn operator_key(
	client: &FullClient,
	keystore: &KeystorePtr,
	at: <Block as sp_runtime::traits::Block>::Hash,
) -> Result<sr25519::Public, String> {
	let authorities = client
		.runtime_api()
		.authorities(at)
		.map_err(|e| format!("reading the authorities: {e}"))?;
	keystore
		.sr25519_public_keys(AURA)
		.into_iter()
		.find(|key| {
			authorities.iter().any(|a| AsRef::<[u8]>::as_ref(a) == AsRef::<[u8]>::as_ref(key))
		})
		.ok_or_else(|| "no Aura key of a current authority in the keystore".to_string())
}

/// Signs `call` by `operator` with the keystore, valid from `at`'s state (immortal: the nonce
/// makes it single-use).
fn sign(
	client: &FullClient,
	keystore: &KeystorePtr,
	operator: sr25519::Public,
	call: RuntimeCall,
	at: <Block as sp_runtime::traits::Block>::Hash,
) -> Result<UncheckedExtrinsic, String> {
	use frame_system_rpc_runtime_api::AccountNonceApi;
	use sp_api::Core;
	let account = AccountId::from(operator);
	let api = client.runtime_api();
	let nonce = api
		.account_nonce(at, account.clone())
		.map_err(|e| format!("reading the operator's nonce: {e}"))?;
	let version = api.version(at).map_err(|e| format!("reading the runtime version: {e}"))?;
	let genesis = client.info().genesis_hash;
	let extension = bourse_runtime::tx_extension(nonce);
	let implicit =
		((), version.spec_version, version.transaction_version, genesis, genesis, (), (), ());
	let payload =
		bourse_runtime::SignedPayload::from_raw(call.clone(), extension.clone(), implicit);
	let signature = payload
		.using_encoded(|bytes| keystore.sr25519_sign(AURA, &operator, bytes))
		.map_err(|e| format!("signing: {e}"))?
		.ok_or("the operator key left the keystore")?;
	Ok(UncheckedExtrinsic::new_signed(
		call,
		account.into(),
		MultiSignature::Sr25519(signature),
		extension,
	))
}
