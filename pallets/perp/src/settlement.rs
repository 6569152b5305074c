//! The order book's settlement of perp markets ([`pallet_orderbook::Settlement`]): an order's
//! margin reservation, its release, and each fill as two position changes with their margin
//! checks.
use crate::*;
use bourse_primitives::orderbook::{quote_amount, Fill, MarketId, Price, Side, PRICE_SCALE};
use frame_support::{pallet_prelude::DispatchResult, traits::Get};
use pallet_orderbook::{
	settlement::{SettleError, TakerRole},
	Settlement,
};
use sp_runtime::DispatchError;

impl<T: Config> Pallet<T> {
	fn notional_of(
		side: Side,
		base: u128,
		quote: u128,
		price: Option<Price>,
	) -> Result<u128, DispatchError> {
		Ok(match side {
			Side::Buy => quote,
			Side::Sell => quote_amount(price.ok_or(Error::<T>::Overflow)?, base)
				.ok_or(Error::<T>::Overflow)?,
		})
	}
}

impl<T: Config> Settlement<T::AccountId> for Pallet<T> {
	fn escrow(
		market: MarketId,
		who: &T::AccountId,
		side: Side,
		base: u128,
		quote: u128,
		price: Option<Price>,
		may_rest: bool,
	) -> Result<frame_support::weights::Weight, DispatchError> {
		let notional = Self::notional_of(side, base, quote, price)?;
		Self::perp(market)?;
		Self::track_market(who, market)?;
		// Charged whether or not the margin check below runs (simpler, and an upper bound).
		let extra = Self::valuation_extra(who);
		ReservedNotional::<T>::try_mutate(who, market, |r| -> DispatchResult {
			*r = r.checked_add(notional).ok_or(Error::<T>::Overflow)?;
			Ok(())
		})?;
		// An order that trades at once and can only reduce the position needs no new margin
		// (else an under-margined account, or its liquidation, could never close). One that
		// may rest is margined: resting "reducing" orders could add up past the position, or
		// outlive it, and then fail every taker that reaches them for free.
		let size = Positions::<T>::get(who, market).map_or(0, |p| p.size);
		let quantity = match side {
			Side::Sell => base,
			Side::Buy => price.map_or(u128::MAX, |p| quote.saturating_mul(PRICE_SCALE) / p.max(1)),
		};
		let reducing = match side {
			Side::Sell => size > 0 && quantity <= size.unsigned_abs(),
			Side::Buy => size < 0 && quantity <= size.unsigned_abs(),
		};
		if reducing && !may_rest {
			return Ok(extra);
		}
		// A resting order reduces only when it is the account's only one on its side of the
		// market: two resting sells that each fit a long add up past it (and would open a
		// short nobody margined). The account's order index is one read.
		let reducing = reducing && {
			let account = pallet_orderbook::Pallet::<T>::trading_account(who);
			let others = account.refs().any(|r| r.market == market && r.side == side);
			!others
		};
		let extra = extra.saturating_add(T::DbWeight::get().reads(1));
		// No new exposure against a stale index (reducing is always possible).
		if !reducing {
			Self::ensure_fresh(market)?;
		}
		// Resting orders are margined from free collateral (the account level).
		Self::ensure_account_initial_margin(who, Error::<T>::InsufficientMargin)?;
		Ok(extra)
	}

	fn max_escrow_extra() -> frame_support::weights::Weight {
		// Valuing every market, and the account's order index.
		Self::max_valuation_extra().saturating_add(T::DbWeight::get().reads(1))
	}

	fn release(
		market: MarketId,
		who: &T::AccountId,
		side: Side,
		base: u128,
		quote: u128,
		price: Option<Price>,
	) -> DispatchResult {
		let notional = Self::notional_of(side, base, quote, price)?;
		ReservedNotional::<T>::mutate(who, market, |r| *r = r.saturating_sub(notional));
		Self::untrack_if_idle(who, market);
		Ok(())
	}

	fn order_weight(fills: u32) -> frame_support::weights::Weight {
		Self::perp_order_weight(fills)
	}

	fn max_fill_extra() -> frame_support::weights::Weight {
		Self::max_fill_valuation_extra()
	}

	/// Errors name the side that caused them: the order book cancels a maker that cannot
	/// settle (its margin would break, its position would pass the bounds) and goes on.
	fn settle(
		fill: &Fill<T::AccountId>,
		taker: TakerRole,
	) -> Result<frame_support::weights::Weight, SettleError> {
		let blame = |who: &T::AccountId| {
			let maker = *who == fill.maker;
			move |e: DispatchError| {
				if maker {
					SettleError::Maker(e)
				} else {
					SettleError::Taker(e)
				}
			}
		};
		// The maker's resting margin for the filled part is no longer reserved.
		ReservedNotional::<T>::mutate(&fill.maker, fill.market, |r| {
			*r = r.saturating_sub(fill.quote)
		});
		let q = i128::try_from(fill.quantity)
			.map_err(|_| SettleError::Taker(Error::<T>::Overflow.into()))?;
		let (buyer, seller, buyer_fee, seller_fee) = match fill.taker_side {
			Side::Buy => (&fill.taker, &fill.maker, fill.taker_fee, fill.maker_fee),
			Side::Sell => (&fill.maker, &fill.taker, fill.maker_fee, fill.taker_fee),
		};
		let buyer_grew = Self::apply_trade(buyer, fill.market, q, fill.price, buyer_fee)
			.map_err(blame(buyer))?;
		let seller_grew = Self::apply_trade(seller, fill.market, -q, fill.price, seller_fee)
			.map_err(blame(seller))?;
		// A fill that grows a position (or flips it to the other side) must leave its owner
		// above initial margin (an isolated position is first topped up from free collateral).
		// Reducing is allowed below margin (else an under-margined trader could not get out),
		// but never into bankruptcy: a long selling far below mark to a friend would hand the
		// friend a loss the vault pays. The account under liquidation is bounded by its
		// liquidation price instead, and the fund takes on what it must.
		let liquidating = (taker == TakerRole::Liquidation).then_some(&fill.taker);
		let fund = Self::insurance_fund();
		for (who, grew) in [(buyer, buyer_grew), (seller, seller_grew)] {
			if grew {
				// No new exposure at a stale index, however the order was placed (a resting
				// order may have been placed while the index was fresh, or as reducing). The
				// fund is exempt: it must take over what liquidations leave.
				if *who != fund && !Self::is_fresh(fill.market) {
					return Err(blame(who)(Error::<T>::StalePrice.into()));
				}
				Self::top_up_isolated(who, fill.market).map_err(blame(who))?;
				Self::ensure_initial_margin(who, fill.market).map_err(blame(who))?;
			} else if liquidating != Some(who) && *who != fund {
				Self::ensure_solvent(who, fill.market).map_err(blame(who))?;
			}
		}
		// A closed isolated position returns its margin, except to an account under
		// liquidation: the penalty is taken from that margin first.
		for who in [buyer, seller] {
			if liquidating != Some(who) {
				Self::release_isolated_if_flat(who, fill.market).map_err(blame(who))?;
			}
		}
		Ok(Self::valuation_extra(&fill.maker).saturating_add(Self::valuation_extra(&fill.taker)))
	}
}
