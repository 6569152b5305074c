//! The oracle feeder. A validator started with `--oracle-feed <source>` reads prices from the
//! source (see [`crate::oracle_source`]) every `--oracle-feed-every` new best blocks and submits
//! them as a pallet-oracle `feed_values` transaction signed with its checkpoint key (`ckpt`,
//! ed25519, in the session keys): the oracle's operators are the checkpoint validators, each by
//! the account of that key, and their feeds pay no fee. The runtime takes the median of the
//! operators' fresh observations as each perp market's index (pallet-perp's pricing).
//!
//! The operator account is the validator's own, never the account it trades or governs with
//! (its Aura key's): a feed signed by a trader's account took that account's nonces, so the
//! trader's own transactions collided with the feeds in the pool. The nonce counts the
//! operator's transactions already in the pool, so a feed never replaces one not yet included.
use std::sync::Arc;

use bourse_primitives::{checkpoint::KEY_TYPE as CHECKPOINT_KEY, runtime_api::CheckpointApi};
use bourse_runtime::{opaque::Block, AccountId, RuntimeCall, UncheckedExtrinsic};
use futures::StreamExt;
use sc_client_api::BlockchainEvents;
use sc_transaction_pool_api::InPoolTransaction;
use sc_transaction_pool_api::{TransactionPool, TransactionSource};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{ed25519, Encode};
use sp_keystore::KeystorePtr;
use sp_runtime::{traits::Header as _, MultiSignature};
use substrate_prometheus_endpoint::{register, CounterVec, Opts, PrometheusError, Registry, U64};

use crate::{client::FullClient, oracle_source::PriceSource};

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
		let result = match observation(&client, &pool, &keystore, &params.source, block.hash) {
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
	pool: &Pool,
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
	Ok((sign(client, keystore, pool, operator, call, at)?, count))
}

/// The keystore's checkpoint key that is in the current validator set (an oracle operator).
fn operator_key(
	client: &FullClient,
	keystore: &KeystorePtr,
	at: <Block as sp_runtime::traits::Block>::Hash,
) -> Result<ed25519::Public, String> {
	let set = client
		.runtime_api()
		.validator_set(at)
		.map_err(|e| format!("reading the checkpoint validators: {e}"))?;
	keystore
		.ed25519_public_keys(CHECKPOINT_KEY)
		.into_iter()
		.find(|key| {
			set.validators.iter().any(|v| AsRef::<[u8]>::as_ref(v) == AsRef::<[u8]>::as_ref(key))
		})
		.ok_or_else(|| "no checkpoint key of a current validator in the keystore".to_string())
}

/// `on_chain`, moved past the operator's transactions that are ready in the pool (as
/// `system_accountNextIndex` does): each provides the tag `(account, nonce)`.
pub(crate) fn next_nonce(
	ready: impl Iterator<Item = Vec<Vec<u8>>>,
	account: &AccountId,
	on_chain: u32,
) -> u32 {
	let provided: std::collections::BTreeSet<Vec<u8>> = ready.flatten().collect();
	let mut nonce = on_chain;
	while provided.contains(&(account, nonce).encode()) {
		nonce += 1;
	}
	nonce
}

/// Signs `call` by `operator` with the keystore, valid from `at`'s state (immortal: the nonce
/// makes it single-use).
fn sign(
	client: &FullClient,
	keystore: &KeystorePtr,
	pool: &Pool,
	operator: ed25519::Public,
	call: RuntimeCall,
	at: <Block as sp_runtime::traits::Block>::Hash,
) -> Result<UncheckedExtrinsic, String> {
	use frame_system_rpc_runtime_api::AccountNonceApi;
	use sp_api::Core;
	let account = AccountId::from(operator);
	let api = client.runtime_api();
	let on_chain = api
		.account_nonce(at, account.clone())
		.map_err(|e| format!("reading the operator's nonce: {e}"))?;
	let nonce = next_nonce(pool.ready().map(|tx| tx.provides().to_vec()), &account, on_chain);
	let version = api.version(at).map_err(|e| format!("reading the runtime version: {e}"))?;
	let genesis = client.info().genesis_hash;
	let extension = bourse_runtime::tx_extension(nonce);
	let implicit =
		((), version.spec_version, version.transaction_version, genesis, genesis, (), (), ());
	let payload =
		bourse_runtime::SignedPayload::from_raw(call.clone(), extension.clone(), implicit);
	let signature = payload
		.using_encoded(|bytes| keystore.ed25519_sign(CHECKPOINT_KEY, &operator, bytes))
		.map_err(|e| format!("signing: {e}"))?
		.ok_or("the operator key left the keystore")?;
	Ok(UncheckedExtrinsic::new_signed(
		call,
		account.into(),
		MultiSignature::Ed25519(signature),
		extension,
	))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_nonce_skips_the_operators_ready_transactions_only() {
		let operator = AccountId::from([1u8; 32]);
		let trader = AccountId::from([2u8; 32]);
		let tag = |who: &AccountId, nonce: u32| (who, nonce).encode();
		// Nothing pending: the chain's nonce.
		assert_eq!(next_nonce(std::iter::empty(), &operator, 7), 7);
		// Two of the operator's feeds wait (7 and 8), one of a trader's with the same nonce.
		let ready = vec![vec![tag(&operator, 7)], vec![tag(&trader, 9)], vec![tag(&operator, 8)]];
		assert_eq!(next_nonce(ready.clone().into_iter(), &operator, 7), 9);
		assert_eq!(next_nonce(ready.into_iter(), &trader, 9), 10);
		// A gap (nonce 9 missing) is not skipped: 10 would never become ready.
		let gapped = vec![vec![tag(&operator, 7)], vec![tag(&operator, 10)]];
		assert_eq!(next_nonce(gapped.into_iter(), &operator, 7), 8);
	}
}
