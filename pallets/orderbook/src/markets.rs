//! Markets: their parameters, listing (and the tokens the ledger then takes), and the checks
//! an order's price and quantity pass against them.
use crate::*;
use bourse_primitives::orderbook::{
	AssetKind, Market, MarketId, MarketKind, MarketStatus, Price, Quantity, PRICE_SCALE,
};
use frame_support::{ensure, pallet_prelude::DispatchResult, traits::Get};
use sp_runtime::DispatchError;

impl<T: Config> Pallet<T> {
	/// Checks a market's parameters (also used by pallet-perp for perp markets).
	pub fn validate_market(m: &Market) -> Result<(), Error<T>> {
		ensure!(m.base != m.quote, Error::<T>::SameAssets);
		let exact_quotes =
			m.tick_size.checked_mul(m.lot_size).is_some_and(|p| p % PRICE_SCALE == 0);
		ensure!(
			m.tick_size > 0
				&& m.lot_size > 0
				&& m.min_size >= m.lot_size
				&& m.min_size.is_multiple_of(m.lot_size)
				&& exact_quotes,
			Error::<T>::InvalidMarketParameters
		);
		ensure!(m.maker_fee_ppm <= 100_000 && m.taker_fee_ppm <= 100_000, Error::<T>::FeeTooHigh);
		Ok(())
	}

	/// Stores a validated market under the next id.
	pub fn insert_market(market: Market) -> MarketId {
		let id = NextMarketId::<T>::mutate(|next| {
			let id = *next;
			*next += 1;
			id
		});
		Self::deposit_event(Event::MarketCreated {
			market: id,
			base: market.base,
			quote: market.quote,
			kind: market.kind,
		});
		Self::list_assets(&market);
		Markets::<T>::insert(id, store::MarketRecord { market, top: Default::default() });
		id
	}

	/// The tokens traders deposit to trade `market`: a spot market's base and quote; a perp
	/// market's collateral (its quote; the underlying never moves).
	pub fn deposited_assets(market: &Market) -> impl Iterator<Item = AssetKind> {
		let base = (market.kind == MarketKind::Spot).then_some(market.base);
		base.into_iter().chain(core::iter::once(market.quote))
	}

	/// Lets the ledger take `market`'s tokens ([`ListedAssets`]).
	pub(crate) fn list_assets(market: &Market) {
		for asset in Self::deposited_assets(market) {
			ListedAssets::<T>::insert(asset, ());
		}
	}

	/// Refuses to list `market` unless the vault can hold each of its tokens: a token it
	/// neither holds nor has listed must exist, and the vault must have room for it (a
	/// non-sufficient token takes a consumer reference), so the first deposit after the
	/// listing cannot fail for a reason no trader controls.
	pub fn ensure_vault_can_hold(market: &Market) -> DispatchResult {
		use frame_support::traits::{
			fungible::Inspect as _,
			fungibles::Inspect as _,
			tokens::{DepositConsequence, Provenance},
		};
		let vault = Self::vault();
		for asset in Self::deposited_assets(market) {
			if ListedAssets::<T>::contains_key(asset) || Self::wallet_balance(asset, &vault) > 0 {
				continue;
			}
			let consequence = match asset {
				AssetKind::Native => T::Currency::can_deposit(
					&vault,
					T::Currency::minimum_balance(),
					Provenance::Extant,
				),
				AssetKind::Asset(id) => {
					if !T::Assets::asset_exists(id) {
						return Err(Error::<T>::VaultCannotHoldAsset.into());
					}
					T::Assets::can_deposit(
						id,
						&vault,
						T::Assets::minimum_balance(id),
						Provenance::Extant,
					)
				},
			};
			ensure!(consequence == DepositConsequence::Success, Error::<T>::VaultCannotHoldAsset);
		}
		Ok(())
	}

	/// The configuration of market `id`.
	pub fn market(id: MarketId) -> Option<Market> {
		Markets::<T>::get(id).map(|record| record.market)
	}

	/// An open market's record (its configuration and best prices, one read).
	pub(crate) fn active_market(id: MarketId) -> Result<store::MarketRecord, DispatchError> {
		let record = Markets::<T>::get(id).ok_or(Error::<T>::MarketNotFound)?;
		ensure!(record.market.status == MarketStatus::Active, Error::<T>::MarketNotActive);
		Ok(record)
	}

	pub(crate) fn check_quantity(market: &Market, quantity: Quantity) -> DispatchResult {
		ensure!(quantity.is_multiple_of(market.lot_size), Error::<T>::InvalidQuantity);
		ensure!(quantity >= market.min_size, Error::<T>::BelowMinimumSize);
		ensure!(quantity <= T::MaxOrderQuantity::get(), Error::<T>::QuantityTooLarge);
		Ok(())
	}

	/// Checks an order's price: positive, on the tick grid, at most `MaxPrice`.
	pub fn check_price(market: &Market, price: Price) -> DispatchResult {
		ensure!(price > 0 && price.is_multiple_of(market.tick_size), Error::<T>::InvalidPrice);
		ensure!(price <= T::MaxPrice::get(), Error::<T>::PriceTooHigh);
		Ok(())
	}
}
