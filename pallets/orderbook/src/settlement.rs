//! Escrow and settlement of fills.
//!
//! Spot markets escrow with fungible holds (native: pallet-balances, tokens:
//! pallet-assets-holder) under [`HoldReason::OrderEscrow`]: a resting sell holds its remaining
//! base, a resting buy its remaining quote at its limit price. A fill moves held funds straight
//! from one trader's hold to the other's free balance. Perp markets settle through
//! [`Config::PerpSettlement`] instead.
use crate::{Config, Error, HoldReason};
use bourse_primitives::orderbook::{AssetKind, Fill, Market, MarketId, Price, Side};
use frame_support::traits::{
	fungible::{Inspect as FungibleInspect, MutateHold as FungibleHold},
	fungibles::{Inspect as FungiblesInspect, MutateHold as FungiblesHold},
	tokens::{DepositConsequence, Fortitude, Precision, Provenance, Restriction},
};
use frame_support::weights::Weight;
use sp_runtime::{traits::Get, DispatchError};

/// Why a fill could not settle, and whose side failed: a maker that cannot settle is cancelled
/// and matching goes on; a taker that cannot fails its order.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SettleError {
	/// The resting order's owner cannot settle (e.g. its margin would break).
	Maker(DispatchError),
	/// The incoming order's owner cannot settle.
	Taker(DispatchError),
}

impl From<DispatchError> for SettleError {
	/// An error of neither side (e.g. the transactional layer limit) stops the order.
	fn from(e: DispatchError) -> Self {
		SettleError::Taker(e)
	}
}

/// How perp markets escrow and settle (pallet-perp implements it).
///
/// Escrow amounts come as in spot: `base` units for a sell, `quote` units for a buy, with the
/// order's limit `price` so a sell's notional is known. For perps, what is not kept resting
/// is released (a fill becomes a position, margined by the perp pallet), and `settle` releases
/// the maker's part.
///
/// [`Self::order_weight`] is benchmarked with accounts that trade one market; `escrow` and
/// `settle` return the weight of the work the actual accounts add (e.g. valuing their
/// positions in other markets), which the caller charges on top.
pub trait Settlement<AccountId> {
	/// Reserves what an order of `who` may need; returns its weight beyond the benchmark.
	/// `may_rest`: the order may rest on the book (else it only trades at once).
	fn escrow(
		market: MarketId,
		who: &AccountId,
		side: Side,
		base: u128,
		quote: u128,
		price: Option<Price>,
		may_rest: bool,
	) -> Result<Weight, DispatchError>;
	/// Most [`Self::escrow`] may return.
	fn max_escrow_extra() -> Weight;
	/// Gives back escrow no longer needed.
	fn release(
		market: MarketId,
		who: &AccountId,
		side: Side,
		base: u128,
		quote: u128,
		price: Option<Price>,
	) -> Result<(), DispatchError>;
	/// Settles one fill; returns its weight beyond the per-fill slope of
	/// [`Self::order_weight`]. On an error the caller rolls back what it changed.
	fn settle(fill: &Fill<AccountId>) -> Result<Weight, SettleError>;
	/// Most [`Self::settle`] may return for one fill.
	fn max_fill_extra() -> Weight;
	/// Weight of a whole `place_order` in a perp market that made `fills` fills (benchmarked
	/// by the implementing pallet).
	fn order_weight(fills: u32) -> Weight;
}

/// Perp settlement of a runtime without pallet-perp: perp markets cannot trade.
impl<AccountId> Settlement<AccountId> for () {
	fn escrow(
		_: MarketId,
		_: &AccountId,
		_: Side,
		_: u128,
		_: u128,
		_: Option<Price>,
		_: bool,
	) -> Result<Weight, DispatchError> {
		Err(DispatchError::Other("no perp settlement configured"))
	}
	fn max_escrow_extra() -> Weight {
		Weight::zero()
	}
	fn release(
		_: MarketId,
		_: &AccountId,
		_: Side,
		_: u128,
		_: u128,
		_: Option<Price>,
	) -> Result<(), DispatchError> {
		Ok(())
	}
	fn settle(_: &Fill<AccountId>) -> Result<Weight, SettleError> {
		Err(SettleError::Taker(DispatchError::Other("no perp settlement configured")))
	}
	fn max_fill_extra() -> Weight {
		Weight::zero()
	}
	fn order_weight(_: u32) -> Weight {
		Weight::zero()
	}
}

fn reason<T: Config>() -> T::RuntimeHoldReason {
	HoldReason::OrderEscrow.into()
}

/// Holds `amount` of `asset` from `who`.
pub fn hold<T: Config>(
	asset: AssetKind,
	who: &T::AccountId,
	amount: u128,
) -> Result<(), DispatchError> {
	if amount == 0 {
		return Ok(());
	}
	let result = match asset {
		AssetKind::Native => <T::Currency as FungibleHold<_>>::hold(&reason::<T>(), who, amount),
		AssetKind::Asset(id) => {
			<T::Assets as FungiblesHold<_>>::hold(id, &reason::<T>(), who, amount)
		},
	};
	result.map_err(|_| Error::<T>::InsufficientBalance.into())
}

/// Releases exactly `amount` of `asset` held for `who`.
pub fn release<T: Config>(
	asset: AssetKind,
	who: &T::AccountId,
	amount: u128,
) -> Result<(), DispatchError> {
	if amount == 0 {
		return Ok(());
	}
	match asset {
		AssetKind::Native => {
			<T::Currency as FungibleHold<_>>::release(&reason::<T>(), who, amount, Precision::Exact)
		},
		AssetKind::Asset(id) => <T::Assets as FungiblesHold<_>>::release(
			id,
			&reason::<T>(),
			who,
			amount,
			Precision::Exact,
		),
	}
	.map(|_| ())
}

/// Moves `amount` of `asset` from `from`'s hold to `to`'s free balance.
pub fn pay_from_hold<T: Config>(
	asset: AssetKind,
	from: &T::AccountId,
	to: &T::AccountId,
	amount: u128,
) -> Result<(), DispatchError> {
	if amount == 0 {
		return Ok(());
	}
	let (exact, free, polite) = (Precision::Exact, Restriction::Free, Fortitude::Polite);
	match asset {
		AssetKind::Native => <T::Currency as FungibleHold<_>>::transfer_on_hold(
			&reason::<T>(),
			from,
			to,
			amount,
			exact,
			free,
			polite,
		),
		AssetKind::Asset(id) => <T::Assets as FungiblesHold<_>>::transfer_on_hold(
			id,
			&reason::<T>(),
			from,
			to,
			amount,
			exact,
			free,
			polite,
		),
	}
	.map(|_| ())
}

/// Spot settlement through holds; fees go to [`Config::FeeAccount`].
pub struct SpotSettlement<T>(core::marker::PhantomData<T>);

impl<T: Config> SpotSettlement<T> {
	/// Escrow of an order: base for a sell, quote for a buy.
	pub fn escrow(
		market: &Market,
		who: &T::AccountId,
		side: Side,
		base: u128,
		quote: u128,
	) -> Result<(), DispatchError> {
		match side {
			Side::Sell => hold::<T>(market.base, who, base),
			Side::Buy => hold::<T>(market.quote, who, quote),
		}
	}

	/// Gives back escrow of an order.
	pub fn release(
		market: &Market,
		who: &T::AccountId,
		side: Side,
		base: u128,
		quote: u128,
	) -> Result<(), DispatchError> {
		match side {
			Side::Sell => release::<T>(market.base, who, base),
			Side::Buy => release::<T>(market.quote, who, quote),
		}
	}

	/// Settles a fill: base from the seller's hold to the buyer, quote from the buyer's hold
	/// to the seller, each net of the receiver's fee. The taker's fee goes to the fee account
	/// at once; the maker's fee, owed from the taker's escrow (the asset the taker pays), is
	/// returned so the caller pays an order's maker fees in one transfer
	/// ([`Self::pay_maker_fees`]) instead of one per fill.
	///
	/// A transfer out of the maker's hold or to the maker that fails is the maker's (e.g. a
	/// maker that cannot receive the quote amount); a transfer to the taker that fails is the
	/// taker's only if the taker cannot receive it; the taker's fee to the fee account is the
	/// taker's.
	pub fn settle(market: &Market, fill: &Fill<T::AccountId>) -> Result<u128, SettleError> {
		let fees = T::FeeAccount::get();
		let (taker, maker) = (&fill.taker, &fill.maker);
		let maker_err = SettleError::Maker;
		let (to_taker_asset, to_taker, to_maker_asset, to_maker) = match fill.taker_side {
			Side::Buy => (
				market.base,
				fill.quantity - fill.taker_fee,
				market.quote,
				fill.quote - fill.maker_fee,
			),
			Side::Sell => (
				market.quote,
				fill.quote - fill.taker_fee,
				market.base,
				fill.quantity - fill.maker_fee,
			),
		};
		pay_from_hold::<T>(to_taker_asset, maker, taker, to_taker).map_err(|e| {
			if can_receive::<T>(to_taker_asset, taker, to_taker) {
				SettleError::Maker(e)
			} else {
				SettleError::Taker(e)
			}
		})?;
		// The fee account refusing the taker's fee is no fault of the maker's (else one
		// misconfigured asset would cancel every maker a taker reaches).
		pay_from_hold::<T>(to_taker_asset, maker, &fees, fill.taker_fee)
			.map_err(SettleError::Taker)?;
		pay_from_hold::<T>(to_maker_asset, taker, maker, to_maker).map_err(maker_err)?;
		Ok(fill.maker_fee)
	}

	/// Pays the maker fees of a taker's fills (`settle`'s returns, summed) from its escrow.
	pub fn pay_maker_fees(
		market: &Market,
		taker: &T::AccountId,
		taker_side: Side,
		amount: u128,
	) -> Result<(), DispatchError> {
		let asset = match taker_side {
			Side::Buy => market.quote,
			Side::Sell => market.base,
		};
		pay_from_hold::<T>(asset, taker, &T::FeeAccount::get(), amount)
	}
}

/// Whether `who` can be credited `amount` of `asset` (exists or would be created).
fn can_receive<T: Config>(asset: AssetKind, who: &T::AccountId, amount: u128) -> bool {
	let consequence = match asset {
		AssetKind::Native => {
			<T::Currency as FungibleInspect<_>>::can_deposit(who, amount, Provenance::Extant)
		},
		AssetKind::Asset(id) => {
			<T::Assets as FungiblesInspect<_>>::can_deposit(id, who, amount, Provenance::Extant)
		},
	};
	consequence == DepositConsequence::Success
}

/// Everything `who` owns of `asset`: free and held.
pub fn total_balance<T: Config>(asset: AssetKind, who: &T::AccountId) -> u128 {
	use frame_support::traits::{fungible::Inspect as _, fungibles::Inspect as _};
	match asset {
		AssetKind::Native => T::Currency::total_balance(who),
		AssetKind::Asset(id) => T::Assets::total_balance(id, who),
	}
}
