//! pallet-perp's invariants against storage: run by `try_state` (try-runtime), by the
//! pallet's tests and by the runtime fuzzer after every extrinsic.
//!
//! - Markets: every id in `MarketIds` is a perp market on the order book.
//! - Positions: no empty position is stored; per market, sizes sum to zero and long sizes to
//!   the open interest; `OpenPositions` counts them; `PositionHolders` lists exactly the
//!   holders of each side.
//! - Accounts: `AccountMarkets` names every market of a position or resting order, once;
//!   the reserved notional covers the resting orders' notional; only an account with open
//!   positions (or the insurance fund, by its deficit) has negative collateral; an isolated
//!   margin belongs to an open isolated position; no liquidation is left half done.
//! - Money: the vault holds at least the spot ledger's collateral token plus every perp claim
//!   (collateral, isolated margin, open quote balances and accrued funding).
use crate::*;
use alloc::collections::{BTreeMap, BTreeSet};
use bourse_primitives::orderbook::{quote_amount, MarketId, MarketKind};
use frame_support::traits::Get;
use pallet_orderbook::invariants::ensure_that;
use sp_runtime::TryRuntimeError;

impl<T: Config> Pallet<T> {
	/// Checks every invariant of pallet-perp; the first violation found is the error.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		Self::check_markets()?;
		Self::check_positions()?;
		Self::check_accounts()?;
		Self::check_vault()
	}

	fn check_markets() -> Result<(), TryRuntimeError> {
		let ids = MarketIds::<T>::get();
		ensure_that(
			ids.iter().collect::<BTreeSet<_>>().len() == ids.len(),
			"a perp market is listed twice",
		)?;
		for id in ids.iter() {
			ensure_that(PerpMarkets::<T>::contains_key(id), "a listed perp market has no state")?;
			let book = pallet_orderbook::Pallet::<T>::market(*id)
				.ok_or("a perp market has no order-book market")?;
			ensure_that(book.kind == MarketKind::Perp, "a perp market's book is not a perp book")?;
		}
		ensure_that(
			PerpMarkets::<T>::iter_keys().all(|id| ids.contains(&id)),
			"a perp market is not listed in MarketIds",
		)
	}

	fn check_positions() -> Result<(), TryRuntimeError> {
		let mut net = BTreeMap::<MarketId, i128>::new();
		let mut longs = BTreeMap::<MarketId, u128>::new();
		let mut count = 0u64;
		for (who, market, position) in Positions::<T>::iter() {
			ensure_that(position.size != 0, "an empty position is stored")?;
			ensure_that(PerpMarkets::<T>::contains_key(market), "a position has no perp market")?;
			ensure_that(
				PositionHolders::<T>::contains_key((market, position.size > 0), &who),
				"a position is missing from the holders of its side",
			)?;
			let sum = net.entry(market).or_default();
			*sum = sum.checked_add(position.size).ok_or("net size overflows")?;
			if position.size > 0 {
				let long = longs.entry(market).or_default();
				*long = long.checked_add(position.size.unsigned_abs()).ok_or("longs overflow")?;
			}
			count += 1;
		}
		ensure_that(net.values().all(|n| *n == 0), "a market's position sizes do not sum to zero")?;
		for (market, perp) in PerpMarkets::<T>::iter() {
			ensure_that(
				perp.open_interest == longs.get(&market).copied().unwrap_or(0),
				"a market's open interest differs from its long sizes",
			)?;
		}
		ensure_that(
			count == OpenPositions::<T>::get(),
			"OpenPositions differs from the positions",
		)?;
		for ((market, long), who, ()) in PositionHolders::<T>::iter() {
			let size = Positions::<T>::get(&who, market).map_or(0, |p| p.size);
			ensure_that(
				size != 0 && (size > 0) == long,
				"a listed holder holds no position on that side",
			)?;
		}
		Ok(())
	}

	fn check_accounts() -> Result<(), TryRuntimeError> {
		let mut resting = BTreeMap::<(T::AccountId, MarketId), u128>::new();
		for order in pallet_orderbook::Pallet::<T>::resting_orders() {
			if !PerpMarkets::<T>::contains_key(order.market) {
				continue;
			}
			let notional =
				quote_amount(order.price, order.remaining()).ok_or("notional overflows")?;
			let sum = resting.entry((order.owner.clone(), order.market)).or_default();
			*sum = sum.checked_add(notional).ok_or("notional overflows")?;
		}
		for (who, market, reserved) in ReservedNotional::<T>::iter() {
			let needed = resting.remove(&(who.clone(), market)).unwrap_or(0);
			ensure_that(reserved >= needed, "reserved notional is below the resting orders'")?;
			ensure_that(
				reserved == 0 || AccountMarkets::<T>::get(&who).contains(&market),
				"a market with reserved notional is not in the account's markets",
			)?;
		}
		ensure_that(
			resting.values().all(|n| *n == 0),
			"resting perp orders have no reserved notional",
		)?;
		for (who, market, _) in Positions::<T>::iter() {
			ensure_that(
				AccountMarkets::<T>::get(&who).contains(&market),
				"a market with a position is not in the account's markets",
			)?;
		}
		for (_, markets) in AccountMarkets::<T>::iter() {
			ensure_that(
				markets.iter().collect::<BTreeSet<_>>().len() == markets.len(),
				"an account's markets list a market twice",
			)?;
		}
		// Realised cash may be negative while open positions back it; a flat account's never
		// is (bad debt nobody covered is the fund's deficit).
		let fund = Self::insurance_fund();
		for (who, collateral) in Collateral::<T>::iter() {
			ensure_that(
				collateral >= 0
					|| who == fund || Positions::<T>::iter_prefix(&who).next().is_some(),
				"a flat account's collateral is negative",
			)?;
		}
		for (who, market, margin) in IsolatedMargin::<T>::iter() {
			ensure_that(margin != 0, "a zero isolated margin is stored")?;
			ensure_that(
				Self::margin_mode(&who) == margin::MarginMode::Isolated
					&& Positions::<T>::contains_key(&who, market),
				"an isolated margin has no open isolated position",
			)?;
		}
		Ok(())
	}

	/// Everything the perps owe traders is in the vault, beside the spot ledger's share.
	fn check_vault() -> Result<(), TryRuntimeError> {
		let overflow = "perp claims overflow";
		let mut claims: i128 = 0;
		for (_, collateral) in Collateral::<T>::iter() {
			claims = claims.checked_add(collateral).ok_or(overflow)?;
		}
		for (_, _, margin) in IsolatedMargin::<T>::iter() {
			claims = claims.checked_add(margin).ok_or(overflow)?;
		}
		for (_, market, position) in Positions::<T>::iter() {
			let perp = PerpMarkets::<T>::get(market).ok_or("a position has no perp market")?;
			let funding = Self::accrued_funding(&position, &perp).map_err(|_| overflow)?;
			claims = claims
				.checked_add(position.quote_balance)
				.and_then(|c| c.checked_add(funding))
				.ok_or(overflow)?;
		}
		let claims = u128::try_from(claims.max(0)).map_err(|_| overflow)?;
		pallet_orderbook::Pallet::<T>::check_ledger(T::CollateralAsset::get(), claims)
			.map_err(|_| "the vault holds less than the ledger and the perps owe".into())
	}
}
