//! Storage migrations of pallet-orderbook. The runtime lists them in its `Migrations` tuple.
use crate::*;

/// v1 -> v2: orders remember whether they were placed post-only (`Order::post_only`), so a
/// replace keeps a post-only order post-only.
pub mod v2 {
	use super::*;
	use bourse_primitives::orderbook::{
		MarketId, Order, OrderId, Price, Quantity, SelfTradePrevention, Side,
	};
	use codec::{Decode, Encode};
	use frame_support::{
		migrations::VersionedMigration,
		traits::{Get, UncheckedOnRuntimeUpgrade},
		weights::Weight,
	};
	#[cfg(feature = "try-runtime")]
	use {alloc::vec::Vec, sp_runtime::TryRuntimeError};

	/// An order as stored under v1 (no `post_only`).
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
	pub struct OrderV1<AccountId> {
		pub id: OrderId,
		pub market: MarketId,
		pub owner: AccountId,
		pub side: Side,
		pub price: Price,
		pub quantity: Quantity,
		pub filled: Quantity,
		pub placed_at: u32,
		pub expires_at: Option<u32>,
		pub client_id: Option<u64>,
		pub self_trade: SelfTradePrevention,
		pub prev: Option<OrderId>,
		pub next: Option<OrderId>,
	}

	impl<AccountId> OrderV1<AccountId> {
		/// The v2 order. v1 kept no time in force, so existing orders become plain
		/// good-til-cancelled ones (what a v1 replace made of them anyway).
		pub fn upgrade(self) -> Order<AccountId> {
			Order {
				id: self.id,
				market: self.market,
				owner: self.owner,
				side: self.side,
				price: self.price,
				quantity: self.quantity,
				filled: self.filled,
				placed_at: self.placed_at,
				expires_at: self.expires_at,
				client_id: self.client_id,
				self_trade: self.self_trade,
				post_only: false,
				prev: self.prev,
				next: self.next,
			}
		}
	}

	/// Rewrites every resting order in the v2 layout. One read and one write per resting order:
	/// bounded by the open orders, which the order book's own limits bound.
	pub struct InnerMigrateV1ToV2<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV1ToV2<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut orders = 0u64;
			Orders::<T>::translate::<OrderV1<T::AccountId>, _>(|_, old| {
				orders += 1;
				Some(old.upgrade())
			});
			log::info!(target: "runtime::orderbook", "v2: {orders} resting order(s) migrated");
			T::DbWeight::get().reads_writes(orders, orders)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, TryRuntimeError> {
			let orders = Orders::<T>::iter_keys().count() as u64;
			frame_support::ensure!(orders == OpenOrders::<T>::get(), "open order count is exact");
			Ok(orders.encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), TryRuntimeError> {
			let orders = u64::decode(&mut &state[..]).map_err(|_| "bad pre_upgrade state")?;
			// `iter` decodes every value: any order left in the v1 layout fails here.
			let decoded = Orders::<T>::iter().filter(|(id, o)| o.id == *id && !o.post_only).count();
			frame_support::ensure!(decoded as u64 == orders, "every order decodes as v2");
			frame_support::ensure!(OpenOrders::<T>::get() == orders, "open order count unchanged");
			Ok(())
		}
	}

	/// [`InnerMigrateV1ToV2`], run only when the on-chain storage version is 1; sets it to 2.
	pub type MigrateV1ToV2<T> = VersionedMigration<
		1,
		2,
		InnerMigrateV1ToV2<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// v2 -> v3: the trading ledger replaces per-order holds. Each resting spot order's escrow was
/// held (`HoldReason::OrderEscrow`) in its owner's wallet; it is released, moved into the
/// vault and recorded as the owner's locked ledger amount, so every resting order stays on the
/// book with the same backing. One hold release and one transfer per (owner, token) with
/// resting spot orders, and a read of every resting order: bounded by the open orders.
///
/// Also: each block's expiry list becomes one `Expiries` key per order (ids of orders that
/// left the book are dropped).
pub mod v3 {
	use super::*;
	use alloc::collections::BTreeMap;
	use bourse_primitives::orderbook::{quote_amount, AssetKind, MarketKind, OrderId, Side};
	use frame_support::{
		migrations::VersionedMigration,
		traits::{
			fungible::MutateHold as FungibleHold,
			fungibles::MutateHold as FungiblesHold,
			tokens::{Precision, Preservation},
			Get, UncheckedOnRuntimeUpgrade,
		},
		weights::Weight,
	};
	#[cfg(feature = "try-runtime")]
	use {alloc::vec::Vec, sp_runtime::TryRuntimeError};

	/// The escrow of every resting spot order, summed per (owner, token).
	pub fn escrows<T: Config>() -> BTreeMap<(T::AccountId, AssetKind), u128> {
		let mut escrow = BTreeMap::new();
		for (_, order) in Orders::<T>::iter() {
			let Some(market) = Markets::<T>::get(order.market) else { continue };
			if market.kind != MarketKind::Spot {
				continue;
			}
			let (asset, amount) = match order.side {
				Side::Sell => (market.base, order.remaining()),
				Side::Buy => {
					(market.quote, quote_amount(order.price, order.remaining()).unwrap_or(0))
				},
			};
			let sum: &mut u128 = escrow.entry((order.owner, asset)).or_default();
			*sum = sum.saturating_add(amount);
		}
		escrow
	}

	/// Releases `amount` of `who`'s order-escrow hold of `asset`; returns what was released.
	fn release_hold<T: Config>(who: &T::AccountId, asset: AssetKind, amount: u128) -> u128 {
		let reason: T::RuntimeHoldReason = HoldReason::OrderEscrow.into();
		let released = match asset {
			AssetKind::Native => <T::Currency as FungibleHold<_>>::release(
				&reason,
				who,
				amount,
				Precision::BestEffort,
			),
			AssetKind::Asset(id) => <T::AssetHolds as FungiblesHold<_>>::release(
				id,
				&reason,
				who,
				amount,
				Precision::BestEffort,
			),
		};
		released.unwrap_or(0)
	}

	/// v2's expiry lists: per block, ids of orders that may still rest.
	#[frame_support::storage_alias]
	pub type OldExpiries<T: Config> = StorageMap<
		Pallet<T>,
		frame_support::Twox64Concat,
		u32,
		alloc::vec::Vec<OrderId>,
		frame_support::pallet_prelude::ValueQuery,
	>;

	/// Rewrites v2's expiry lists as one key per resting order; returns the keys read.
	fn migrate_expiries<T: Config>() -> u64 {
		let lists: alloc::vec::Vec<(u32, alloc::vec::Vec<OrderId>)> =
			OldExpiries::<T>::drain().collect();
		let mut read = lists.len() as u64;
		for (block, ids) in lists {
			for id in ids {
				read += 1;
				if Orders::<T>::get(id).is_some_and(|o| o.expires_at == Some(block)) {
					Expiries::<T>::insert(block, id, ());
				}
			}
		}
		read
	}

	/// Moves each owner's held escrow into the vault as locked ledger balance.
	pub struct InnerMigrateV2ToV3<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV2ToV3<T> {
		fn on_runtime_upgrade() -> Weight {
			let expiries = migrate_expiries::<T>();
			let orders = Orders::<T>::iter_keys().count() as u64 + expiries;
			let escrow = escrows::<T>();
			let entries = escrow.len() as u64;
			let vault = Pallet::<T>::vault();
			let mut short = 0u32;
			for ((who, asset), amount) in escrow {
				let released = release_hold::<T>(&who, asset, amount);
				// The owner's account may end with the move: the tokens were escrowed already.
				let moved = Pallet::<T>::transfer_token(
					asset,
					&who,
					&vault,
					released,
					Preservation::Expendable,
				)
				.map(|()| released)
				.unwrap_or(0);
				if moved != amount {
					short += 1;
				}
				Ledger::<T>::mutate(&who, asset, |entry| {
					let entry = entry.get_or_insert_with(Default::default);
					entry.locked = entry.locked.saturating_add(moved);
				});
			}
			if short > 0 {
				// Cannot happen while holds matched orders (v2's invariant); said loudly if so.
				log::error!(
					target: "runtime::orderbook",
					"v3: {short} escrow(s) not fully held; their orders are under-locked"
				);
			}
			log::info!(
				target: "runtime::orderbook",
				"v3: escrow of {orders} resting order(s) moved into the ledger ({entries} entries)"
			);
			// Per entry: a hold release and a transfer (about 4 reads and writes each side) and
			// the ledger write; per order one read.
			T::DbWeight::get().reads_writes(orders + 9 * entries, 9 * entries)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, TryRuntimeError> {
			use codec::Encode;
			let escrow: Vec<_> = escrows::<T>().into_iter().collect();
			Ok(escrow.encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), TryRuntimeError> {
			use codec::Decode;
			let escrow: Vec<((T::AccountId, AssetKind), u128)> =
				Decode::decode(&mut &state[..]).map_err(|_| "bad pre_upgrade state")?;
			for ((who, asset), amount) in escrow {
				frame_support::ensure!(
					Pallet::<T>::trading_balance(&who, asset).locked == amount,
					"every escrow is locked in the ledger"
				);
			}
			Pallet::<T>::do_try_state()
		}
	}

	/// [`InnerMigrateV2ToV3`], run only when the on-chain storage version is 2; sets it to 3.
	pub type MigrateV2ToV3<T> = VersionedMigration<
		2,
		3,
		InnerMigrateV2ToV3<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// v3 -> v4: fill histories leave chain state. `Fills`, `AccountFills`, `OrderFills` and
/// `OldestFill` are deleted (the `Filled` events remain, and the node's fill index serves the
/// history); `NextFillId` stays, so fill ids keep counting. Bounded by the retained fills
/// (`FillRetention`, 100,000 in the runtime) and the accounts and orders that had fills.
pub mod v4 {
	use super::*;
	use frame_support::{
		migrations::VersionedMigration,
		storage::{storage_prefix, unhashed},
		traits::{Get, PalletInfoAccess, UncheckedOnRuntimeUpgrade},
		weights::Weight,
	};
	#[cfg(feature = "try-runtime")]
	use {alloc::vec::Vec, sp_runtime::TryRuntimeError};

	/// The storage items of v3 that v4 removes.
	pub const REMOVED: [&[u8]; 4] = [b"Fills", b"AccountFills", b"OrderFills", b"OldestFill"];

	/// Whether any key of a removed item is left.
	pub fn any_left<T: Config>() -> bool {
		let pallet = <Pallet<T> as PalletInfoAccess>::name().as_bytes();
		REMOVED.iter().any(|item| {
			let prefix = storage_prefix(pallet, item);
			sp_io::storage::next_key(&prefix).is_some_and(|k| k.starts_with(&prefix))
		})
	}

	/// Deletes the v3 fill histories.
	pub struct InnerMigrateV3ToV4<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV3ToV4<T> {
		fn on_runtime_upgrade() -> Weight {
			let pallet = <Pallet<T> as PalletInfoAccess>::name().as_bytes();
			let mut removed = 0u64;
			for item in REMOVED {
				let result = unhashed::clear_prefix(&storage_prefix(pallet, item), None, None);
				removed = removed.saturating_add(result.unique.into());
			}
			log::info!(target: "runtime::orderbook", "v4: {removed} fill history key(s) removed");
			T::DbWeight::get().reads_writes(removed, removed)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, TryRuntimeError> {
			Ok(Vec::new())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(_: Vec<u8>) -> Result<(), TryRuntimeError> {
			frame_support::ensure!(!any_left::<T>(), "no fill history key is left");
			Pallet::<T>::do_try_state()
		}
	}

	/// [`InnerMigrateV3ToV4`], run only when the on-chain storage version is 3; sets it to 4.
	pub type MigrateV3ToV4<T> = VersionedMigration<
		3,
		4,
		InnerMigrateV3ToV4<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
