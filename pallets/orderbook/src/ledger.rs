//! The trading ledger.
//!
//! Traders deposit tokens once (`deposit`: one transfer into the [vault](Pallet::vault)) and
//! trade from the ledger entry the pallet keeps per (account, token): orders lock from its free
//! amount, fills move amounts between entries, fees accrue to one entry per token
//! ([`FeeBalances`]). No per-order hold and no per-fill token transfer exists: a fill writes
//! ledger entries only. Perp collateral (pallet-perp) sits in the same vault.
//!
//! Invariant ([`Pallet::check_ledger`], run by `try_state`): for every token, the vault holds at
//! least the sum of all ledger entries, fee entries and perp collateral (anyone may send the
//! vault tokens, and it keeps an existential deposit of its own so that withdrawals never reap
//! it and lose dust; both are the only surplus).
use crate::{Config, Error, Event, FeeBalances, Ledger, Pallet};
use bourse_primitives::orderbook::{AssetKind, TradingBalance};
use frame_support::{
	ensure,
	pallet_prelude::DispatchResult,
	traits::{
		fungible::{Inspect as _, Mutate as FungibleMutate},
		fungibles::{Inspect as _, Mutate as FungiblesMutate},
		tokens::Preservation,
		Get,
	},
};
use sp_runtime::{traits::AccountIdConversion, DispatchError};

impl<T: Config> Pallet<T> {
	/// The account that holds every token deposited with the order book (spot and perp).
	pub fn vault() -> T::AccountId {
		T::PalletId::get().into_account_truncating()
	}

	/// Moves tokens between two wallets (deposits and withdrawals only).
	pub fn transfer_token(
		asset: AssetKind,
		from: &T::AccountId,
		to: &T::AccountId,
		amount: u128,
		preservation: Preservation,
	) -> DispatchResult {
		if amount == 0 {
			return Ok(());
		}
		match asset {
			AssetKind::Native => {
				<T::Currency as FungibleMutate<_>>::transfer(from, to, amount, preservation)
			},
			AssetKind::Asset(id) => {
				<T::Assets as FungiblesMutate<_>>::transfer(id, from, to, amount, preservation)
			},
		}
		.map(|_| ())
	}

	/// Everything `who`'s wallet holds of `asset`.
	pub fn wallet_balance(asset: AssetKind, who: &T::AccountId) -> u128 {
		match asset {
			AssetKind::Native => T::Currency::total_balance(who),
			AssetKind::Asset(id) => T::Assets::total_balance(id, who),
		}
	}

	/// `who`'s ledger entry of `asset`.
	pub fn trading_balance(who: &T::AccountId, asset: AssetKind) -> TradingBalance {
		Ledger::<T>::get(who, asset).unwrap_or_default()
	}

	/// Every ledger entry of `who`.
	pub fn trading_balances(who: &T::AccountId) -> alloc::vec::Vec<(AssetKind, TradingBalance)> {
		Ledger::<T>::iter_prefix(who).collect()
	}

	/// Changes `who`'s entry of `asset` with `f`; an empty entry is removed. On an error nothing
	/// changes.
	fn mutate_entry(
		who: &T::AccountId,
		asset: AssetKind,
		f: impl FnOnce(&mut TradingBalance) -> Result<(), Error<T>>,
	) -> DispatchResult {
		Ledger::<T>::try_mutate_exists(who, asset, |entry| {
			let mut balance = entry.unwrap_or_default();
			f(&mut balance)?;
			*entry = (!balance.is_empty()).then_some(balance);
			Ok(())
		})
	}

	/// Adds `amount` to `who`'s free balance of `asset`.
	pub fn credit_free(who: &T::AccountId, asset: AssetKind, amount: u128) -> DispatchResult {
		if amount == 0 {
			return Ok(());
		}
		Self::mutate_entry(who, asset, |b| {
			b.free = b.free.checked_add(amount).ok_or(Error::<T>::Overflow)?;
			Ok(())
		})
	}

	/// Takes `amount` from `who`'s free balance of `asset` (it leaves the ledger).
	pub fn debit_free(who: &T::AccountId, asset: AssetKind, amount: u128) -> DispatchResult {
		if amount == 0 {
			return Ok(());
		}
		Self::mutate_entry(who, asset, |b| {
			b.free = b.free.checked_sub(amount).ok_or(Error::<T>::InsufficientBalance)?;
			Ok(())
		})
	}

	/// Locks `amount` of `who`'s free balance of `asset` for an order.
	pub fn lock(who: &T::AccountId, asset: AssetKind, amount: u128) -> DispatchResult {
		if amount == 0 {
			return Ok(());
		}
		Self::mutate_entry(who, asset, |b| {
			b.free = b.free.checked_sub(amount).ok_or(Error::<T>::InsufficientBalance)?;
			b.locked = b.locked.checked_add(amount).ok_or(Error::<T>::Overflow)?;
			Ok(())
		})
	}

	/// Takes `spent` out of `who`'s locked `asset` (it was paid away) and frees `unlocked`.
	pub fn settle_locked(
		who: &T::AccountId,
		asset: AssetKind,
		spent: u128,
		unlocked: u128,
	) -> DispatchResult {
		if spent == 0 && unlocked == 0 {
			return Ok(());
		}
		Self::mutate_entry(who, asset, |b| {
			let taken = spent.checked_add(unlocked).ok_or(Error::<T>::Overflow)?;
			b.locked = b.locked.checked_sub(taken).ok_or(Error::<T>::LedgerMismatch)?;
			b.free = b.free.checked_add(unlocked).ok_or(Error::<T>::Overflow)?;
			Ok(())
		})
	}

	/// Gives `amount` of locked `asset` back to `who`'s free balance.
	pub fn unlock(who: &T::AccountId, asset: AssetKind, amount: u128) -> DispatchResult {
		Self::settle_locked(who, asset, 0, amount)
	}

	/// Adds `amount` of `asset` to the collected fees.
	pub fn credit_fee(asset: AssetKind, amount: u128) -> DispatchResult {
		if amount == 0 {
			return Ok(());
		}
		FeeBalances::<T>::try_mutate(asset, |fees| {
			*fees = fees.checked_add(amount).ok_or(Error::<T>::Overflow)?;
			Ok(())
		})
	}

	/// `deposit`: moves `amount` of `asset` from `who`'s wallet into the vault, credited free.
	pub fn do_deposit(who: &T::AccountId, asset: AssetKind, amount: u128) -> DispatchResult {
		ensure!(amount > 0, Error::<T>::ZeroAmount);
		Self::credit_free(who, asset, amount)?;
		// Keep the wallet alive: a trader's account must not be reaped by its own deposit.
		Self::transfer_token(asset, who, &Self::vault(), amount, Preservation::Preserve)?;
		Self::note_ledger(who, asset);
		Self::deposit_event(Event::Deposited { who: who.clone(), asset, amount });
		Ok(())
	}

	/// `withdraw`: moves `amount` of `who`'s free `asset` from the vault to its wallet.
	pub fn do_withdraw(who: &T::AccountId, asset: AssetKind, amount: u128) -> DispatchResult {
		ensure!(amount > 0, Error::<T>::ZeroAmount);
		Self::debit_free(who, asset, amount)?;
		Self::pay_out(asset, who, amount)?;
		Self::note_ledger(who, asset);
		Self::deposit_event(Event::Withdrawn { who: who.clone(), asset, amount });
		Ok(())
	}

	/// `withdraw_fees`: pays `amount` of the collected `asset` fees to `to`.
	pub fn do_withdraw_fees(asset: AssetKind, amount: u128, to: &T::AccountId) -> DispatchResult {
		ensure!(amount > 0, Error::<T>::ZeroAmount);
		FeeBalances::<T>::try_mutate(asset, |fees| -> DispatchResult {
			*fees = fees.checked_sub(amount).ok_or(Error::<T>::InsufficientBalance)?;
			Ok(())
		})?;
		Self::pay_out(asset, to, amount)?;
		Self::note_state_change(&(b"fees-out", asset, amount));
		Self::deposit_event(Event::FeesWithdrawn { asset, amount, to: to.clone() });
		Ok(())
	}

	/// Sends `amount` of `asset` from the vault to `to`'s wallet. The vault is never reaped
	/// while it keeps anything (reaping would drop dust that other entries own); it may be
	/// emptied to zero, which owes nobody anything (a token whose vault account was never
	/// seeded: its last withdrawal is not stuck behind the minimum balance).
	pub fn pay_out(asset: AssetKind, to: &T::AccountId, amount: u128) -> DispatchResult {
		let vault = Self::vault();
		let preservation = if Self::wallet_balance(asset, &vault) == amount {
			Preservation::Expendable
		} else {
			Preservation::Preserve
		};
		Self::transfer_token(asset, &vault, to, amount, preservation)
			.map_err(|_| Error::<T>::VaultCannotPay.into())
	}

	/// Folds `who`'s entry of `asset` into the checkpoint digest.
	fn note_ledger(who: &T::AccountId, asset: AssetKind) {
		let balance = Self::trading_balance(who, asset);
		Self::note_state_change(&(b"ledger", who, asset, balance.free, balance.locked));
	}

	/// Folds a trading-state change into the checkpoint digest.
	pub(crate) fn note_state_change(change: &impl codec::Encode) {
		use bourse_primitives::checkpoint::OnTradingStateChange;
		T::OnStateChange::note_change(&change.encode());
	}

	/// Sum of every ledger entry (free and locked) of `asset`, plus its collected fees.
	pub fn ledger_total(asset: AssetKind) -> Option<u128> {
		Ledger::<T>::iter()
			.filter(|(_, a, _)| *a == asset)
			.try_fold(FeeBalances::<T>::get(asset), |sum, (_, _, b)| sum.checked_add(b.total()?))
	}

	/// The ledger invariant: the vault holds at least what the ledger, the fees and `extra` (what
	/// other pallets keep in the vault, e.g. perp collateral) say of `asset`.
	pub fn check_ledger(asset: AssetKind, extra: u128) -> Result<(), DispatchError> {
		let owed = Self::ledger_total(asset)
			.and_then(|t| t.checked_add(extra))
			.ok_or(DispatchError::Other("ledger total overflows"))?;
		let held = Self::wallet_balance(asset, &Self::vault());
		ensure!(held >= owed, DispatchError::Other("the vault holds less than the ledger owes"));
		Ok(())
	}
}
