//! Positions: what a trade does to one (quote-balance accounting, realised PnL, open
//! interest, the position index), and the markets an account is tracked in.
use crate::{margin::add, *};
use bourse_primitives::orderbook::{quote_amount, MarketId, Price};
use frame_support::{ensure, pallet_prelude::DispatchResult, traits::Get};
use sp_runtime::DispatchError;

/// What one trade does to a position: returns the realised PnL (moved into collateral).
fn trade(position: &mut Position, delta: i128, price: Price) -> Result<i128, DispatchError> {
	let quote = |q: i128| -> Result<i128, DispatchError> {
		let amount = quote_amount(price, q.unsigned_abs())
			.ok_or(DispatchError::Arithmetic(sp_runtime::ArithmeticError::Overflow))?;
		i128::try_from(amount)
			.map_err(|_| DispatchError::Arithmetic(sp_runtime::ArithmeticError::Overflow))
	};
	let old = position.size;
	let new = old
		.checked_add(delta)
		.ok_or(DispatchError::Arithmetic(sp_runtime::ArithmeticError::Overflow))?;
	let mut realized = 0;
	if old != 0 && (new == 0 || new.signum() != old.signum()) {
		// Close the old size at `price`: its quote balance plus the closing flow is realised.
		let closing_flow = if old > 0 { quote(old)? } else { -quote(old)? };
		realized = add(position.quote_balance, closing_flow)?;
		// Open whatever is left beyond zero at `price`.
		position.quote_balance = if new > 0 {
			-quote(new)?
		} else if new < 0 {
			quote(new)?
		} else {
			0
		};
	} else if delta > 0 {
		position.quote_balance = add(position.quote_balance, -quote(delta)?)?;
	} else {
		position.quote_balance = add(position.quote_balance, quote(delta)?)?;
	}
	position.size = new;
	position.realized_pnl = add(position.realized_pnl, realized)?;
	Ok(realized)
}

impl<T: Config> Pallet<T> {
	pub(crate) fn perp(market: MarketId) -> Result<PerpMarket, DispatchError> {
		Ok(PerpMarkets::<T>::get(market).ok_or(Error::<T>::NotPerpMarket)?)
	}

	pub(crate) fn track_market(who: &T::AccountId, market: MarketId) -> DispatchResult {
		AccountMarkets::<T>::try_mutate(who, |markets| {
			if !markets.contains(&market) {
				markets.try_push(market).map_err(|_| Error::<T>::TooManyPositions)?;
			}
			Ok(())
		})
	}

	pub(crate) fn untrack_if_idle(who: &T::AccountId, market: MarketId) {
		if Positions::<T>::get(who, market).is_none()
			&& ReservedNotional::<T>::get(who, market) == 0
		{
			AccountMarkets::<T>::mutate(who, |markets| markets.retain(|m| *m != market));
		}
	}

	/// Applies a trade of `delta` at `price` to `who`'s position, settling funding first.
	/// Returns whether the position grew in absolute size.
	pub(crate) fn apply_trade(
		who: &T::AccountId,
		market: MarketId,
		delta: i128,
		price: Price,
		fee: u128,
	) -> Result<bool, DispatchError> {
		Self::track_market(who, market)?;
		Self::settle_funding(who, market)?;
		let perp = Self::perp(market)?;
		let mut position = Positions::<T>::get(who, market).unwrap_or(Position {
			funding_snapshot: perp.cumulative_funding,
			..Default::default()
		});
		let was_open = position.size != 0;
		let old_sign = position.size.signum();
		let before = position.size.unsigned_abs();
		let realized = trade(&mut position, delta, price)?;
		// A flip (long to short or back) opens a new position on the other side: it needs
		// initial margin even when it is not larger than the old one.
		let flipped = was_open && position.size != 0 && position.size.signum() != old_sign;
		let grew = position.size.unsigned_abs() > before || flipped;
		// The fund is exempt: it must always be able to take a position over (its size is
		// bounded by the open interest of bounded positions).
		ensure!(
			position.size.unsigned_abs() <= <T as Config>::MaxPositionSize::get()
				|| *who == Self::insurance_fund(),
			Error::<T>::PositionTooLarge
		);
		let fee = i128::try_from(fee).map_err(|_| Error::<T>::Overflow)?;
		Self::credit(who, market, realized.checked_sub(fee).ok_or(Error::<T>::Overflow)?)?;
		if fee > 0 {
			// Fees of every market, spot and perp, accrue to the order book's fee entries.
			let fee = u128::try_from(fee).map_err(|_| Error::<T>::Overflow)?;
			pallet_orderbook::Pallet::<T>::credit_fee(T::CollateralAsset::get(), fee)?;
		}
		// Open interest counts long sizes.
		let long_before = (position.size - delta).max(0).unsigned_abs();
		let long_after = position.size.max(0).unsigned_abs();
		PerpMarkets::<T>::try_mutate(market, |p| -> DispatchResult {
			if let Some(p) = p {
				p.open_interest = p
					.open_interest
					.checked_add(long_after)
					.and_then(|oi| oi.checked_sub(long_before))
					.ok_or(Error::<T>::Overflow)?;
			}
			Ok(())
		})?;
		Self::note_change(&(b"position", who, market, position.size, position.quote_balance));
		Self::deposit_event(Event::PositionUpdated {
			who: who.clone(),
			market,
			size: position.size,
			quote_balance: position.quote_balance,
			realized_pnl: position.realized_pnl,
		});
		match (was_open, position.size != 0) {
			(false, true) => OpenPositions::<T>::mutate(|n| *n += 1),
			(true, false) => OpenPositions::<T>::mutate(|n| *n = n.saturating_sub(1)),
			_ => {},
		}
		let new_sign = position.size.signum();
		if new_sign != old_sign {
			if old_sign != 0 {
				PositionHolders::<T>::remove((market, old_sign > 0), who);
			}
			if new_sign != 0 {
				PositionHolders::<T>::insert((market, new_sign > 0), who, ());
			}
		}
		if position.size == 0 {
			Positions::<T>::remove(who, market);
			Self::untrack_if_idle(who, market);
		} else {
			Positions::<T>::insert(who, market, position);
		}
		Ok(grew)
	}
}
