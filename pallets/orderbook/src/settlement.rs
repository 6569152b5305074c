//! Escrow and settlement of fills.
//!
//! Spot markets escrow in the trading ledger ([`crate::ledger`]): a resting sell locks its
//! remaining base, a resting buy its remaining quote at its limit price. A fill moves locked
//! amounts of one trader to the other's free balance, net of fees, which go to the fee entries.
//! Perp markets settle through [`Config::PerpSettlement`] instead.
//!
//! Both kinds implement [`MarketSettlement`] (spot: [`SpotSettlement`], perp: [`PerpMarkets`]):
//! placing an order runs the same steps for either (escrow, one settlement per fill, the
//! taker's tally settled once, the remainder's escrow kept), choosing the kind once.
use crate::{Config, Error, Pallet};
use bourse_primitives::orderbook::{
	AssetKind, Fill, Market, MarketId, Order, OrderId, Price, Side,
};
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

/// What a taker's fills add up to, settled once when matching is over.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct TakerTally {
	/// Spot: the taker's side of its fills.
	pub legs: TakerLegs,
	/// Perp: of the taker's reservation, what its fills released (they are positions now).
	pub released: u128,
}

impl TakerTally {
	/// Adds another fill's tally.
	pub fn checked_add(self, other: TakerTally) -> Option<TakerTally> {
		Some(TakerTally {
			legs: self.legs.checked_add(other.legs)?,
			released: self.released.checked_add(other.released)?,
		})
	}
}

/// What escrowing an incoming order returned.
pub struct Escrowed {
	/// Weight of the escrow beyond the benchmark (perp: see [`Settlement::escrow`]).
	pub settlement_extra: Weight,
	/// Spot: the placer's resting orders before this one (its record's size); perp: 0.
	pub resting_before: u32,
}

/// How one kind of market escrows, settles and releases: spot in the trading ledger
/// ([`SpotSettlement`]), perp through [`Config::PerpSettlement`] ([`PerpMarkets`]). Placing an
/// order runs the same steps for both kinds (`Pallet::execute`): the kind is chosen once.
pub trait MarketSettlement<T: Config> {
	/// Whether an order that rests without matching is indexed in its escrow's write.
	const INDEXES_AT_ESCROW: bool;

	/// What a fill's fees are taken on: (the taker's, the maker's).
	fn fee_bases(taker_side: Side, quantity: u128, quote: u128) -> (u128, u128);

	/// Escrows an incoming order: `base` for a sell, `quote` for a buy (at its limit `price`).
	/// `may_rest`: it may rest. `index_at_once`: where it rests, when it rests without
	/// matching and [`Self::INDEXES_AT_ESCROW`].
	#[allow(clippy::too_many_arguments)]
	fn escrow(
		market_id: MarketId,
		market: &Market,
		who: &T::AccountId,
		side: Side,
		base: u128,
		quote: u128,
		price: Option<Price>,
		may_rest: bool,
		index_at_once: Option<crate::engine::OrderRef>,
	) -> Result<Escrowed, DispatchError>;

	/// Settles one fill (in the caller's storage transaction: on an error it is undone).
	/// `maker_done`: the fill completes the maker's order; `freed`: the taker's reservation of
	/// this fill (base, quote) at its limit.
	fn settle_fill(
		market: &Market,
		fill: &Fill<T::AccountId>,
		maker_done: bool,
		freed: (u128, u128),
		limit: Option<Price>,
	) -> Result<(TakerTally, Weight), SettleError>;

	/// A maker order the fill completed leaves its owner's index (spot: its settlement did).
	fn unindex_filled_maker(maker: &Order<T::AccountId>);

	/// Settles the taker when matching is over: of what it escrowed, its fills took `tally`,
	/// its resting remainder keeps `keep`, and the rest is released.
	#[allow(clippy::too_many_arguments)]
	fn finish_taker(
		market_id: MarketId,
		market: &Market,
		who: &T::AccountId,
		side: Side,
		limit: Option<Price>,
		escrowed: u128,
		tally: TakerTally,
		keep: u128,
	) -> Result<(), DispatchError>;

	/// Gives back escrow no longer needed: `base` of a sell, `quote` of a buy at `price`.
	#[allow(clippy::too_many_arguments)]
	fn release(
		market_id: MarketId,
		market: &Market,
		who: &T::AccountId,
		side: Side,
		base: u128,
		quote: u128,
		price: Option<Price>,
	) -> Result<(), DispatchError>;

	/// Weight a fill whose maker could not settle did before it was undone, beyond the
	/// benchmark (perp: valuing both accounts' markets).
	fn rejected_fill_extra() -> Weight;

	/// Tokens the account of a resting order keeps ledger entries of (its fills credit them).
	fn kept_tokens(market: &Market) -> alloc::vec::Vec<AssetKind>;

	/// Releases what a resting order holds (`base` for a sell, `quote` for a buy) and drops
	/// it from its owner's index.
	fn release_resting(
		market: &Market,
		order: &Order<T::AccountId>,
		base: u128,
		quote: u128,
	) -> Result<(), DispatchError>;
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

/// Perp markets: escrow is a margin reservation and a fill a position change, both kept by
/// [`Config::PerpSettlement`].
pub struct PerpMarkets<T>(core::marker::PhantomData<T>);

impl<T: Config> MarketSettlement<T> for PerpMarkets<T> {
	const INDEXES_AT_ESCROW: bool = false;

	/// Perp fees are taken on the notional, on both sides.
	fn fee_bases(_: Side, _: u128, quote: u128) -> (u128, u128) {
		(quote, quote)
	}

	fn escrow(
		market_id: MarketId,
		_: &Market,
		who: &T::AccountId,
		side: Side,
		base: u128,
		quote: u128,
		price: Option<Price>,
		may_rest: bool,
		_: Option<crate::engine::OrderRef>,
	) -> Result<Escrowed, DispatchError> {
		let settlement_extra =
			T::PerpSettlement::escrow(market_id, who, side, base, quote, price, may_rest)?;
		Ok(Escrowed { settlement_extra, resting_before: 0 })
	}

	/// The taker's reservation of the fill is released first: it is a position now, margined
	/// as one (else it would count twice in the fill's margin check).
	fn settle_fill(
		_: &Market,
		fill: &Fill<T::AccountId>,
		_: bool,
		(freed_base, freed_quote): (u128, u128),
		limit: Option<Price>,
	) -> Result<(TakerTally, Weight), SettleError> {
		T::PerpSettlement::release(
			fill.market,
			&fill.taker,
			fill.taker_side,
			freed_base,
			freed_quote,
			limit,
		)
		.map_err(SettleError::Taker)?;
		let extra = T::PerpSettlement::settle(fill, TakerRole::Trader)?;
		let released = freed_base.max(freed_quote);
		Ok((TakerTally { legs: TakerLegs::default(), released }, extra))
	}

	fn unindex_filled_maker(maker: &Order<T::AccountId>) {
		Pallet::<T>::unindex_order(&maker.owner, maker.id);
	}

	/// Each fill released its part of the reservation as it settled; what neither filled nor
	/// rests is released now.
	fn finish_taker(
		market_id: MarketId,
		_: &Market,
		who: &T::AccountId,
		side: Side,
		limit: Option<Price>,
		escrowed: u128,
		tally: TakerTally,
		keep: u128,
	) -> Result<(), DispatchError> {
		let surplus = escrowed
			.checked_sub(tally.released)
			.and_then(|s| s.checked_sub(keep))
			.ok_or(Error::<T>::Overflow)?;
		let (base, quote) = match side {
			Side::Buy => (0, surplus),
			Side::Sell => (surplus, 0),
		};
		T::PerpSettlement::release(market_id, who, side, base, quote, limit)
	}

	fn release(
		market_id: MarketId,
		_: &Market,
		who: &T::AccountId,
		side: Side,
		base: u128,
		quote: u128,
		price: Option<Price>,
	) -> Result<(), DispatchError> {
		T::PerpSettlement::release(market_id, who, side, base, quote, price)
	}

	/// Its settlement ran (valued the maker's and the taker's margin in every market they
	/// trade) before it was undone: charge the most it adds.
	fn rejected_fill_extra() -> Weight {
		T::PerpSettlement::max_fill_extra()
	}

	fn kept_tokens(_: &Market) -> alloc::vec::Vec<AssetKind> {
		alloc::vec::Vec::new()
	}

	fn release_resting(
		_: &Market,
		order: &Order<T::AccountId>,
		base: u128,
		quote: u128,
	) -> Result<(), DispatchError> {
		T::PerpSettlement::release(
			order.market,
			&order.owner,
			order.side,
			base,
			quote,
			Some(order.price),
		)?;
		Pallet::<T>::unindex_order(&order.owner, order.id);
		Ok(())
	}
}

/// The close of a perp position under liquidation, placed against the book for its owner by
/// the perp pallet ([`Pallet::close_for_liquidation`]): its fills settle through
/// [`Config::PerpSettlement`] as [`TakerRole::Liquidation`]. It reserves nothing: it only
/// reduces a position and never rests, so there is no margin to hold for it.
pub struct LiquidationClose<T>(core::marker::PhantomData<T>);

impl<T: Config> MarketSettlement<T> for LiquidationClose<T> {
	const INDEXES_AT_ESCROW: bool = false;

	fn fee_bases(taker_side: Side, quantity: u128, quote: u128) -> (u128, u128) {
		<PerpMarkets<T> as MarketSettlement<T>>::fee_bases(taker_side, quantity, quote)
	}

	fn escrow(
		_: MarketId,
		market: &Market,
		_: &T::AccountId,
		_: Side,
		_: u128,
		_: u128,
		_: Option<Price>,
		may_rest: bool,
		_: Option<crate::engine::OrderRef>,
	) -> Result<Escrowed, DispatchError> {
		frame_support::ensure!(
			market.kind == bourse_primitives::orderbook::MarketKind::Perp && !may_rest,
			Error::<T>::NotPerpMarket
		);
		Ok(Escrowed { settlement_extra: Weight::zero(), resting_before: 0 })
	}

	fn settle_fill(
		_: &Market,
		fill: &Fill<T::AccountId>,
		_: bool,
		_: (u128, u128),
		_: Option<Price>,
	) -> Result<(TakerTally, Weight), SettleError> {
		let extra = T::PerpSettlement::settle(fill, TakerRole::Liquidation)?;
		Ok((TakerTally::default(), extra))
	}

	fn unindex_filled_maker(maker: &Order<T::AccountId>) {
		<PerpMarkets<T> as MarketSettlement<T>>::unindex_filled_maker(maker)
	}

	/// Nothing was reserved, so nothing is released.
	fn finish_taker(
		_: MarketId,
		_: &Market,
		_: &T::AccountId,
		_: Side,
		_: Option<Price>,
		_: u128,
		_: TakerTally,
		_: u128,
	) -> Result<(), DispatchError> {
		Ok(())
	}

	fn release(
		market_id: MarketId,
		market: &Market,
		who: &T::AccountId,
		side: Side,
		base: u128,
		quote: u128,
		price: Option<Price>,
	) -> Result<(), DispatchError> {
		<PerpMarkets<T> as MarketSettlement<T>>::release(
			market_id, market, who, side, base, quote, price,
		)
	}

	fn rejected_fill_extra() -> Weight {
		<PerpMarkets<T> as MarketSettlement<T>>::rejected_fill_extra()
	}

	fn kept_tokens(_: &Market) -> alloc::vec::Vec<AssetKind> {
		alloc::vec::Vec::new()
	}

	fn release_resting(
		market: &Market,
		order: &Order<T::AccountId>,
		base: u128,
		quote: u128,
	) -> Result<(), DispatchError> {
		<PerpMarkets<T> as MarketSettlement<T>>::release_resting(market, order, base, quote)
	}
}
