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

/// v2 -> v3: one vault. Perp collateral moves from pallet-perp's own vault (derived from its
/// `PalletId`) into the order book's vault, which holds the trading ledger too, and the perp
/// fees that accrued as collateral of the order book's old fee account (`OldFeeAccount`) become
/// the order book's collateral-token fee entry, withdrawable by its `FeeOrigin`. Constant work:
/// one transfer and two entries.
pub mod v3 {
	use super::*;
	use frame_support::{
		migrations::VersionedMigration,
		traits::{tokens::Preservation, Get, UncheckedOnRuntimeUpgrade},
		weights::Weight,
	};
	use sp_runtime::traits::AccountIdConversion;
	#[cfg(feature = "try-runtime")]
	use {
		alloc::vec::Vec,
		codec::{Decode, Encode},
		sp_runtime::TryRuntimeError,
	};

	/// The vault of storage versions 1 and 2.
	pub fn old_vault<T: Config>() -> T::AccountId {
		<T as Config>::PalletId::get().into_account_truncating()
	}

	/// Moves the old vault's collateral and the old fee account's perp fees.
	pub struct InnerMigrateV2ToV3<T, OldFeeAccount>(core::marker::PhantomData<(T, OldFeeAccount)>);

	impl<T: Config, OldFeeAccount: Get<T::AccountId>> UncheckedOnRuntimeUpgrade
		for InnerMigrateV2ToV3<T, OldFeeAccount>
	{
		fn on_runtime_upgrade() -> Weight {
			let asset = T::CollateralAsset::get();
			let old = old_vault::<T>();
			let held = pallet_orderbook::Pallet::<T>::wallet_balance(asset, &old);
			let moved = pallet_orderbook::Pallet::<T>::transfer_token(
				asset,
				&old,
				&Pallet::<T>::vault(),
				held,
				Preservation::Expendable,
			);
			if let Err(e) = moved {
				log::error!(target: "runtime::perp", "v3: the old vault's {held} not moved: {e:?}");
			}
			let fees = Collateral::<T>::take(OldFeeAccount::get()).max(0).unsigned_abs();
			if let Err(e) = pallet_orderbook::Pallet::<T>::credit_fee(asset, fees) {
				log::error!(target: "runtime::perp", "v3: perp fees {fees} not booked: {e:?}");
			}
			log::info!(target: "runtime::perp", "v3: vault {held} and fees {fees} moved");
			T::DbWeight::get().reads_writes(8, 8)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, TryRuntimeError> {
			let asset = T::CollateralAsset::get();
			let vault = pallet_orderbook::Pallet::<T>::wallet_balance(asset, &Pallet::<T>::vault());
			let old = pallet_orderbook::Pallet::<T>::wallet_balance(asset, &old_vault::<T>());
			Ok((vault.saturating_add(old)).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), TryRuntimeError> {
			let total = u128::decode(&mut &state[..]).map_err(|_| "bad pre_upgrade state")?;
			let asset = T::CollateralAsset::get();
			let vault = pallet_orderbook::Pallet::<T>::wallet_balance(asset, &Pallet::<T>::vault());
			frame_support::ensure!(vault == total, "the old vault's collateral is in the vault");
			frame_support::ensure!(
				Collateral::<T>::get(OldFeeAccount::get()) == 0,
				"perp fees left the old fee account"
			);
			Ok(())
		}
	}

	/// [`InnerMigrateV2ToV3`], run only when the on-chain storage version is 2; sets it to 3.
	pub type MigrateV2ToV3<T, OldFeeAccount> = VersionedMigration<
		2,
		3,
		InnerMigrateV2ToV3<T, OldFeeAccount>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// v3 -> v4: the deleveraging index. Every open position gets its entry in
/// [`PositionHolders`] under its market and side. Reads every position once: bounded by the
/// number of positions.
pub mod v4 {
	use super::*;
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

	/// Indexes every open position.
	pub struct InnerMigrateV3ToV4<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV3ToV4<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut positions = 0u64;
			for (who, market, position) in Positions::<T>::iter() {
				if position.size != 0 {
					PositionHolders::<T>::insert((market, position.size > 0), &who, ());
				}
				positions += 1;
			}
			log::info!(target: "runtime::perp", "v4: {positions} position(s) indexed");
			T::DbWeight::get().reads_writes(positions, positions)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, TryRuntimeError> {
			frame_support::ensure!(
				PositionHolders::<T>::iter_keys().next().is_none(),
				"v3 has no deleveraging index"
			);
			Ok((Positions::<T>::iter_values().filter(|p| p.size != 0).count() as u64).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), TryRuntimeError> {
			let open = u64::decode(&mut &state[..]).map_err(|_| "bad pre_upgrade state")?;
			frame_support::ensure!(
				PositionHolders::<T>::iter_keys().count() as u64 == open,
				"one index entry per open position"
			);
			frame_support::ensure!(
				Positions::<T>::iter().all(|(who, market, p)| {
					PositionHolders::<T>::contains_key((market, p.size > 0), &who)
				}),
				"every position indexed on its side"
			);
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
