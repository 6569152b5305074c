//! Executing one validated order: escrow it, plan its matching, apply the plan (settling each
//! fill as its step is applied), then settle the taker once and rest or cancel the remainder.
//!
//! The engine plans from the book without changing it ([`engine::plan_match`]); this module
//! is the one place a plan is applied. Both market kinds run the same steps through
//! [`MarketSettlement`], chosen once per order.
use crate::{
	engine::{self, Incoming, MatchLimits, MatchPlan, OrderRef, Progress, RemovalReason, Step},
	settlement::{
		Escrowed, MarketSettlement, PerpMarketSettlement, SettleError, SpotSettlement, TakerTally,
	},
	store::{self, StorageBook},
	trading::PlaceOutcome,
	*,
};
use alloc::vec::Vec;
use bourse_primitives::{
	checkpoint::OnTradingStateChange,
	orderbook::{fee, Fill, Market, MarketKind, Order, Price, Quantity, Side, TimeInForce},
};
use codec::Encode;
use frame_support::{ensure, storage::TransactionOutcome, weights::Weight};
use sp_runtime::DispatchError;

/// An order being placed, after validation.
pub(crate) struct Taker<AccountId> {
	pub(crate) incoming: Incoming<AccountId>,
	pub(crate) market: Market,
	/// The market's fronts, read with its configuration.
	pub(crate) top: store::BookTop,
	pub(crate) time_in_force: TimeInForce,
	pub(crate) expires_at: Option<u32>,
	pub(crate) client_id: Option<u64>,
	/// Escrow taken up front (quote for buys, base for sells).
	pub(crate) escrowed: u128,
	/// Most resting orders it may fill or remove (see [`MatchLimits::max_fills`]).
	pub(crate) max_steps: u32,
	/// A limit order that may rest and does not cross the book: it rests or the call fails,
	/// so a spot order's escrow and index entry are written together, in one write of the
	/// placer's record.
	pub(crate) rests_at_once: bool,
}

/// What applying plans to the book has done for one incoming order so far.
struct Applied<AccountId> {
	/// Where the incoming order stands.
	progress: Progress,
	/// Fills settled.
	fills: u32,
	/// Resting orders taken off the book without trading, in order, and why.
	removed: Vec<(Order<AccountId>, CancelReason)>,
	/// Of those, makers that could not settle.
	rejected: u32,
	/// What the taker's fills add up to, settled once at the end.
	tally: TakerTally,
	/// Weight of settlement beyond the benchmarks.
	settlement_extra: Weight,
}

/// How applying a plan ended.
enum PlanEnd<AccountId> {
	/// Every step was applied.
	Whole,
	/// A maker could not settle: it was taken off the book, and the rest is to be planned
	/// again, meeting first the resting orders the plan walked behind it (not applied, so as
	/// the book still holds them).
	MakerRejected(Vec<Order<AccountId>>),
}

impl<T: Config> Pallet<T> {
	/// Escrows, matches, settles and rests (or cancels) one validated order; `steps` gets the
	/// number of resting orders matching filled or removed.
	///
	/// Each fill settles as its step is applied, in its own storage transaction: a maker that
	/// cannot settle (its margin, its account) is rolled back and cancelled (`CannotSettle`)
	/// and the rest is planned again, so no resting order can make the orders that reach it
	/// fail.
	pub(crate) fn execute(
		taker: Taker<T::AccountId>,
		steps: &mut u32,
	) -> Result<PlaceOutcome, DispatchError> {
		match taker.market.kind {
			MarketKind::Spot => Self::execute_as::<SpotSettlement<T>>(taker, steps),
			MarketKind::Perp => Self::execute_as::<PerpMarketSettlement<T>>(taker, steps),
		}
	}

	/// [`Self::execute`] for a market whose kind settles as `S`.
	pub(crate) fn execute_as<S: MarketSettlement<T>>(
		taker: Taker<T::AccountId>,
		steps: &mut u32,
	) -> Result<PlaceOutcome, DispatchError> {
		let Taker {
			incoming,
			market,
			top,
			time_in_force,
			expires_at,
			client_id,
			escrowed,
			max_steps,
			rests_at_once,
		} = taker;
		let (market_id, who, side) = (incoming.market, incoming.owner.clone(), incoming.side);
		let limit = incoming.limit;
		let (escrow_base, escrow_quote) = match side {
			Side::Sell => (escrowed, 0),
			Side::Buy => (0, escrowed),
		};
		let may_rest =
			matches!(time_in_force, TimeInForce::GoodTilCancelled | TimeInForce::PostOnly);
		// A spot order that rests without matching is indexed in its escrow's write.
		let index_at_once = match limit {
			Some(price) if rests_at_once && S::INDEXES_AT_ESCROW => {
				Some(OrderRef { id: incoming.id, market: market_id, side, price })
			},
			_ => None,
		};
		let Escrowed { settlement_extra, resting_before } = S::escrow(
			market_id,
			&market,
			&who,
			side,
			escrow_base,
			escrow_quote,
			limit,
			may_rest,
			index_at_once,
		)?;

		let now = Self::now();
		let mut book = StorageBook::<T>::knowing(market_id, top);
		let limits = MatchLimits { max_fills: max_steps, now };
		let mut applied = Applied {
			progress: Progress::start(incoming.quantity),
			fills: 0,
			removed: Vec::new(),
			rejected: 0,
			tally: TakerTally::default(),
			settlement_extra,
		};
		// An order that crosses nothing (checked when it was validated) has nothing to match:
		// the engine would only look the other side's best price up again.
		let (mut taker_stopped, mut hit_fill_limit) = (false, false);
		// Makers walked already, met first when planning again.
		let mut walked = Some(Vec::new());
		while let Some(known) = walked.take().filter(|_| !rests_at_once) {
			let plan = engine::plan_match_from(&book, &incoming, limits, applied.progress, known);
			(taker_stopped, hit_fill_limit) = (plan.taker_stopped, plan.hit_fill_limit);
			let end = Self::apply_plan::<S>(&mut book, &market, &incoming, now, plan, &mut applied);
			*steps = applied.progress.steps;
			// A rejected maker left the book and counted two steps: the rest is planned again
			// (which ends, at the latest at `max_steps`), each resting order read once in all.
			if let PlanEnd::MakerRejected(behind) = end? {
				walked = Some(behind);
			}
		}
		let Applied { progress, fills, removed, rejected, tally, settlement_extra } = applied;
		let removals = removed.len() as u32;
		for (order, reason) in removed {
			Self::after_unlinked(&order, reason)?;
		}

		let remaining = progress.remaining;
		let filled = incoming.quantity - remaining;
		let rest = remaining > 0 && !taker_stopped && !hit_fill_limit && may_rest;
		if time_in_force == TimeInForce::FillOrKill {
			ensure!(remaining == 0, Error::<T>::FillOrKillNotFilled);
		}
		let resting = if rest { remaining } else { 0 };
		// Escrow the resting remainder keeps.
		let keep = match (side, incoming.limit) {
			(Side::Buy, Some(limit)) => Self::quote_of(limit, resting)?,
			(Side::Buy, None) => 0,
			(Side::Sell, _) => resting,
		};
		S::finish_taker(market_id, &market, &who, side, limit, escrowed, tally, keep)?;

		if rest {
			let order = Order {
				id: incoming.id,
				market: market_id,
				owner: who.clone(),
				side,
				price: incoming.limit.ok_or(Error::<T>::InvalidPrice)?,
				quantity: incoming.quantity,
				filled,
				placed_at: now,
				expires_at,
				client_id,
				self_trade: incoming.self_trade,
				post_only: time_in_force == TimeInForce::PostOnly,
			};
			let at = OrderRef::of(&order);
			engine::insert(&mut book, order);
			if index_at_once != Some(at) {
				// A spot order's fills credit its market's other token: its entry is made now.
				Self::index_order(&who, at, &S::kept_tokens(&market))?;
			}
			if let Some(last) = expires_at {
				Expiries::<T>::insert(last, incoming.id, at);
			}
			if !rests_at_once {
				Self::count_rested();
			}
		} else if remaining > 0 {
			if index_at_once.is_some() {
				// (Not reached: an order that crosses nothing rests or fails. Should it be,
				// its index entry and its count go with it; its escrow was freed as surplus
				// above.)
				Self::unindex_order(&who, incoming.id);
				Self::count_left_book();
			}
			let reason = if taker_stopped {
				CancelReason::SelfTrade
			} else if hit_fill_limit {
				CancelReason::FillLimit
			} else {
				CancelReason::Unfilled
			};
			Self::deposit_event(Event::OrderCancelled {
				order_id: incoming.id,
				owner: who.clone(),
				remaining,
				reason,
			});
		}
		T::OnStateChange::note_change(
			&(b"place", incoming.id, market_id, filled, resting).encode(),
		);
		Self::deposit_event(Event::OrderPlaced {
			order_id: incoming.id,
			market: market_id,
			owner: who,
			side,
			price: incoming.limit,
			quantity: incoming.quantity,
			time_in_force,
			client_id,
			filled,
			resting,
		});
		Ok(PlaceOutcome {
			order_id: incoming.id,
			fills,
			removed: removals,
			rejected,
			filled,
			kind: market.kind,
			settlement_extra,
			expiring: rest && expires_at.is_some(),
			resting_before,
		})
	}

	/// Applies `plan`'s steps in order: a fill is settled, then the book records it; a removal
	/// leaves the book (its escrow is released when matching is over). Stops at the first
	/// maker that cannot settle, which leaves the book instead.
	#[allow(clippy::too_many_arguments)]
	fn apply_plan<S: MarketSettlement<T>>(
		book: &mut StorageBook<T>,
		market: &Market,
		incoming: &Incoming<T::AccountId>,
		now: u32,
		plan: MatchPlan<T::AccountId>,
		applied: &mut Applied<T::AccountId>,
	) -> Result<PlanEnd<T::AccountId>, DispatchError> {
		let mut steps = plan.steps.into_iter();
		while let Some(step) = steps.next() {
			match &step {
				Step::Remove { order, reason } => {
					let reason = match reason {
						RemovalReason::Expired => CancelReason::Expired,
						RemovalReason::SelfTrade => CancelReason::SelfTrade,
						RemovalReason::CannotSettle => CancelReason::CannotSettle,
					};
					engine::apply_step(book, &step);
					applied.progress = applied.progress.after(&step);
					applied.removed.push((order.clone(), reason));
				},
				Step::Fill { maker, quantity, price } => {
					let settled =
						Self::settle_fill::<S>(market, incoming, maker, *quantity, *price, now);
					match settled {
						Ok((fill, fill_tally, extra)) => {
							applied.tally = applied
								.tally
								.checked_add(fill_tally)
								.ok_or(Error::<T>::Overflow)?;
							applied.settlement_extra =
								applied.settlement_extra.saturating_add(extra);
							if step.takes_off() {
								S::unindex_filled_maker(maker);
								Self::forget_unindexed(maker);
							}
							Self::record_fill(fill);
							engine::apply_step(book, &step);
							applied.progress = applied.progress.after(&step);
							applied.fills += 1;
						},
						Err(SettleError::Maker(error)) => {
							applied.settlement_extra =
								applied.settlement_extra.saturating_add(S::rejected_fill_extra());
							Self::deposit_event(Event::MakerCannotSettle {
								order_id: maker.id,
								owner: maker.owner.clone(),
								error,
							});
							let removal = Step::Remove {
								order: maker.clone(),
								reason: RemovalReason::CannotSettle,
							};
							engine::apply_step(book, &removal);
							// A fill's work, undone, and a removal.
							applied.progress.steps = applied.progress.steps.saturating_add(2);
							applied.removed.push((maker.clone(), CancelReason::CannotSettle));
							applied.rejected += 1;
							let behind = steps.map(Step::into_order).collect();
							return Ok(PlanEnd::MakerRejected(behind));
						},
						Err(SettleError::Taker(error)) => return Err(error),
					}
				},
			}
		}
		Ok(PlanEnd::Whole)
	}

	/// Settles one trade of the incoming order against `maker` in its own storage transaction:
	/// on an error nothing of it stays. Returns the fill, what it adds to the taker's tally
	/// and the settlement's extra weight.
	#[allow(clippy::too_many_arguments)]
	fn settle_fill<S: MarketSettlement<T>>(
		market: &Market,
		incoming: &Incoming<T::AccountId>,
		maker: &Order<T::AccountId>,
		quantity: Quantity,
		price: Price,
		now: u32,
	) -> Result<(Fill<T::AccountId>, TakerTally, Weight), SettleError> {
		let quote = Self::quote_of(price, quantity).map_err(|e| SettleError::Taker(e.into()))?;
		let (taker_gets, maker_gets) = S::fee_bases(incoming.side, quantity, quote);
		let fill = Fill {
			market: incoming.market,
			maker_order: maker.id,
			maker: maker.owner.clone(),
			taker_order: incoming.id,
			taker: incoming.owner.clone(),
			taker_side: incoming.side,
			price,
			quantity,
			quote,
			maker_fee: fee(maker_gets, market.maker_fee_ppm),
			taker_fee: fee(taker_gets, market.taker_fee_ppm),
			block: now,
		};
		// The taker's reservation of this fill: base for a sell; for a buy its quote at the
		// order's limit (a market buy reserved quote amounts: the fill's quote).
		let freed = match (incoming.side, incoming.limit) {
			(Side::Sell, _) => (quantity, 0),
			(Side::Buy, Some(limit)) => {
				(0, Self::quote_of(limit, quantity).map_err(|e| SettleError::Taker(e.into()))?)
			},
			(Side::Buy, None) => (0, quote),
		};
		let maker_done = quantity == maker.remaining();
		frame_support::storage::with_transaction(|| {
			match S::settle_fill(market, &fill, maker_done, freed, incoming.limit) {
				Ok(done) => TransactionOutcome::Commit(Ok(done)),
				Err(e) => TransactionOutcome::Rollback(Err(e)),
			}
		})
		.map(|(tally, extra)| (fill, tally, extra))
	}

	/// Gives a fill its id and emits its event (the node's fill index keeps the history).
	fn record_fill(fill: Fill<T::AccountId>) {
		let fill_id = NextFillId::<T>::mutate(|next| {
			let id = *next;
			*next += 1;
			id
		});
		T::OnStateChange::note_change(
			&(b"fill", fill_id, fill.maker_order, fill.taker_order, fill.quantity).encode(),
		);
		Self::deposit_event(Event::Filled { fill_id, fill });
	}
}
