//! The close of a perp position under liquidation.
use super::*;

/// The close of a perp position under liquidation, placed against the book for its owner by
/// the perp pallet ([`Pallet::close_for_liquidation`]): its fills settle through
/// [`Config::PerpSettlement`] as [`TakerRole::Liquidation`]. It reserves nothing: it only
/// reduces a position and never rests, so there is no margin to hold for it.
pub struct LiquidationClose<T>(core::marker::PhantomData<T>);

impl<T: Config> MarketSettlement<T> for LiquidationClose<T> {
	const INDEXES_AT_ESCROW: bool = false;

	fn fee_bases(taker_side: Side, quantity: u128, quote: u128) -> (u128, u128) {
		<PerpMarketSettlement<T> as MarketSettlement<T>>::fee_bases(taker_side, quantity, quote)
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
		<PerpMarketSettlement<T> as MarketSettlement<T>>::unindex_filled_maker(maker)
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
		<PerpMarketSettlement<T> as MarketSettlement<T>>::release(
			market_id, market, who, side, base, quote, price,
		)
	}

	fn rejected_fill_extra() -> Weight {
		<PerpMarketSettlement<T> as MarketSettlement<T>>::rejected_fill_extra()
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
		<PerpMarketSettlement<T> as MarketSettlement<T>>::release_resting(
			market, order, base, quote,
		)
	}
}
