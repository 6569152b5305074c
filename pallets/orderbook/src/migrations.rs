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
