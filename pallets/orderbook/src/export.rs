//! The order book as a [`OrderbookState`] document: exported from storage, and imported at
//! genesis (markets, then resting orders re-queued in their time priority, then the trading
//! ledger and fee entries).
use crate::{
	engine::{self, OrderRef},
	store::{MarketRecord, StorageBook},
	Accounts, Config, Error, Expiries, FeeBalances, Markets, NextMarketId, OrderCounters, Orders,
	Pallet,
};
use alloc::{collections::BTreeSet, format, string::String, vec::Vec};
use bourse_primitives::{
	orderbook::{quote_amount, AssetKind, Market, MarketKind, Order, Side, TradingBalance},
	trading_state::{FeeState, LedgerEntryState, MarketState, OrderState, OrderbookState},
};

impl<T: Config> Pallet<T> {
	/// The whole order book: markets by id, resting orders in book order (per market: bids
	/// best first, then asks best first; within a price level oldest first).
	pub fn export_state() -> OrderbookState<T::AccountId> {
		let next_market_id = NextMarketId::<T>::get();
		let mut markets = Vec::new();
		let mut orders = Vec::new();
		for id in 0..next_market_id {
			let Some(market) = Self::market(id) else { continue };
			markets.push(market_state(id, &market));
			for side in [Side::Buy, Side::Sell] {
				// Storage order is book order.
				orders.extend(Orders::<T>::iter_prefix_values((id, side)).map(order_state));
			}
		}
		// Sorted (account, then token), so a document does not depend on storage hashing.
		// Empty entries (kept for resting orders) are left out: importing the orders makes them.
		let mut ledger: Vec<_> = Accounts::<T>::iter()
			.flat_map(|(account, record)| {
				record.balances.into_iter().filter(|(_, b)| !b.is_empty()).map(move |(asset, b)| {
					LedgerEntryState {
						account: account.clone(),
						asset,
						free: b.free,
						locked: b.locked,
					}
				})
			})
			.collect();
		ledger.sort_by(|a, b| (&a.account, a.asset).cmp(&(&b.account, b.asset)));
		let mut fees: Vec<_> =
			FeeBalances::<T>::iter().map(|(asset, amount)| FeeState { asset, amount }).collect();
		fees.sort_by_key(|f| f.asset);
		OrderbookState {
			next_market_id,
			next_order_id: Self::next_order_id(),
			markets,
			orders,
			ledger,
			fees,
		}
	}

	/// Builds the order book from `state` on empty storage (genesis). Checks every entry and
	/// names the first bad one; the caller panics on error so nothing half-built remains.
	/// The ledger and fee entries are taken as they are (the vault's balance, which must
	/// already exist, must cover them) and each locked amount must be exactly its owner's
	/// resting spot escrow; perp orders are margined by pallet-perp, whose genesis runs after
	/// this one.
	pub fn import_state(state: &OrderbookState<T::AccountId>) -> Result<(), String> {
		let mut ids = BTreeSet::new();
		for m in &state.markets {
			let market = market_of(m);
			if !ids.insert(m.id) {
				return Err(format!("market {}: duplicate id", m.id));
			}
			if m.id >= state.next_market_id {
				return Err(format!("market {}: id not below nextMarketId", m.id));
			}
			Self::validate_market(&market).map_err(|e| format!("market {}: {e:?}", m.id))?;
			Self::list_assets(&market);
			Markets::<T>::insert(m.id, MarketRecord { market, top: Default::default() });
		}
		NextMarketId::<T>::put(state.next_market_id);

		let mut order_ids = BTreeSet::new();
		// Oldest first, whatever the document's order: each joins its level as the newest.
		let mut by_age: Vec<&OrderState<T::AccountId>> = state.orders.iter().collect();
		by_age.sort_by_key(|o| o.id);
		for o in by_age {
			let at = || format!("order {}", o.id);
			if !order_ids.insert(o.id) {
				return Err(format!("{}: duplicate id", at()));
			}
			if o.id >= state.next_order_id {
				return Err(format!("{}: id not below nextOrderId", at()));
			}
			let market = Self::market(o.market)
				.ok_or_else(|| format!("{}: unknown market {}", at(), o.market))?;
			check_order(&market, o).map_err(|e| format!("{}: {e}", at()))?;
			let order = order_of(o);
			let place = OrderRef::of(&order);
			let kept: &[AssetKind] = match market.kind {
				MarketKind::Spot => &[market.base, market.quote],
				MarketKind::Perp => &[],
			};
			Self::index_order(&o.owner, place, kept).map_err(|e| {
				if e == Error::<T>::TooManyOrders.into() {
					format!("{}: owner has more orders than MaxOrdersPerAccount", at())
				} else {
					format!("{}: owner has entries of more tokens than MaxAssetsPerAccount", at())
				}
			})?;
			if let Some(last) = o.expires_at {
				Expiries::<T>::insert(last, o.id, place);
			}
			engine::insert(&mut StorageBook::<T>::default(), order);
			OrderCounters::<T>::mutate(|counters| counters.open = counters.open.saturating_add(1));
		}
		OrderCounters::<T>::mutate(|counters| counters.next_id = state.next_order_id);

		for m in &state.markets {
			let book = StorageBook::<T>::default();
			let bid = engine::BookStore::best_price(&book, m.id, Side::Buy);
			let ask = engine::BookStore::best_price(&book, m.id, Side::Sell);
			if let (Some(bid), Some(ask)) = (bid, ask) {
				if bid >= ask {
					return Err(format!("market {}: crossed book (bid {bid} >= ask {ask})", m.id));
				}
			}
		}
		for e in &state.ledger {
			let entry = TradingBalance { free: e.free, locked: e.locked };
			if entry.is_empty() || !Self::trading_balance(&e.account, e.asset).is_empty() {
				return Err(format!("ledger entry of {:?}: empty or duplicate", e.asset));
			}
			Self::mutate_account(&e.account, |record| {
				*record.entry_mut(e.asset).ok_or(Error::<T>::TooManyAssets)? = entry;
				Ok(())
			})
			.map_err(|_| {
				format!("ledger entry of {:?}: more tokens than MaxAssetsPerAccount", e.asset)
			})?;
		}
		for f in &state.fees {
			FeeBalances::<T>::insert(f.asset, f.amount);
		}
		Self::do_try_state().map_err(|e| format!("ledger: {e:?}"))?;
		Ok(())
	}
}

/// Why a resting order cannot be on its market's book.
fn check_order<A>(market: &Market, o: &OrderState<A>) -> Result<(), &'static str> {
	if o.price == 0 || !o.price.is_multiple_of(market.tick_size) {
		return Err("price is zero or off the tick grid");
	}
	if !o.quantity.is_multiple_of(market.lot_size) || !o.filled.is_multiple_of(market.lot_size) {
		return Err("quantity or filled is off the lot grid");
	}
	if o.quantity < market.min_size {
		return Err("quantity below the market's minimum size");
	}
	if o.filled >= o.quantity {
		return Err("nothing left to rest (filled >= quantity)");
	}
	if quote_amount(o.price, o.quantity).is_none() {
		return Err("price * quantity overflows");
	}
	Ok(())
}

fn market_state(id: u32, m: &Market) -> MarketState {
	MarketState {
		id,
		kind: m.kind,
		base: m.base,
		quote: m.quote,
		tick_size: m.tick_size,
		lot_size: m.lot_size,
		min_size: m.min_size,
		maker_fee_ppm: m.maker_fee_ppm,
		taker_fee_ppm: m.taker_fee_ppm,
		status: m.status,
	}
}

fn market_of(m: &MarketState) -> Market {
	Market {
		base: m.base,
		quote: m.quote,
		tick_size: m.tick_size,
		lot_size: m.lot_size,
		min_size: m.min_size,
		maker_fee_ppm: m.maker_fee_ppm,
		taker_fee_ppm: m.taker_fee_ppm,
		status: m.status,
		kind: m.kind,
	}
}

fn order_state<A>(o: Order<A>) -> OrderState<A> {
	OrderState {
		id: o.id,
		market: o.market,
		owner: o.owner,
		side: o.side,
		price: o.price,
		quantity: o.quantity,
		filled: o.filled,
		placed_at: o.placed_at,
		expires_at: o.expires_at,
		client_id: o.client_id,
		self_trade: o.self_trade,
		post_only: o.post_only,
	}
}

fn order_of<A: Clone>(o: &OrderState<A>) -> Order<A> {
	Order {
		id: o.id,
		market: o.market,
		owner: o.owner.clone(),
		side: o.side,
		price: o.price,
		quantity: o.quantity,
		filled: o.filled,
		placed_at: o.placed_at,
		expires_at: o.expires_at,
		client_id: o.client_id,
		self_trade: o.self_trade,
		post_only: o.post_only,
	}
}
