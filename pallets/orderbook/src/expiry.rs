//! Housekeeping in `on_idle`: expiring good-til-block orders and pruning old fills.
//!
//! Both work from a cursor under the weight `on_idle` offers, so a full block only delays
//! them: the backlog is picked up where it stopped. Matching never trades an expired order
//! even while it waits here (the engine removes it when it meets it).
use crate::*;
use frame_support::{traits::Get, weights::Weight};

impl<T: Config> Pallet<T> {
	/// Expires orders whose last block is before `now`, within `budget`. Returns weight used.
	pub(crate) fn expire_orders(now: u32, budget: Weight) -> Weight {
		let per_order = T::WeightInfo::expire_order();
		let mut used = T::DbWeight::get().reads_writes(1, 1);
		if used.any_gt(budget) {
			return Weight::zero();
		}
		let mut block = ExpiryCursor::<T>::get();
		let per_block = T::DbWeight::get().reads_writes(1, 1);
		while block < now {
			if used.saturating_add(per_block).any_gt(budget) {
				break;
			}
			let mut ids = Expiries::<T>::get(block);
			used = used.saturating_add(per_block);
			while let Some(id) = ids.last().copied() {
				if used.saturating_add(per_order).any_gt(budget) {
					Expiries::<T>::insert(block, ids);
					ExpiryCursor::<T>::put(block);
					return used;
				}
				ids.pop();
				used = used.saturating_add(per_order);
				// Gone already (filled, cancelled, replaced) or re-placed with a later expiry.
				let expires_here =
					Orders::<T>::get(id).is_some_and(|o| o.expires_at == Some(block));
				if expires_here {
					if let Err(e) = Self::remove_resting(id, CancelReason::Expired) {
						log::error!(target: "orderbook", "expiring order {id} failed: {e:?}");
					}
				}
			}
			Expiries::<T>::remove(block);
			block += 1;
		}
		ExpiryCursor::<T>::put(block);
		used
	}

	/// Deletes fills older than the retention, within `budget`. Returns weight used.
	pub(crate) fn prune_fills(budget: Weight) -> Weight {
		// The fill, and its id at the front of its two orders' histories.
		let per_fill = T::DbWeight::get().reads_writes(3, 3);
		let mut used = T::DbWeight::get().reads_writes(2, 1);
		if used.any_gt(budget) {
			return Weight::zero();
		}
		let keep_from = NextFillId::<T>::get().saturating_sub(T::FillRetention::get());
		let mut oldest = OldestFill::<T>::get();
		while oldest < keep_from && !used.saturating_add(per_fill).any_gt(budget) {
			if let Some(fill) = Fills::<T>::take(oldest) {
				for order in [fill.maker_order, fill.taker_order] {
					let emptied = OrderFills::<T>::mutate(order, |ids| {
						ids.retain(|id| *id != oldest);
						ids.is_empty()
					});
					if emptied {
						OrderFills::<T>::remove(order);
					}
				}
			}
			oldest += 1;
			used = used.saturating_add(per_fill);
		}
		OldestFill::<T>::put(oldest);
		used
	}
}
