//! A resting order's life outside matching: its id and the open count, what it holds and
//! gives back, its removal from the book and its owner's index, and finding it by owner.
use crate::{
	engine::{self, OrderRef},
	settlement::{MarketSettlement, PerpMarketSettlement, SpotSettlement},
	store::StorageBook,
	*,
};
use bourse_primitives::{
	checkpoint::OnTradingStateChange,
	orderbook::{Market, MarketId, MarketKind, Order, OrderId, Price, Side},
};
use codec::Encode;
use frame_support::pallet_prelude::DispatchResult;
use sp_runtime::DispatchError;

impl<T: Config> Pallet<T> {
	/// The current block number (expiries and fills are stamped with it).
	pub(crate) fn now() -> u32 {
		frame_system::Pallet::<T>::block_number().try_into().unwrap_or(u32::MAX)
	}

	/// Gives the next order id. An order that rests at once (it rests or its call fails) counts
	/// itself as resting in the same write.
	pub(crate) fn take_order_id(rests_at_once: bool) -> OrderId {
		OrderCounters::<T>::mutate(|counters| {
			let id = counters.next_id;
			counters.next_id = id.saturating_add(1);
			if rests_at_once {
				counters.open = counters.open.saturating_add(1);
			}
			id
		})
	}

	/// Counts an order that now rests on a book.
	pub(crate) fn count_rested() {
		OrderCounters::<T>::mutate(|counters| counters.open = counters.open.saturating_add(1));
	}

	/// Counts an order that no longer rests on a book.
	pub(crate) fn count_left_book() {
		OrderCounters::<T>::mutate(|counters| counters.open = counters.open.saturating_sub(1));
	}

	/// Gives back escrow no longer needed (spot escrow, perp margin reservation).
	#[allow(clippy::too_many_arguments)]
	pub(crate) fn release(
		market_id: MarketId,
		market: &Market,
		who: &T::AccountId,
		side: Side,
		base: u128,
		quote: u128,
		price: Option<Price>,
	) -> DispatchResult {
		match market.kind {
			MarketKind::Spot => <SpotSettlement<T> as MarketSettlement<T>>::release(
				market_id, market, who, side, base, quote, price,
			),
			MarketKind::Perp => <PerpMarketSettlement<T> as MarketSettlement<T>>::release(
				market_id, market, who, side, base, quote, price,
			),
		}
	}

	/// Escrow a resting order holds: base for a sell, quote at its limit for a buy.
	pub(crate) fn resting_escrow(order: &Order<T::AccountId>) -> Result<(u128, u128), Error<T>> {
		let remaining = order.remaining();
		Ok(match order.side {
			Side::Sell => (remaining, 0),
			Side::Buy => (0, Self::quote_of(order.price, remaining)?),
		})
	}

	/// Releases what a resting order holds (spot escrow, perp margin reservation) and drops it
	/// from its owner's index (for a spot order both in one write of the owner's record).
	pub(crate) fn release_and_unindex(order: &Order<T::AccountId>) -> DispatchResult {
		let market = Self::market(order.market).ok_or(Error::<T>::MarketNotFound)?;
		let (base, quote) = Self::resting_escrow(order)?;
		match market.kind {
			MarketKind::Spot => SpotSettlement::<T>::release_resting(&market, order, base, quote),
			MarketKind::Perp => {
				PerpMarketSettlement::<T>::release_resting(&market, order, base, quote)
			},
		}
	}

	/// Bookkeeping after an order left the book without trading: release escrow, forget it.
	pub(crate) fn after_unlinked(
		order: &Order<T::AccountId>,
		reason: CancelReason,
	) -> DispatchResult {
		Self::release_and_unindex(order)?;
		Self::forget_unindexed(order);
		T::OnStateChange::note_change(&(b"cancel", order.id).encode());
		Self::deposit_event(Event::OrderCancelled {
			order_id: order.id,
			owner: order.owner.clone(),
			remaining: order.remaining(),
			reason,
		});
		Ok(())
	}

	/// Drops a no-longer-resting order, already out of its owner's index, from its expiry block
	/// and the open count.
	pub(crate) fn forget_unindexed(order: &Order<T::AccountId>) {
		if let Some(last) = order.expires_at {
			Expiries::<T>::remove(last, order.id);
		}
		Self::count_left_book();
	}

	/// Takes the order resting at `at` off the book and releases its escrow. Returns whether
	/// its side's front had to be refilled from the book (it was the front's last order).
	pub(crate) fn remove_resting(
		at: &OrderRef,
		reason: CancelReason,
	) -> Result<bool, DispatchError> {
		let mut book = StorageBook::<T>::default();
		let order = engine::cancel(&mut book, at).map_err(crate::trading::map_engine::<T>)?;
		Self::after_unlinked(&order, reason)?;
		Ok(book.refills() > 0)
	}

	/// Where `who`'s resting order `id` rests, from `who`'s order index.
	pub fn order_ref(who: &T::AccountId, id: OrderId) -> Option<OrderRef> {
		Self::trading_account(who).order(id)
	}

	/// `who`'s resting order `id`.
	pub fn order_of(who: &T::AccountId, id: OrderId) -> Option<Order<T::AccountId>> {
		use engine::BookStore;
		StorageBook::<T>::default().order(&Self::order_ref(who, id)?)
	}
}
