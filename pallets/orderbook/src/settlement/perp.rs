//! Perp markets: escrow is a margin reservation and a fill a position change, both kept by
//! [`Config::PerpSettlement`].
use super::*;

/// Perp markets: escrow is a margin reservation and a fill a position change, both kept by
/// [`Config::PerpSettlement`].
pub struct PerpMarketSettlement<T>(core::marker::PhantomData<T>);

impl<T: Config> MarketSettlement<T> for PerpMarketSettlement<T> {
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
