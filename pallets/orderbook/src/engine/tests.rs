//! Engine tests over the in-memory book: priority, partial fills, self-trade, expiry, and
//! property tests over random operation sequences.
use super::{memory::MemoryBook, *};
use bourse_primitives::orderbook::SelfTradePrevention as Stp;
use proptest::prelude::*;

const M: MarketId = 1;
const NO_LIMITS: MatchLimits = MatchLimits { max_fills: u32::MAX, now: 0 };

fn order(id: OrderId, owner: u64, side: Side, price: Price, quantity: Quantity) -> Order<u64> {
	Order {
		id,
		market: M,
		owner,
		side,
		price,
		quantity,
		filled: 0,
		placed_at: 0,
		expires_at: None,
		client_id: None,
		self_trade: Stp::CancelMaker,
		post_only: false,
	}
}

/// Where order `id` rests (a place where it does not, if it does not rest).
fn at(book: &MemoryBook<u64>, id: OrderId) -> OrderRef {
	book.orders.get(&id).map(OrderRef::of).unwrap_or(OrderRef {
		id,
		market: M,
		side: Side::Buy,
		price: 0,
	})
}

fn incoming(
	id: OrderId,
	owner: u64,
	side: Side,
	limit: Option<Price>,
	quantity: Quantity,
) -> Incoming<u64> {
	Incoming {
		id,
		market: M,
		owner,
		side,
		limit,
		quantity,
		quote_cap: None,
		self_trade: Stp::CancelMaker,
	}
}

fn rest(book: &mut MemoryBook<u64>, o: Order<u64>) {
	insert(book, o);
}

/// Remaining quantity and number of orders at `price` on `side`, if any rest there.
fn level(book: &MemoryBook<u64>, side: Side, price: u128) -> Option<(u128, usize)> {
	let orders = level_orders(book, M, side, price);
	(!orders.is_empty()).then(|| (orders.iter().map(|o| o.remaining()).sum(), orders.len()))
}

#[test]
fn matches_best_price_first_then_oldest() {
	let mut book = MemoryBook::default();
	rest(&mut book, order(1, 10, Side::Sell, 101, 5));
	rest(&mut book, order(2, 11, Side::Sell, 100, 5));
	rest(&mut book, order(3, 12, Side::Sell, 100, 5));
	let out = match_order(&mut book, &incoming(4, 20, Side::Buy, Some(101), 12), NO_LIMITS);
	let trades: Vec<_> = out.fills.iter().map(|f| (f.maker_order, f.price, f.quantity)).collect();
	assert_eq!(trades, vec![(2, 100, 5), (3, 100, 5), (1, 101, 2)]);
	assert_eq!(out.remaining, 0);
	assert_eq!(book.orders.get(&1).map(|o| o.remaining()), Some(3));
	assert_eq!(level(&book, Side::Sell, 101), Some((3, 1)));
	assert!(level(&book, Side::Sell, 100).is_none());
	assert_eq!(book.best_price(M, Side::Sell), Some(101));
}

#[test]
fn limit_stops_matching_and_leaves_remainder() {
	let mut book = MemoryBook::default();
	rest(&mut book, order(1, 10, Side::Buy, 99, 5));
	rest(&mut book, order(2, 10, Side::Buy, 98, 5));
	let out = match_order(&mut book, &incoming(3, 20, Side::Sell, Some(99), 8), NO_LIMITS);
	assert_eq!(out.fills.len(), 1);
	assert_eq!(out.remaining, 3);
	assert_eq!(book.best_price(M, Side::Buy), Some(98));
}

#[test]
fn cancel_relinks_middle_of_level() {
	let mut book = MemoryBook::default();
	for id in 1..=3 {
		rest(&mut book, order(id, id, Side::Buy, 50, 1));
	}
	let place = at(&book, 2);
	cancel(&mut book, &place).expect("rests");
	let ids: Vec<_> = level_orders(&book, M, Side::Buy, 50).iter().map(|o| o.id).collect();
	assert_eq!(ids, vec![1, 3]);
	assert_eq!(level(&book, Side::Buy, 50), Some((2, 2)));
	assert_eq!(cancel(&mut book, &place), Err(EngineError::UnknownOrder));
}

#[test]
fn reduce_keeps_time_priority() {
	let mut book = MemoryBook::default();
	rest(&mut book, order(1, 1, Side::Sell, 7, 10));
	rest(&mut book, order(2, 2, Side::Sell, 7, 10));
	let place = at(&book, 1);
	reduce(&mut book, &place, 4).expect("rests");
	let out = match_order(&mut book, &incoming(3, 3, Side::Buy, Some(7), 4), NO_LIMITS);
	assert_eq!(out.fills[0].maker_order, 1);
	assert!(out.fills[0].maker_done);
}

#[test]
fn book_order_walks_levels_best_first_and_each_level_oldest_first() {
	let mut book = MemoryBook::default();
	for (id, price) in [(1, 5), (2, 7), (3, 5), (4, 6), (5, 7)] {
		rest(&mut book, order(id, 1, Side::Buy, price, 1));
	}
	let mut walked = Vec::new();
	let mut cursor = book.first_from(M, Side::Buy, u128::MAX);
	while let Some(at) = cursor {
		walked.push((at.price, at.id));
		cursor = book.next_after(&at);
	}
	assert_eq!(walked, vec![(7, 2), (7, 5), (6, 4), (5, 1), (5, 3)]);
	assert_eq!(book.first_from(M, Side::Buy, 6).map(|at| at.id), Some(4));
	assert_eq!(book.first_from(M, Side::Sell, 0), None, "the other side is empty");
}

#[test]
fn self_trade_modes() {
	let setup = || {
		let mut book = MemoryBook::default();
		rest(&mut book, order(1, 7, Side::Sell, 10, 5));
		rest(&mut book, order(2, 8, Side::Sell, 10, 5));
		book
	};
	let mut book = setup();
	let mut taker = incoming(3, 7, Side::Buy, Some(10), 5);
	let out = match_order(&mut book, &taker, NO_LIMITS);
	assert_eq!(out.removed[0].reason, RemovalReason::SelfTrade);
	assert_eq!(out.fills[0].maker_order, 2);

	let mut book = setup();
	taker.self_trade = Stp::CancelTaker;
	let out = match_order(&mut book, &taker, NO_LIMITS);
	assert!(out.taker_stopped && out.fills.is_empty() && out.removed.is_empty());
	assert!(book.orders.contains_key(&1));

	let mut book = setup();
	taker.self_trade = Stp::CancelBoth;
	let out = match_order(&mut book, &taker, NO_LIMITS);
	assert!(out.taker_stopped && out.fills.is_empty());
	assert!(!book.orders.contains_key(&1) && book.orders.contains_key(&2));
}

#[test]
fn expired_makers_are_removed_not_matched() {
	let mut book = MemoryBook::default();
	let mut stale = order(1, 1, Side::Sell, 10, 5);
	stale.expires_at = Some(4);
	rest(&mut book, stale);
	rest(&mut book, order(2, 2, Side::Sell, 11, 5));
	let out = match_order(
		&mut book,
		&incoming(3, 3, Side::Buy, None, 5),
		MatchLimits { max_fills: 10, now: 5 },
	);
	assert_eq!(out.removed[0].reason, RemovalReason::Expired);
	assert_eq!(out.fills[0].maker_order, 2);
}

#[test]
fn fill_limit_stops_matching() {
	let mut book = MemoryBook::default();
	for id in 1..=5 {
		rest(&mut book, order(id, id, Side::Sell, 10, 1));
	}
	let out = match_order(
		&mut book,
		&incoming(9, 9, Side::Buy, Some(10), 5),
		MatchLimits { max_fills: 3, now: 0 },
	);
	assert_eq!((out.fills.len(), out.remaining, out.hit_fill_limit), (3, 2, true));
}

#[test]
fn removals_count_toward_the_fill_limit() {
	// Three of the taker's own asks, then two of others: self-trade removals are work too.
	let mut book = MemoryBook::default();
	for id in 1..=3 {
		rest(&mut book, order(id, 9, Side::Sell, 10, 1));
	}
	for id in 4..=5 {
		rest(&mut book, order(id, id, Side::Sell, 10, 1));
	}
	let out = match_order(
		&mut book,
		&incoming(9, 9, Side::Buy, Some(10), 5),
		MatchLimits { max_fills: 4, now: 0 },
	);
	assert_eq!((out.removed.len(), out.fills.len(), out.steps()), (3, 1, 4));
	assert_eq!((out.remaining, out.hit_fill_limit), (4, true));
	assert!(book.orders.contains_key(&5), "the fifth order was not touched");
}

/// One step of a random workload.
#[derive(Clone, Debug)]
enum Op {
	Place { owner: u64, buy: bool, price: Price, quantity: Quantity, split: usize },
	Cancel { pick: usize },
	Reduce { pick: usize, to_percent: u8 },
}

fn op() -> impl Strategy<Value = Op> {
	prop_oneof![
		6 => (0u64..4, any::<bool>(), 90u128..110, 1u128..20, any::<usize>())
			.prop_map(|(owner, buy, price, quantity, split)| Op::Place { owner, buy, price, quantity, split }),
		2 => any::<usize>().prop_map(|pick| Op::Cancel { pick }),
		1 => (any::<usize>(), 1u8..100).prop_map(|(pick, to_percent)| Op::Reduce { pick, to_percent }),
	]
}

/// Checks the book's structure: every order once in book order, each level FIFO by id, with
/// something left to fill, never crossed.
fn check_book(book: &MemoryBook<u64>) -> Result<(), TestCaseError> {
	prop_assert_eq!(book.queued(), book.orders.len(), "the levels hold every order once");
	for side in [Side::Buy, Side::Sell] {
		let mut cursor = book.first_from(M, side, if side == Side::Buy { u128::MAX } else { 0 });
		prop_assert_eq!(cursor, book.first(M, side), "the kept first is first");
		let mut last: Option<(u128, u64)> = None;
		while let Some(at) = cursor {
			let order = book.order(&at).ok_or_else(|| TestCaseError::fail("queued, not stored"))?;
			prop_assert!(order.remaining() > 0 && order.price == at.price && order.side == side);
			if let Some((price, id)) = last {
				prop_assert!(
					better(side, price, at.price) || (price == at.price && id < at.id),
					"book order: best price first, then oldest"
				);
			}
			last = Some((at.price, at.id));
			cursor = book.next_after(&at);
		}
	}
	if let (Some(bid), Some(ask)) = (book.best_price(M, Side::Buy), book.best_price(M, Side::Sell))
	{
		prop_assert!(bid < ask, "crossed book: bid {} >= ask {}", bid, ask);
	}
	Ok(())
}

/// Planning `taker` changes nothing, and a plan applied up to a step (`split` picks which)
/// and planned again from there goes on with the same steps to the same end: what the pallet
/// relies on when it plans again after a maker that cannot settle.
fn check_planning(
	book: &MemoryBook<u64>,
	taker: &Incoming<u64>,
	split: usize,
) -> Result<(), TestCaseError> {
	let before = book.clone();
	let plan = plan_match(book, taker, NO_LIMITS, Progress::start(taker.quantity));
	prop_assert_eq!(&book.orders, &before.orders, "planning changes nothing");
	prop_assert_eq!(book.queued(), before.queued());
	let taken: Quantity = plan
		.steps
		.iter()
		.map(|s| match s {
			Step::Fill { quantity, .. } => *quantity,
			Step::Remove { .. } => 0,
		})
		.sum();
	prop_assert_eq!(taken + plan.end.remaining, taker.quantity);
	prop_assert_eq!(plan.end.steps as usize, plan.steps.len());
	// Only the last step may leave its order on the book.
	for step in plan.steps.iter().rev().skip(1) {
		prop_assert!(step.takes_off());
	}
	// (A taker stopped by self-trade prevention ends its plan; it is not planned again.)
	let ends = if plan.taker_stopped { plan.steps.len().max(1) } else { plan.steps.len() + 1 };
	let k = split % ends;
	let mut applied = book.clone();
	let mut progress = Progress::start(taker.quantity);
	for step in &plan.steps[..k] {
		apply_step(&mut applied, step);
		progress = progress.after(step);
	}
	let rest = plan_match(&applied, taker, NO_LIMITS, progress);
	prop_assert_eq!(&rest.steps[..], &plan.steps[k..]);
	prop_assert_eq!(rest.end, plan.end);

	// A maker that cannot settle: under a step limit, the plan is applied up to a fill, whose
	// maker leaves the book instead (two steps). Planning again from the makers the plan
	// walked behind it plans what a fresh walk of the book plans.
	let limits = MatchLimits { max_fills: 1 + (split % 13) as u32, now: 0 };
	let plan = plan_match(book, taker, limits, Progress::start(taker.quantity));
	let fills: Vec<usize> =
		(0..plan.steps.len()).filter(|&i| matches!(plan.steps[i], Step::Fill { .. })).collect();
	if let Some(&k) = fills.get(split % fills.len().max(1)) {
		let mut applied = book.clone();
		let mut progress = Progress::start(taker.quantity);
		for step in &plan.steps[..k] {
			apply_step(&mut applied, step);
			progress = progress.after(step);
		}
		applied.remove_order(&OrderRef::of(plan.steps[k].order()));
		progress.steps += 2;
		let walked = plan.steps[k + 1..].iter().map(|s| s.order().clone()).collect();
		let resumed = plan_match_from(&applied, taker, limits, progress, walked);
		let fresh = plan_match(&applied, taker, limits, progress);
		prop_assert_eq!(resumed, fresh);
	}
	Ok(())
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(2000))]

	#[test]
	fn random_workloads_keep_the_book_sound(ops in proptest::collection::vec(op(), 1..80)) {
		let mut book = MemoryBook::default();
		let mut next_id = 1;
		// Per order: original quantity and quantity traded so far, to check conservation.
		let mut traded: alloc::collections::BTreeMap<OrderId, (Quantity, Quantity)> = Default::default();
		for op in ops {
			match op {
				Op::Place { owner, buy, price, quantity, split } => {
					let side = if buy { Side::Buy } else { Side::Sell };
					let id = next_id;
					next_id += 1;
					let taker = incoming(id, owner, side, Some(price), quantity);
					check_planning(&book, &taker, split)?;
					let out = match_order(&mut book, &taker, NO_LIMITS);
					let taken: Quantity = out.fills.iter().map(|f| f.quantity).sum();
					prop_assert_eq!(taken + out.remaining, quantity);
					for fill in &out.fills {
						prop_assert!(crosses(side, Some(price), fill.price));
						prop_assert!(fill.maker != owner, "self-trade happened");
						traded.get_mut(&fill.maker_order).expect("maker known").1 += fill.quantity;
					}
					traded.insert(id, (quantity, taken));
					if out.remaining > 0 && !out.taker_stopped {
						let mut o = order(id, owner, side, price, quantity);
						o.filled = taken;
						rest(&mut book, o);
					}
				},
				Op::Cancel { pick } => {
					if let Some(&id) = book.orders.keys().nth(pick % book.orders.len().max(1)) {
						let place = at(&book, id);
						cancel(&mut book, &place).expect("rests");
					}
				},
				Op::Reduce { pick, to_percent } => {
					if let Some(o) = book.orders.values().nth(pick % book.orders.len().max(1)).cloned() {
						let new_quantity = o.filled + (o.remaining() * to_percent as u128 / 100).max(1);
						reduce(&mut book, &OrderRef::of(&o), new_quantity).expect("rests");
						traded.insert(o.id, (new_quantity, o.filled));
					}
				},
			}
			check_book(&book)?;
			for o in book.orders.values() {
				let (original, filled) = traded[&o.id];
				prop_assert_eq!(o.filled, filled, "filled matches trades of order {}", o.id);
				prop_assert_eq!(o.filled + o.remaining(), original);
			}
		}
	}
}

/// A book that counts the orders read from it.
struct Counting {
	book: MemoryBook<u64>,
	reads: core::cell::Cell<u32>,
}

impl BookStore<u64> for Counting {
	fn order(&self, at: &OrderRef) -> Option<Order<u64>> {
		self.reads.set(self.reads.get() + 1);
		self.book.order(at)
	}
	fn put_order(&mut self, order: &Order<u64>) {
		self.book.put_order(order)
	}
	fn remove_order(&mut self, at: &OrderRef) {
		self.book.remove_order(at)
	}
	fn first_from(&self, market: MarketId, side: Side, price: Price) -> Option<OrderRef> {
		self.book.first_from(market, side, price)
	}
	fn next_after(&self, at: &OrderRef) -> Option<OrderRef> {
		self.book.next_after(at)
	}
	fn first(&self, market: MarketId, side: Side) -> Option<OrderRef> {
		self.book.first(market, side)
	}
}

/// An attacker rests makers that cannot settle in front of the book: each one the taker meets
/// leaves the book and the rest is planned again. Planning again meets the makers walked
/// already without reading them again, so the taker reads each resting order once, not once
/// per rejected maker in front of it.
#[test]
fn planning_again_after_rejected_makers_reads_each_order_once() {
	let mut store = Counting { book: MemoryBook::default(), reads: Default::default() };
	for id in 1..=20 {
		rest(&mut store.book, order(id, 7, Side::Sell, 10 + id as u128 % 3, 1));
	}
	let taker = incoming(100, 9, Side::Buy, Some(20), 20);
	let limits = MatchLimits { max_fills: 64, now: 0 };
	let (mut progress, mut walked, mut rejected) = (Progress::start(20), Vec::new(), 0);
	loop {
		let plan = plan_match_from(&store, &taker, limits, progress, walked);
		let mut steps = plan.steps.into_iter();
		// Every maker is rejected: it leaves the book, two steps.
		let Some(step) = steps.next() else { break };
		store.remove_order(&OrderRef::of(step.order()));
		progress.steps += 2;
		rejected += 1;
		walked = steps.map(Step::into_order).collect();
	}
	assert_eq!(rejected, 20);
	assert!(store.book.orders.is_empty());
	assert_eq!(store.reads.get(), 20, "each resting order read once");
}
