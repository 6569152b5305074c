//! `batch`: a market maker's place / cancel / replace actions in one extrinsic (as
//! Hyperliquid's batch-modify and dYdX's batch-cancel). Each action stands or fails on its own
//! (a failed one changes nothing and is reported by `BatchActionFailed`); together the actions
//! fill or remove at most `MaxFillsPerOrder` resting orders, so a batch is bounded like one
//! order. A batch holds at most `MaxBatch` actions, a replace counting as two.
use crate::*;
use alloc::vec::Vec;
use bourse_primitives::orderbook::{MarketId, OrderId, Price, Quantity};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::DispatchResultWithPostInfo, traits::Get, weights::Weight};
use scale_info::TypeInfo;

/// One action of a `batch`.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub enum BatchAction {
	/// Places a limit order.
	Place(OrderRequest),
	/// Cancels a resting order of the caller.
	Cancel(OrderId),
	/// Replaces a resting order of the caller (as `replace_order`).
	Replace {
		/// The order replaced.
		order_id: OrderId,
		/// Its new price.
		new_price: Price,
		/// Its new open quantity.
		new_quantity: Quantity,
		/// Most resting orders the new order may fill or take off the book.
		max_fills: u32,
	},
}

impl<T: Config> Pallet<T> {
	/// Runs `actions` of `who` in order under one fill budget; returns the weight used.
	pub(crate) fn do_batch(
		who: &T::AccountId,
		actions: &[BatchAction],
	) -> DispatchResultWithPostInfo {
		frame_support::ensure!(
			Self::batch_size(actions) <= T::MaxBatch::get(),
			Error::<T>::BatchTooLarge
		);
		let mut budget = T::MaxFillsPerOrder::get();
		let mut used = Weight::zero();
		// Spot places that only rested (or were dropped unmatched) are charged together per
		// market, as benchmarked (`batch_places`): they share the reads and writes of the
		// market, the trader's ledger entries and order index, the counters.
		// Per market: places that only rested, and how many of them with an expiry.
		let mut rested: Vec<(MarketId, u32, u32)> = Vec::new();
		for (index, action) in actions.iter().enumerate() {
			let mut steps = 0;
			let result = frame_support::storage::with_storage_layer(|| match action {
				BatchAction::Place(request) => {
					Self::do_place_limit_within(who, request.clone(), budget, &mut steps).map(
						|placed| match Self::only_rested(&placed) {
							true => Rested::Place { expiring: placed.expiring },
							false => Rested::No(Self::placed_weight(&placed)),
						},
					)
				},
				BatchAction::Cancel(order_id) => Self::do_cancel(who, *order_id).map(Rested::No),
				BatchAction::Replace { order_id, new_price, new_quantity, max_fills } => {
					Self::do_replace_within(
						who,
						*order_id,
						*new_price,
						*new_quantity,
						*max_fills,
						budget,
						&mut steps,
					)
					.map(|placed| Rested::No(Self::replaced_weight(&placed)))
				},
			});
			// A failed action may have matched before it failed: its work counts.
			budget = budget.saturating_sub(steps);
			let weight = match result {
				Ok(Rested::No(weight)) => weight,
				Ok(Rested::Place { expiring }) => {
					let market = match action {
						BatchAction::Place(request) => request.market,
						_ => MarketId::MAX,
					};
					let e = u32::from(expiring);
					match rested.iter_mut().find(|(m, _, _)| *m == market) {
						Some((_, n, with_expiry)) => {
							*n = n.saturating_add(1);
							*with_expiry = with_expiry.saturating_add(e);
						},
						None => rested.push((market, 1, e)),
					}
					Weight::zero()
				},
				Err(error) => {
					Self::deposit_event(Event::BatchActionFailed { index: index as u32, error });
					Self::action_weight_bound(action, steps)
				},
			};
			used = used.saturating_add(weight);
		}
		for (_, n, expiring) in rested {
			used = used.saturating_add(Self::rested_places_weight(n, expiring));
		}
		Ok(Some(used.min(Self::batch_actions_weight_bound(actions))).into())
	}
}

/// How one action of a batch is charged.
enum Rested {
	/// A spot place that only rested: charged with the market's group (`batch_places`).
	Place {
		/// It has an expiry key.
		expiring: bool,
	},
	/// Anything else: its own weight.
	No(Weight),
}

impl<T: Config> Pallet<T> {
	/// How much of `MaxBatch` `actions` use: a replace counts twice (it is a cancel and a
	/// place), so that the largest batch of any mix fits a block like the largest
	/// `place_orders`.
	pub fn batch_size(actions: &[BatchAction]) -> u32 {
		actions
			.iter()
			.map(|a| match a {
				BatchAction::Replace { .. } => 2u32,
				_ => 1,
			})
			.fold(0u32, |n, a| n.saturating_add(a))
	}
}
