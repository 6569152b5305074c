//! The trading ledger.
//!
//! Traders deposit tokens once (`deposit`: one transfer into the [vault](Pallet::vault)) and
//! trade from the ledger entries the pallet keeps per account and token: orders lock from the
//! free amount, fills move amounts between entries, fees accrue to one entry per token
//! ([`FeeBalances`]). No per-order hold and no per-fill token transfer exists. An account's
//! entries and its order index are one storage key ([`TradingAccount`] in [`Accounts`]), so a
//! fill writes the maker's order and the maker's record, nothing else of the maker. Perp
//! collateral (pallet-perp) sits in the same vault.
//!
//! Invariant ([`Pallet::check_ledger`], run by `try_state`): for every token, the vault holds at
//! least the sum of all ledger entries, fee entries and perp collateral (anyone may send the
//! vault tokens, and it keeps an existential deposit of its own so that withdrawals never reap
//! it and lose dust; both are the only surplus).
use crate::{engine::OrderRef, Accounts, Config, Error, Event, FeeBalances, Pallet};
use bourse_primitives::orderbook::{AssetKind, MarketId, OrderId, Price, Side, TradingBalance};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	ensure,
	pallet_prelude::DispatchResult,
	traits::{
		fungible::{Inspect as _, Mutate as FungibleMutate},
		fungibles::{Inspect as _, Mutate as FungiblesMutate},
		tokens::Preservation,
		Get,
	},
	BoundedVec, CloneNoBound, DebugNoBound, DefaultNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;
use sp_runtime::{traits::AccountIdConversion, DispatchError};

/// One trading account: its ledger entries and its order index, stored as one key.
///
/// Entries are kept while any order of the account rests, even empty ones: a resting spot
/// order's account always has entries of both tokens of its market (made when it rests), so
/// crediting a fill to the maker never needs a new entry and cannot fail on the entry bound.
/// With no order resting, empty entries are dropped, and an empty record is removed.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	DefaultNoBound,
)]
#[scale_info(skip_type_params(MaxAssets, MaxOrders))]
pub struct TradingAccount<MaxAssets: Get<u32>, MaxOrders: Get<u32>> {
	/// Ledger entries by token.
	pub balances: BoundedVec<(AssetKind, TradingBalance), MaxAssets>,
	/// Where each resting order of the account rests, oldest first.
	pub orders: BoundedVec<PackedRef, MaxOrders>,
}

/// Bytes of a [`PackedRef`].
pub const PACKED_REF_LEN: usize = 29;

/// An [`OrderRef`] as an account's index stores it: fixed bytes (id, market, side, price, each
/// little-endian), which SCALE reads and writes as plain bytes. Every call that touches an
/// account's record reads and writes its whole index (up to `MaxOrdersPerAccount` entries), so
/// this makes that a copy instead of field-by-field decoding; an entry is unpacked when used.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct PackedRef(pub [u8; PACKED_REF_LEN]);

impl PackedRef {
	/// `at`, packed.
	pub fn pack(at: &OrderRef) -> Self {
		let mut bytes = [0u8; PACKED_REF_LEN];
		bytes[..8].copy_from_slice(&at.id.to_le_bytes());
		bytes[8..12].copy_from_slice(&at.market.to_le_bytes());
		bytes[12] = match at.side {
			Side::Buy => 0,
			Side::Sell => 1,
		};
		bytes[13..].copy_from_slice(&at.price.to_le_bytes());
		Self(bytes)
	}

	/// The order's id (read without unpacking the rest).
	pub fn id(&self) -> OrderId {
		let mut id = [0u8; 8];
		id.copy_from_slice(&self.0[..8]);
		OrderId::from_le_bytes(id)
	}

	/// The [`OrderRef`] packed here.
	pub fn unpack(&self) -> OrderRef {
		let mut market = [0u8; 4];
		market.copy_from_slice(&self.0[8..12]);
		let mut price = [0u8; 16];
		price.copy_from_slice(&self.0[13..]);
		OrderRef {
			id: self.id(),
			market: MarketId::from_le_bytes(market),
			side: if self.0[12] == 0 { Side::Buy } else { Side::Sell },
			price: Price::from_le_bytes(price),
		}
	}
}

/// The [`TradingAccount`] of a runtime.
pub type TradingAccountOf<T> =
	TradingAccount<<T as Config>::MaxAssetsPerAccount, <T as Config>::MaxOrdersPerAccount>;

impl<MaxAssets: Get<u32>, MaxOrders: Get<u32>> TradingAccount<MaxAssets, MaxOrders> {
	/// The entry of `asset` (empty if there is none).
	pub fn balance(&self, asset: AssetKind) -> TradingBalance {
		self.balances.iter().find(|(a, _)| *a == asset).map(|(_, b)| *b).unwrap_or_default()
	}

	/// The entry of `asset`, made empty if there is none; `None` if that needs room the bound
	/// does not leave.
	pub fn entry_mut(&mut self, asset: AssetKind) -> Option<&mut TradingBalance> {
		let at = match self.balances.iter().position(|(a, _)| *a == asset) {
			Some(at) => at,
			None => {
				self.balances.try_push((asset, TradingBalance::default())).ok()?;
				self.balances.len() - 1
			},
		};
		self.balances.get_mut(at).map(|(_, b)| b)
	}

	/// Where the resting order `id` rests.
	pub fn order(&self, id: OrderId) -> Option<OrderRef> {
		self.orders.iter().find(|r| r.id() == id).map(PackedRef::unpack)
	}

	/// Where each resting order of the account rests, oldest first.
	pub fn refs(&self) -> impl Iterator<Item = OrderRef> + '_ {
		self.orders.iter().map(PackedRef::unpack)
	}

	/// Adds `at` to the index; `false` (and nothing added) if the index is full.
	#[must_use]
	pub fn push_order(&mut self, at: &OrderRef) -> bool {
		self.orders.try_push(PackedRef::pack(at)).is_ok()
	}

	/// Drops order `id` from the index.
	pub fn remove_order(&mut self, id: OrderId) {
		self.orders.retain(|r| r.id() != id);
	}

	/// Nothing deposited and nothing resting.
	pub fn is_empty(&self) -> bool {
		self.balances.is_empty() && self.orders.is_empty()
	}

	/// Drops empty entries once no order rests (see the type's documentation).
	pub fn tidy(&mut self) {
		if self.orders.is_empty() {
			self.balances.retain(|(_, b)| !b.is_empty());
		}
	}
}

/// `balance.free += amount`.
fn add_free<T: Config>(balance: &mut TradingBalance, amount: u128) -> Result<(), Error<T>> {
	balance.free = balance.free.checked_add(amount).ok_or(Error::<T>::Overflow)?;
	Ok(())
}

/// `balance.locked -= spent + unlocked; balance.free += unlocked`.
fn take_locked<T: Config>(
	balance: &mut TradingBalance,
	spent: u128,
	unlocked: u128,
) -> Result<(), Error<T>> {
	let taken = spent.checked_add(unlocked).ok_or(Error::<T>::Overflow)?;
	balance.locked = balance.locked.checked_sub(taken).ok_or(Error::<T>::LedgerMismatch)?;
	add_free::<T>(balance, unlocked)
}

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

	/// `who`'s trading account (empty if it has none).
	pub fn trading_account(who: &T::AccountId) -> TradingAccountOf<T> {
		Accounts::<T>::get(who).unwrap_or_default()
	}

	/// `who`'s ledger entry of `asset`.
	pub fn trading_balance(who: &T::AccountId, asset: AssetKind) -> TradingBalance {
		Self::trading_account(who).balance(asset)
	}

	/// Every non-empty ledger entry of `who`.
	pub fn trading_balances(who: &T::AccountId) -> alloc::vec::Vec<(AssetKind, TradingBalance)> {
		Self::trading_account(who).balances.into_iter().filter(|(_, b)| !b.is_empty()).collect()
	}

	/// Changes `who`'s trading account with `f` (one read and one write of its key), then
	/// tidies it ([`TradingAccount::tidy`]); an empty account is removed. On an error nothing
	/// changes.
	pub(crate) fn mutate_account<R>(
		who: &T::AccountId,
		f: impl FnOnce(&mut TradingAccountOf<T>) -> Result<R, DispatchError>,
	) -> Result<R, DispatchError> {
		Accounts::<T>::try_mutate_exists(who, |slot| {
			let mut account = slot.take().unwrap_or_default();
			let result = f(&mut account)?;
			account.tidy();
			*slot = (!account.is_empty()).then_some(account);
			Ok(result)
		})
	}

	/// Changes `who`'s entry of `asset` with `f`. On an error nothing changes.
	fn mutate_entry(
		who: &T::AccountId,
		asset: AssetKind,
		f: impl FnOnce(&mut TradingBalance) -> Result<(), Error<T>>,
	) -> DispatchResult {
		Self::mutate_account(who, |account| {
			let entry = account.entry_mut(asset).ok_or(Error::<T>::TooManyAssets)?;
			f(entry).map_err(Into::into)
		})
	}

	/// Records that `who`'s order rests at `at`, with entries of `assets` kept for its fills
	/// (a resting spot order's base and quote). On an error nothing changes.
	pub(crate) fn index_order(
		who: &T::AccountId,
		at: OrderRef,
		assets: &[AssetKind],
	) -> DispatchResult {
		Self::mutate_account(who, |account| Self::add_to_index(account, &at, assets))
	}

	/// Adds `at` to `account`'s order index and makes entries of `kept` (the tokens its fills
	/// credit); `TooManyOrders` / `TooManyAssets` when the record has no room.
	fn add_to_index(
		account: &mut TradingAccountOf<T>,
		at: &OrderRef,
		kept: &[AssetKind],
	) -> Result<(), DispatchError> {
		ensure!(account.push_order(at), Error::<T>::TooManyOrders);
		for asset in kept {
			account.entry_mut(*asset).ok_or(Error::<T>::TooManyAssets)?;
		}
		Ok(())
	}

	/// Drops `who`'s order `id` from its order index.
	pub(crate) fn unindex_order(who: &T::AccountId, id: OrderId) {
		// Dropping an order and tidying cannot fail.
		let _ = Self::mutate_account(who, |account| {
			account.remove_order(id);
			Ok(())
		});
	}

	/// Frees `amount` of `who`'s locked `asset` and drops its order `id` from its index, in
	/// one write (a spot order leaving the book without trading).
	pub(crate) fn unlock_and_unindex(
		who: &T::AccountId,
		asset: AssetKind,
		amount: u128,
		id: OrderId,
	) -> DispatchResult {
		Self::mutate_account(who, |account| {
			if amount > 0 {
				let entry = account.entry_mut(asset).ok_or(Error::<T>::TooManyAssets)?;
				take_locked::<T>(entry, 0, amount)?;
			}
			account.remove_order(id);
			Ok(())
		})
	}

	/// Settles a maker's side of a spot fill in one write: `gives` of its locked `gave` asset
	/// goes, `gets` of its `got` asset is credited free, and the order `done` (one this fill
	/// completes) leaves its index.
	pub(crate) fn settle_maker_entries(
		maker: &T::AccountId,
		gave: AssetKind,
		gives: u128,
		got: AssetKind,
		gets: u128,
		done: Option<OrderId>,
	) -> DispatchResult {
		Self::mutate_account(maker, |account| {
			if let Some(id) = done {
				account.remove_order(id);
			}
			let entry = account.entry_mut(gave).ok_or(Error::<T>::TooManyAssets)?;
			take_locked::<T>(entry, gives, 0)?;
			if gets > 0 {
				let entry = account.entry_mut(got).ok_or(Error::<T>::TooManyAssets)?;
				add_free::<T>(entry, gets)?;
			}
			Ok(())
		})
	}

	/// Settles a taker's side of its order's spot fills in one write: `spent` of its locked
	/// `paying` asset goes and `unlocked` of it is freed; `received` of `receiving` is credited
	/// free.
	pub(crate) fn settle_taker_entries(
		taker: &T::AccountId,
		paying: AssetKind,
		spent: u128,
		unlocked: u128,
		receiving: AssetKind,
		received: u128,
	) -> DispatchResult {
		if spent == 0 && unlocked == 0 && received == 0 {
			return Ok(());
		}
		Self::mutate_account(taker, |account| {
			if spent > 0 || unlocked > 0 {
				let entry = account.entry_mut(paying).ok_or(Error::<T>::TooManyAssets)?;
				take_locked::<T>(entry, spent, unlocked)?;
			}
			if received > 0 {
				let entry = account.entry_mut(receiving).ok_or(Error::<T>::TooManyAssets)?;
				add_free::<T>(entry, received)?;
			}
			Ok(())
		})
	}

	/// Adds `amount` to `who`'s free balance of `asset`.
	pub fn credit_free(who: &T::AccountId, asset: AssetKind, amount: u128) -> DispatchResult {
		if amount == 0 {
			return Ok(());
		}
		Self::mutate_entry(who, asset, |b| add_free::<T>(b, amount))
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
		Self::lock_for_order(who, asset, amount, false, None).map(|_| ())
	}

	/// Locks `amount` of `who`'s free `asset` for an order; one that `may_rest` also needs room
	/// in the account's order index (`TooManyOrders`, checked first). With `index`, the order
	/// is also indexed where it rests, with entries of the given tokens kept for its fills
	/// (as [`Self::index_order`]). One write. Returns how many orders of the account rested
	/// before (its record's size, which its weight depends on).
	pub(crate) fn lock_for_order(
		who: &T::AccountId,
		asset: AssetKind,
		amount: u128,
		may_rest: bool,
		index: Option<(OrderRef, [AssetKind; 2])>,
	) -> Result<u32, DispatchError> {
		Self::mutate_account(who, |account| {
			let resting = account.orders.len() as u32;
			if may_rest {
				ensure!(resting < T::MaxOrdersPerAccount::get(), Error::<T>::TooManyOrders);
			}
			if amount > 0 {
				let entry = account.entry_mut(asset).ok_or(Error::<T>::TooManyAssets)?;
				entry.free =
					entry.free.checked_sub(amount).ok_or(Error::<T>::InsufficientBalance)?;
				entry.locked = entry.locked.checked_add(amount).ok_or(Error::<T>::Overflow)?;
			}
			if let Some((at, kept)) = index {
				Self::add_to_index(account, &at, &kept)?;
			}
			Ok(resting)
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
		Self::mutate_entry(who, asset, |b| take_locked::<T>(b, spent, unlocked))
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
		ensure!(crate::ListedAssets::<T>::contains_key(asset), Error::<T>::AssetNotListed);
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
		Accounts::<T>::iter_values()
			.map(|account| account.balance(asset))
			.try_fold(FeeBalances::<T>::get(asset), |sum, b| sum.checked_add(b.total()?))
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
