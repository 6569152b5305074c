//! Escrow and settlement of fills.
//!
//! Spot markets escrow in the trading ledger ([`crate::ledger`]): a resting sell locks its
//! remaining base, a resting buy its remaining quote at its limit price. A fill moves locked
//! amounts of one trader to the other's free balance, net of fees, which go to the fee entries.
//! Perp markets settle through [`Config::PerpSettlement`] instead.
use crate::{Config, Error, Pallet};
use bourse_primitives::orderbook::{AssetKind, Fill, Market, MarketId, OrderId, Price, Side};
use frame_support::weights::Weight;
use sp_runtime::DispatchError;

/// Whose order takes liquidity, where settlement rules differ by it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TakerRole {
	/// A trader's order (or the insurance fund's unwind).
	Trader,
	/// The close of a position under liquidation, placed for its owner by the perp pallet: a
	/// reducing fill of it is bounded by its liquidation price (not by solvency), and an
	/// isolated margin it empties stays for the liquidation penalty.
	Liquidation,
}

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
	/// Settles one fill whose taker acts as `taker`; returns its weight beyond the per-fill
	/// slope of [`Self::order_weight`]. On an error the caller rolls back what it changed.
	fn settle(fill: &Fill<AccountId>, taker: TakerRole) -> Result<Weight, SettleError>;
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
	fn settle(_: &Fill<AccountId>, _: TakerRole) -> Result<Weight, SettleError> {
		Err(SettleError::Taker(DispatchError::Other("no perp settlement configured")))
	}
	fn max_fill_extra() -> Weight {
		Weight::zero()
	}
	fn order_weight(_: u32) -> Weight {
		Weight::zero()
	}
}

/// What a spot fill owes the taker, settled once per order by the caller (the maker's side
/// is settled at the fill).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct TakerLegs {
	/// Of the asset the taker pays: debited from its locked balance (to the maker and fee).
	pub paid: u128,
	/// Of that, the maker's fee (to the fee entry of the paid asset).
	pub maker_fee: u128,
	/// Of the asset the taker receives: credited free.
	pub received: u128,
	/// The taker's fee, taken from what it receives (to the fee entry of that asset).
	pub taker_fee: u128,
}

impl TakerLegs {
	/// Adds another fill's legs.
	pub fn checked_add(self, other: TakerLegs) -> Option<TakerLegs> {
		Some(TakerLegs {
			paid: self.paid.checked_add(other.paid)?,
			maker_fee: self.maker_fee.checked_add(other.maker_fee)?,
			received: self.received.checked_add(other.received)?,
			taker_fee: self.taker_fee.checked_add(other.taker_fee)?,
		})
	}
}

/// Spot settlement in the trading ledger.
pub struct SpotSettlement<T>(core::marker::PhantomData<T>);

impl<T: Config> SpotSettlement<T> {
	/// The asset an order of `side` pays with (and locks): quote for a buy, base for a sell.
	pub fn paying_asset(market: &Market, side: Side) -> AssetKind {
		match side {
			Side::Buy => market.quote,
			Side::Sell => market.base,
		}
	}

	/// The asset an order of `side` receives.
	pub fn receiving_asset(market: &Market, side: Side) -> AssetKind {
		Self::paying_asset(market, side.opposite())
	}

	/// Escrow of an order: locks base for a sell, quote for a buy. An order that `may_rest`
	/// needs room in its account's order index (`TooManyOrders`), checked in the same write;
	/// one that rests without matching is indexed at `index_at_once` in it too, with entries
	/// of both tokens. Returns how many orders of `who` rest (before this one).
	#[allow(clippy::too_many_arguments)]
	pub fn escrow(
		market: &Market,
		who: &T::AccountId,
		side: Side,
		base: u128,
		quote: u128,
		may_rest: bool,
		index_at_once: Option<crate::engine::OrderRef>,
	) -> Result<u32, DispatchError> {
		let (asset, amount) = match side {
			Side::Sell => (market.base, base),
			Side::Buy => (market.quote, quote),
		};
		let index = index_at_once.map(|at| (at, [market.base, market.quote]));
		Pallet::<T>::lock_for_order(who, asset, amount, may_rest, index)
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
			Side::Sell => Pallet::<T>::unlock(who, market.base, base),
			Side::Buy => Pallet::<T>::unlock(who, market.quote, quote),
		}
	}

	/// Settles the maker's side of a fill in the ledger: the maker's locked asset goes (the
	/// taker's part and the taker's fee, which is taken from what the taker receives) and the
	/// maker is credited what the taker pays net of the maker's fee. Returns the taker's legs,
	/// which the caller settles once for the whole order ([`Self::settle_taker`]). `done`: the
	/// maker's order, when this fill completes it, which leaves the maker's index in the same
	/// write.
	pub fn settle(
		market: &Market,
		fill: &Fill<T::AccountId>,
		done: Option<OrderId>,
	) -> Result<TakerLegs, SettleError> {
		let maker = &fill.maker;
		let (maker_gives, maker_gets) = match fill.taker_side {
			Side::Buy => (fill.quantity, fill.quote),
			Side::Sell => (fill.quote, fill.quantity),
		};
		let taker_side = fill.taker_side;
		let received = maker_gives.checked_sub(fill.taker_fee).ok_or(overflow::<T>())?;
		let to_maker = maker_gets.checked_sub(fill.maker_fee).ok_or(overflow::<T>())?;
		Pallet::<T>::settle_maker_entries(
			maker,
			Self::receiving_asset(market, taker_side),
			maker_gives,
			Self::paying_asset(market, taker_side),
			to_maker,
			done,
		)
		.map_err(SettleError::Maker)?;
		Ok(TakerLegs {
			paid: maker_gets,
			maker_fee: fill.maker_fee,
			received,
			taker_fee: fill.taker_fee,
		})
	}

	/// Settles the taker's side of its order's fills: pays `legs.paid` out of its locked
	/// balance, frees `unlocked` of it, credits what it received, and books both fees.
	pub fn settle_taker(
		market: &Market,
		taker: &T::AccountId,
		side: Side,
		legs: TakerLegs,
		unlocked: u128,
	) -> Result<(), DispatchError> {
		let (paying, receiving) =
			(Self::paying_asset(market, side), Self::receiving_asset(market, side));
		Pallet::<T>::settle_taker_entries(
			taker,
			paying,
			legs.paid,
			unlocked,
			receiving,
			legs.received,
		)?;
		Pallet::<T>::credit_fee(paying, legs.maker_fee)?;
		Pallet::<T>::credit_fee(receiving, legs.taker_fee)
	}
}

fn overflow<T: Config>() -> SettleError {
	SettleError::Taker(Error::<T>::Overflow.into())
}

/// Everything `who`'s wallet holds of `asset` (see [`Pallet::wallet_balance`]).
pub fn total_balance<T: Config>(asset: AssetKind, who: &T::AccountId) -> u128 {
	Pallet::<T>::wallet_balance(asset, who)
}
