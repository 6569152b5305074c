//! Collateral: deposits into and withdrawals from the vault, the margin mode, and isolated
//! margin moved between a position and free collateral. The calls (and any other surface,
//! such as a precompile) end here.
use crate::*;
use bourse_primitives::{orderbook::MarketId, perp::MarginMode, Balance};
use frame_support::{ensure, pallet_prelude::DispatchResult};
use sp_runtime::DispatchError;

impl<T: Config> Pallet<T> {
	/// `deposit_collateral`: moves `amount` of the collateral token from `who` into the vault.
	pub fn do_deposit_collateral(who: &T::AccountId, amount: Balance) -> DispatchResult {
		ensure!(amount > 0, Error::<T>::ZeroAmount);
		Self::transfer(who, &Self::vault(), amount).map_err(|_| Error::<T>::InsufficientBalance)?;
		let signed = i128::try_from(amount).map_err(|_| Error::<T>::Overflow)?;
		Self::add_collateral(who, signed)?;
		Self::deposit_event(Event::CollateralDeposited { who: who.clone(), amount });
		Ok(())
	}

	/// `withdraw_collateral`: pays `amount` of `who`'s collateral out, refused if the rest
	/// would not cover initial margin (at the index and at the mark). Returns the number of
	/// markets its margin check valued (its weight).
	pub fn do_withdraw_collateral(
		who: &T::AccountId,
		amount: Balance,
	) -> Result<u32, DispatchError> {
		ensure!(amount > 0, Error::<T>::ZeroAmount);
		// Valued at a stale index, a position could release margin a fresh price would not.
		Self::ensure_fresh_positions(who)?;
		Self::settle_all_funding(who)?;
		let signed = i128::try_from(amount).map_err(|_| Error::<T>::Overflow)?;
		let collateral = Collateral::<T>::get(who);
		ensure!(collateral >= signed, Error::<T>::InsufficientBalance);
		Self::add_collateral(who, -signed)?;
		// At the index and at the mark: a mark pushed by resting orders releases nothing.
		Self::ensure_account_initial_margin(who, Error::<T>::WouldBreachInitialMargin)?;
		Self::transfer(&Self::vault(), who, amount)?;
		Self::deposit_event(Event::CollateralWithdrawn { who: who.clone(), amount });
		Ok(Self::markets_traded(who))
	}

	/// `set_margin_mode`: only while `who` has no positions or perp orders.
	pub fn do_set_margin_mode(who: &T::AccountId, mode: MarginMode) -> DispatchResult {
		ensure!(AccountMarkets::<T>::get(who).is_empty(), Error::<T>::AccountNotFlat);
		MarginModes::<T>::insert(who, mode);
		Self::note_change(&(b"mode", who, mode));
		Self::deposit_event(Event::MarginModeSet { who: who.clone(), mode });
		Ok(())
	}

	/// `add_isolated_margin`: moves `amount` of free collateral into the isolated position's
	/// margin. Returns the number of markets its margin check valued (its weight).
	pub fn do_add_isolated_margin(
		who: &T::AccountId,
		market: MarketId,
		amount: Balance,
	) -> Result<u32, DispatchError> {
		let amount = Self::isolated_amount(who, market, amount)?;
		Self::settle_funding(who, market)?;
		let collateral = Collateral::<T>::get(who);
		ensure!(collateral >= amount, Error::<T>::InsufficientBalance);
		Self::add_collateral(who, -amount)?;
		// Free collateral must still cover the margin of resting orders.
		let health = Self::health(who)?;
		ensure!(health.equity >= health.initial_requirement, Error::<T>::InsufficientMargin);
		Self::change_isolated(who, market, amount)?;
		Ok(Self::markets_traded(who))
	}

	/// `remove_isolated_margin`: moves `amount` out of the isolated position's margin into free
	/// collateral, refused if the position would no longer cover its initial margin (at the
	/// index and at the mark) or its index is stale.
	pub fn do_remove_isolated_margin(
		who: &T::AccountId,
		market: MarketId,
		amount: Balance,
	) -> DispatchResult {
		let amount = Self::isolated_amount(who, market, amount)?;
		Self::ensure_fresh(market)?;
		Self::settle_funding(who, market)?;
		ensure!(IsolatedMargin::<T>::get(who, market) >= amount, Error::<T>::InsufficientBalance);
		Self::change_isolated(who, market, -amount)?;
		// At the index and at the mark: a mark pushed by resting orders releases nothing.
		Self::ensure_position_initial_margin(who, market, Error::<T>::WouldBreachInitialMargin)?;
		Self::add_collateral(who, amount)
	}

	/// Checks an isolated-margin adjustment: positive amount, isolated mode, open position.
	fn isolated_amount(
		who: &T::AccountId,
		market: MarketId,
		amount: Balance,
	) -> Result<i128, DispatchError> {
		ensure!(amount > 0, Error::<T>::ZeroAmount);
		ensure!(
			Self::margin_mode(who) == bourse_primitives::perp::MarginMode::Isolated,
			Error::<T>::NotIsolated
		);
		ensure!(Positions::<T>::contains_key(who, market), Error::<T>::NoPosition);
		Ok(i128::try_from(amount).map_err(|_| Error::<T>::Overflow)?)
	}
}
