//! The order book's invariants against storage: run by `try_state` (try-runtime), by the
//! pallet's tests after every operation and by the runtime fuzzer after every extrinsic.
//!
//! - Book: every order is stored under its own market, side, price and id, in a market that
//!   exists, with something left to fill; no book is crossed; every market records its best
//!   prices and they are the first orders of its sides.
//! - Indexes: every resting order is in its owner's `Accounts` record and every order there
//!   names where an order of that owner rests; no empty record is stored; every good-til-block order has exactly its
//!   `Expiries` key, naming where it rests, and every key names such an order, none behind the
//!   expiry cursor.
//! - Counters: `OrderCounters` counts the resting orders; no order or market id is at or past
//!   the next id; every token a market trades is in `ListedAssets`.
//! - Ledger: every locked amount is exactly its owner's resting spot orders' escrow, an empty
//!   entry is stored only while an order of its account rests, every resting spot order's
//!   account has entries of both tokens of its market, no token has two entries in one
//!   account, and the vault holds at least what the ledger owes of every token.
use crate::*;
use alloc::collections::{BTreeMap, BTreeSet};
use bourse_primitives::orderbook::{quote_amount, AssetKind, MarketKind, OrderId, Side};
use sp_runtime::TryRuntimeError;

impl<T: Config> Pallet<T> {
	/// Checks every invariant of the order book; the first violation found is the error.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		Self::check_counters()?;
		Self::check_book()?;
		Self::check_account_orders()?;
		Self::check_expiries()?;
		Self::check_escrow()
	}

	fn check_counters() -> Result<(), TryRuntimeError> {
		let counters = OrderCounters::<T>::get();
		let next_order = counters.next_id;
		let mut count = 0u64;
		for order in Orders::<T>::iter_values() {
			ensure_that(order.id < next_order, "a resting order's id is not below the next id")?;
			count += 1;
		}
		ensure_that(counters.open == count, "the open count differs from the resting orders")?;
		let next_market = NextMarketId::<T>::get();
		for (id, record) in Markets::<T>::iter() {
			ensure_that(id < next_market, "a market's id is not below NextMarketId")?;
			for asset in Self::deposited_assets(&record.market) {
				ensure_that(
					ListedAssets::<T>::contains_key(asset),
					"a market's token is not listed for the ledger",
				)?;
			}
		}
		Ok(())
	}

	/// Checks every stored order's key and the recorded best prices.
	fn check_book() -> Result<(), TryRuntimeError> {
		for ((market, side), key, order) in Orders::<T>::iter() {
			ensure_that(
				(order.market, order.side) == (market, side)
					&& key == store::book_key(side, order.price, order.id),
				"an order is stored under another market, side, price or id",
			)?;
			ensure_that(order.remaining() > 0, "a filled order still rests")?;
			ensure_that(Markets::<T>::contains_key(market), "a resting order has no market")?;
		}
		for (market, record) in Markets::<T>::iter() {
			ensure_that(
				record.top.is_sound_for::<T>(market),
				"a market's recorded fronts are not a prefix of its book",
			)?;
			let top = &record.top;
			if let (Some(bid), Some(ask)) = (top.of(Side::Buy), top.of(Side::Sell)) {
				ensure_that(bid < ask, "a book is crossed")?;
			}
		}
		Ok(())
	}

	fn check_account_orders() -> Result<(), TryRuntimeError> {
		use crate::engine::BookStore;
		let book = store::StorageBook::<T>::default();
		let mut indexed = BTreeSet::<OrderId>::new();
		for (who, account) in Accounts::<T>::iter() {
			ensure_that(!account.is_empty(), "an empty trading account is stored")?;
			for at in account.refs() {
				let order = book.order(&at).ok_or("an account's index names no resting order")?;
				ensure_that(order.owner == who, "an account's index names another's order")?;
				ensure_that(indexed.insert(at.id), "an order is indexed twice")?;
			}
		}
		ensure_that(
			Orders::<T>::iter_values().all(|o| indexed.contains(&o.id)),
			"a resting order is missing from its owner's index",
		)
	}

	fn check_expiries() -> Result<(), TryRuntimeError> {
		use crate::engine::BookStore;
		let book = store::StorageBook::<T>::default();
		let cursor = ExpiryCursor::<T>::get();
		let mut keyed = 0usize;
		for (block, id, at) in Expiries::<T>::iter() {
			ensure_that(block >= cursor, "an expiry key lies behind the expiry cursor")?;
			ensure_that(at.id == id, "an expiry key names another order")?;
			let order = book.order(&at).ok_or("an expiry key names no resting order")?;
			ensure_that(
				order.expires_at == Some(block),
				"an expiry key's block is not the order's",
			)?;
			keyed += 1;
		}
		let expiring = Orders::<T>::iter_values().filter(|o| o.expires_at.is_some()).count();
		ensure_that(keyed == expiring, "a good-til-block order has no expiry key")
	}

	/// Every locked ledger amount is exactly the escrow of its owner's resting spot orders,
	/// and the vault holds at least what the ledger owes of every token.
	fn check_escrow() -> Result<(), TryRuntimeError> {
		let mut escrow: BTreeMap<(T::AccountId, AssetKind), u128> = BTreeMap::new();
		for order in Orders::<T>::iter_values() {
			let market =
				Pallet::<T>::market(order.market).ok_or("a resting order has no market")?;
			if market.kind != MarketKind::Spot {
				continue;
			}
			let (asset, amount) = match order.side {
				Side::Sell => (market.base, order.remaining()),
				Side::Buy => (
					market.quote,
					quote_amount(order.price, order.remaining()).ok_or("escrow overflows")?,
				),
			};
			let sum = escrow.entry((order.owner.clone(), asset)).or_default();
			*sum = sum.checked_add(amount).ok_or("escrow overflows")?;
		}
		let mut assets = BTreeSet::new();
		for (who, account) in Accounts::<T>::iter() {
			let mut own = BTreeSet::new();
			for (asset, balance) in account.balances.iter() {
				assets.insert(*asset);
				ensure_that(own.insert(*asset), "an account has two entries of one token")?;
				ensure_that(
					!balance.is_empty() || !account.orders.is_empty(),
					"an empty ledger entry is stored while no order of its account rests",
				)?;
				ensure_that(
					escrow.remove(&(who.clone(), *asset)).unwrap_or(0) == balance.locked,
					"a locked ledger amount differs from its resting orders' escrow",
				)?;
			}
			for at in account.refs() {
				let market =
					Pallet::<T>::market(at.market).ok_or("a resting order has no market")?;
				if market.kind == MarketKind::Spot {
					ensure_that(
						own.contains(&market.base) && own.contains(&market.quote),
						"a resting spot order's account has no entry of one of its tokens",
					)?;
				}
			}
		}
		ensure_that(
			escrow.values().all(|locked| *locked == 0),
			"a resting order's escrow is not locked in the ledger",
		)?;
		assets.extend(FeeBalances::<T>::iter_keys());
		for asset in assets {
			Self::check_ledger(asset, 0)?;
		}
		Ok(())
	}
}

/// `Err(message)` unless `condition` holds.
pub fn ensure_that(condition: bool, message: &'static str) -> Result<(), TryRuntimeError> {
	if condition {
		Ok(())
	} else {
		Err(message.into())
	}
}
