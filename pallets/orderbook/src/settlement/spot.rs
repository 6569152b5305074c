//! Spot settlement in the trading ledger: escrow locks, fills move locked amounts net of fees.
use super::*;

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

impl<T: Config> MarketSettlement<T> for SpotSettlement<T> {
	const INDEXES_AT_ESCROW: bool = true;

	/// Spot fees are taken from what each side receives.
	fn fee_bases(taker_side: Side, quantity: u128, quote: u128) -> (u128, u128) {
		match taker_side {
			Side::Buy => (quantity, quote),
			Side::Sell => (quote, quantity),
		}
	}

	fn escrow(
		_: MarketId,
		market: &Market,
		who: &T::AccountId,
		side: Side,
		base: u128,
		quote: u128,
		_: Option<Price>,
		may_rest: bool,
		index_at_once: Option<crate::engine::OrderRef>,
	) -> Result<Escrowed, DispatchError> {
		let resting_before = Self::escrow(market, who, side, base, quote, may_rest, index_at_once)?;
		Ok(Escrowed { settlement_extra: Weight::zero(), resting_before })
	}

	fn settle_fill(
		market: &Market,
		fill: &Fill<T::AccountId>,
		maker_done: bool,
		_: (u128, u128),
		_: Option<Price>,
	) -> Result<(TakerTally, Weight), SettleError> {
		let legs = Self::settle(market, fill, maker_done.then_some(fill.maker_order))?;
		Ok((TakerTally { legs, released: 0 }, Weight::zero()))
	}

	fn unindex_filled_maker(_: &Order<T::AccountId>) {}

	/// The fills were paid out of the escrow; what is neither paid nor kept is freed (price
	/// improvement, an unrested remainder), in one write per asset.
	fn finish_taker(
		_: MarketId,
		market: &Market,
		who: &T::AccountId,
		side: Side,
		_: Option<Price>,
		escrowed: u128,
		tally: TakerTally,
		keep: u128,
	) -> Result<(), DispatchError> {
		let surplus = escrowed
			.checked_sub(tally.legs.paid)
			.and_then(|s| s.checked_sub(keep))
			.ok_or(Error::<T>::Overflow)?;
		Self::settle_taker(market, who, side, tally.legs, surplus)
	}

	fn release(
		_: MarketId,
		market: &Market,
		who: &T::AccountId,
		side: Side,
		base: u128,
		quote: u128,
		_: Option<Price>,
	) -> Result<(), DispatchError> {
		Self::release(market, who, side, base, quote)
	}

	fn rejected_fill_extra() -> Weight {
		Weight::zero()
	}

	fn kept_tokens(market: &Market) -> alloc::vec::Vec<AssetKind> {
		alloc::vec![market.base, market.quote]
	}

	fn release_resting(
		market: &Market,
		order: &Order<T::AccountId>,
		base: u128,
		quote: u128,
	) -> Result<(), DispatchError> {
		let (asset, amount) = match order.side {
			Side::Sell => (market.base, base),
			Side::Buy => (market.quote, quote),
		};
		Pallet::<T>::unlock_and_unindex(&order.owner, asset, amount, order.id)
	}
}
