//! Storage migrations of pallet-orderbook. The runtime lists them in its `Migrations` tuple.
//!
//! Migrations to v2 and v3 were removed with v5, whose book layout they predate: a chain below
//! v4 upgrades through an earlier runtime first.
use crate::*;

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
			// (The book is checked after v5: this code reads the v5 layout.)
			frame_support::ensure!(!any_left::<T>(), "no fill history key is left");
			Ok(())
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

/// v4 -> v5: orders keyed in book order, one order index per account.
///
/// v4 kept orders by id, linked in a list per price level (`prev`/`next`, the level's `tail`),
/// indexed per (account, market), with valueless expiry keys. v5 keeps each order under
/// (market, side) and its price and id in book order, levels without a tail, one index of
/// order places per account (`MaxOrdersPerAccount` now bounds an account over all markets) and
/// the order's place in its expiry key. Every resting order is re-queued oldest first, so time
/// priority is kept; an order whose owner's index is full (an account that had more orders
/// over all markets than the bound) is cancelled with its escrow released (`NoRoom`). One
/// read and a few writes per resting order, bounded by the open orders.
pub mod v5 {
	use super::*;
	use crate::engine::OrderRef;
	use alloc::vec::Vec;
	use bourse_primitives::orderbook::{
		MarketId, Order, OrderId, Price, Quantity, SelfTradePrevention, Side,
	};
	use codec::{Decode, Encode};
	use frame_support::{
		migrations::VersionedMigration,
		pallet_prelude::{OptionQuery, ValueQuery},
		traits::{Get, UncheckedOnRuntimeUpgrade},
		weights::Weight,
		Blake2_128Concat, Identity, Twox64Concat,
	};
	#[cfg(feature = "try-runtime")]
	use sp_runtime::TryRuntimeError;

	/// An order as stored under v4 (linked to its level neighbours).
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
	pub struct OrderV4<AccountId> {
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
		pub post_only: bool,
		pub prev: Option<OrderId>,
		pub next: Option<OrderId>,
	}

	impl<AccountId> OrderV4<AccountId> {
		/// The v5 order (the same fields but the links).
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
				post_only: self.post_only,
			}
		}
	}

	/// A v4 price level.
	#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug)]
	pub struct LevelV4 {
		pub head: OrderId,
		pub tail: OrderId,
		pub quantity: Quantity,
		pub orders: u32,
	}

	/// v4's storage items (aliases under the same names as the v5 items that replace them).
	pub mod old {
		use super::*;

		/// v4's orders by id.
		#[frame_support::storage_alias]
		pub type Orders<T: Config> = StorageMap<
			Pallet<T>,
			Twox64Concat,
			OrderId,
			OrderV4<<T as frame_system::Config>::AccountId>,
			OptionQuery,
		>;

		/// v4's price levels.
		#[frame_support::storage_alias]
		pub type Levels<T: Config> = StorageDoubleMap<
			Pallet<T>,
			Twox64Concat,
			(MarketId, Side),
			Identity,
			store::LevelKey,
			LevelV4,
			OptionQuery,
		>;

		/// v4's order ids per (account, market).
		#[frame_support::storage_alias]
		pub type AccountOrders<T: Config> = StorageDoubleMap<
			Pallet<T>,
			Blake2_128Concat,
			<T as frame_system::Config>::AccountId,
			Twox64Concat,
			MarketId,
			Vec<OrderId>,
			ValueQuery,
		>;

		/// v4's expiry keys (no value).
		#[frame_support::storage_alias]
		pub type Expiries<T: Config> =
			StorageDoubleMap<Pallet<T>, Twox64Concat, u32, Twox64Concat, OrderId, (), OptionQuery>;
	}

	/// Re-queues every resting order in the v5 layout.
	pub struct InnerMigrateV4ToV5<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV4ToV5<T> {
		fn on_runtime_upgrade() -> Weight {
			// Everything of the old layout is read out first: the new items share its prefixes.
			let mut orders: Vec<Order<T::AccountId>> =
				old::Orders::<T>::drain().map(|(_, o)| o.upgrade()).collect();
			orders.sort_by_key(|o| o.id);
			let levels = old::Levels::<T>::drain().count() as u64;
			let indexes = old::AccountOrders::<T>::drain().count() as u64;
			let expiries = old::Expiries::<T>::drain().count() as u64;
			let markets: Vec<MarketId> = Markets::<T>::iter_keys().collect();
			for market in &markets {
				Pallet::<T>::note_empty_book(*market);
			}
			let mut book = store::StorageBook::<T>::default();
			let (mut kept, mut cancelled) = (0u64, 0u64);
			for order in orders {
				let place = OrderRef::of(&order);
				let indexed = AccountOrders::<T>::try_append(&order.owner, place).is_ok();
				if indexed
					&& engine::insert(&mut book, order.clone(), T::MaxOrdersPerLevel::get()).is_ok()
				{
					if let Some(last) = order.expires_at {
						Expiries::<T>::insert(last, order.id, place);
					}
					kept += 1;
					continue;
				}
				if indexed {
					AccountOrders::<T>::mutate_exists(&order.owner, |refs| {
						if let Some(list) = refs {
							list.retain(|r| r.id != order.id);
							if list.is_empty() {
								*refs = None;
							}
						}
					});
				}
				cancelled += 1;
				if let Err(e) = Pallet::<T>::release_resting_escrow(&order) {
					log::error!(
						target: "runtime::orderbook",
						"v5: releasing the escrow of order {} failed: {e:?}", order.id
					);
				}
				Pallet::<T>::deposit_event(Event::OrderCancelled {
					order_id: order.id,
					owner: order.owner.clone(),
					remaining: order.remaining(),
					reason: CancelReason::NoRoom,
				});
			}
			OpenOrders::<T>::put(kept);
			log::info!(
				target: "runtime::orderbook",
				"v5: {kept} resting order(s) re-queued in book order, {cancelled} cancelled"
			);
			let touched = kept + cancelled;
			T::DbWeight::get().reads_writes(
				touched * 4 + levels + indexes + expiries + 2 * markets.len() as u64,
				touched * 6 + levels + indexes + expiries + 2 * markets.len() as u64,
			)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, TryRuntimeError> {
			let orders = old::Orders::<T>::iter_keys().count() as u64;
			frame_support::ensure!(orders == OpenOrders::<T>::get(), "open order count is exact");
			Ok(orders.encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), TryRuntimeError> {
			let before = u64::decode(&mut &state[..]).map_err(|_| "bad pre_upgrade state")?;
			let after = Orders::<T>::iter_values().count() as u64;
			frame_support::ensure!(after <= before, "no order appeared");
			frame_support::ensure!(OpenOrders::<T>::get() == after, "open order count is exact");
			use crate::engine::BookStore;
			let book = store::StorageBook::<T>::default();
			for (_, refs) in AccountOrders::<T>::iter() {
				for at in refs {
					frame_support::ensure!(book.order(&at).is_some(), "every index entry rests");
				}
			}
			Pallet::<T>::do_try_state()
		}
	}

	/// [`InnerMigrateV4ToV5`], run only when the on-chain storage version is 4; sets it to 5.
	pub type MigrateV4ToV5<T> = VersionedMigration<
		4,
		5,
		InnerMigrateV4ToV5<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
