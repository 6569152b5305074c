//! Housekeeping in `on_idle`: expiring good-til-block orders.
//!
//! It works from a cursor under the weight `on_idle` offers, so a full block only delays it:
//! the backlog is picked up where it stopped. Matching never trades an expired order
//! even while it waits here (the engine removes it when it meets it).
use crate::*;
use alloc::vec::Vec;
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
		// A block's key lookup (also when it holds no more orders).
		let per_block = T::DbWeight::get().reads(1);
		while block < now {
			if used.saturating_add(per_block).any_gt(budget) {
				break;
			}
			used = used.saturating_add(per_block);
			// As many as the budget allows, read in one pass over the block's keys.
			let room = budget.saturating_sub(used);
			let fit = [
				room.ref_time().checked_div(per_order.ref_time().max(1)),
				room.proof_size().checked_div(per_order.proof_size()),
			]
			.into_iter()
			.flatten()
			.min()
			.unwrap_or(0);
			let due: Vec<engine::OrderRef> =
				Expiries::<T>::iter_prefix_values(block).take(fit as usize + 1).collect();
			let more = due.len() as u64 > fit;
			for at in due.into_iter().take(fit as usize) {
				used = used.saturating_add(per_order);
				Expiries::<T>::remove(block, at.id);
				// Every order leaves this index as it leaves the book: it still rests here.
				if let Err(e) = Self::remove_resting(&at, CancelReason::Expired) {
					log::error!(target: "orderbook", "expiring order {} failed: {e:?}", at.id);
				}
			}
			if more {
				break;
			}
			block += 1;
		}
		ExpiryCursor::<T>::put(block);
		used
	}
}
