//! Escrow and settlement of fills: the traits (here) and one file per way a market settles
//! (`spot.rs`, `perp.rs`, `liquidation.rs`).
//!
//! Spot markets escrow in the trading ledger ([`crate::ledger`]): a resting sell locks its
//! remaining base, a resting buy its remaining quote at its limit price. A fill moves locked
//! amounts of one trader to the other's free balance, net of fees, which go to the fee entries.
//! Perp markets settle through [`Config::PerpSettlement`] instead.
//!
//! Both kinds implement [`MarketSettlement`] (spot: [`SpotSettlement`], perp:
//! [`PerpMarketSettlement`]): placing an order runs the same steps for either (escrow, one
//! settlement per fill, the taker's tally settled once, the remainder's escrow kept), choosing
//! the kind once.
use crate::{Config, Error, Pallet};
use bourse_primitives::orderbook::{
	AssetKind, Fill, Market, MarketId, Order, OrderId, Price, Side,
};
use frame_support::weights::Weight;
use sp_runtime::DispatchError;

mod liquidation;
mod perp;
mod spot;

pub use liquidation::LiquidationClose;
pub use perp::PerpMarketSettlement;
pub use spot::{total_balance, SpotSettlement, TakerLegs};

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
/// ([`SpotSettlement`]), perp through [`Config::PerpSettlement`] ([`PerpMarketSettlement`]). Placing an
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
