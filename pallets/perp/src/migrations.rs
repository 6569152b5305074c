//! Storage migrations of pallet-perp. The runtime lists them in its `Migrations` tuple.
use crate::*;

/// v1 -> v2: margin modes arrived, with isolated margin as the default.
pub mod v2 {
	use super::*;
	use bourse_primitives::perp::MarginMode;
	use frame_support::{
		migrations::VersionedMigration,
		traits::{Get, UncheckedOnRuntimeUpgrade},
		weights::Weight,
	};
	#[cfg(feature = "try-runtime")]
	use {
		alloc::vec::Vec,
		codec::{Decode, Encode},
		sp_runtime::TryRuntimeError,
	};

	/// Under v1 every account was margined cross. Accounts that already hold positions or perp
	/// orders keep cross margin, so their positions stay backed by their whole collateral
	/// (under the new default they would have no margin of their own). Reads every entry of
	/// `AccountMarkets` once: bounded by the number of trading accounts.
	pub struct InnerMigrateV1ToV2<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV1ToV2<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut accounts = 0u64;
			for who in AccountMarkets::<T>::iter_keys() {
				MarginModes::<T>::insert(&who, MarginMode::Cross);
				accounts += 1;
			}
			log::info!(target: "runtime::perp", "v2: {accounts} trading account(s) keep cross margin");
			T::DbWeight::get().reads_writes(accounts + 1, accounts)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, TryRuntimeError> {
			frame_support::ensure!(
				MarginModes::<T>::iter_keys().next().is_none(),
				"v1 has no margin modes"
			);
			Ok((AccountMarkets::<T>::iter_keys().count() as u64).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), TryRuntimeError> {
			let accounts = u64::decode(&mut &state[..]).map_err(|_| "bad pre_upgrade state")?;
			frame_support::ensure!(
				MarginModes::<T>::iter_keys().count() as u64 == accounts,
				"one margin mode per trading account"
			);
			frame_support::ensure!(
				AccountMarkets::<T>::iter_keys()
					.all(|who| MarginModes::<T>::get(&who) == MarginMode::Cross),
				"every trading account is cross"
			);
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
