//! Perp markets and accounts as a [`PerpState`] document: exported from storage, imported at
//! genesis after the order book (whose perp markets and orders it completes).
use crate::{
	Collateral, Config, IsolatedMargin, MarginModes, MarketIds, OpenPositions, Pallet, PerpMarket,
	PerpMarkets, Position, Positions, ReservedNotional,
};
use alloc::{
	collections::{BTreeMap, BTreeSet},
	format,
	string::String,
	vec::Vec,
};
use bourse_primitives::{
	orderbook::{quote_amount, MarketKind},
	perp::MarginMode,
	trading_state::{PerpAccountState, PerpMarketState, PerpState, PositionState},
};
use frame_support::traits::Get;

impl<T: Config> Pallet<T> {
	/// Every perp market and every account with collateral, a margin mode or positions
	/// (accounts in key order, positions by market).
	pub fn export_state() -> PerpState<T::AccountId> {
		let markets = MarketIds::<T>::get()
			.iter()
			.filter_map(|id| PerpMarkets::<T>::get(id).map(|p| market_state(*id, &p)))
			.collect();
		let mut accounts: BTreeMap<T::AccountId, PerpAccountState<T::AccountId>> = BTreeMap::new();
		for who in Collateral::<T>::iter_keys().chain(MarginModes::<T>::iter_keys()) {
			Self::account_entry(&mut accounts, who);
		}
		for (who, market, p) in Positions::<T>::iter() {
			let isolated_margin = IsolatedMargin::<T>::get(&who, market);
			let entry = Self::account_entry(&mut accounts, who);
			entry.positions.push(position_state(market, &p, isolated_margin));
		}
		let mut accounts: Vec<_> = accounts.into_values().collect();
		for account in &mut accounts {
			account.positions.sort_by_key(|p| p.market);
		}
		PerpState { markets, accounts }
	}

	fn account_entry(
		accounts: &mut BTreeMap<T::AccountId, PerpAccountState<T::AccountId>>,
		who: T::AccountId,
	) -> &mut PerpAccountState<T::AccountId> {
		accounts.entry(who.clone()).or_insert_with(|| PerpAccountState {
			collateral: Collateral::<T>::get(&who),
			margin_mode: Self::margin_mode(&who),
			account: who,
			positions: Vec::new(),
		})
	}

	/// Builds perp storage from `state` at genesis: markets (their order-book markets must
	/// exist with kind perp), accounts and positions; then margin reservations of the resting
	/// perp orders the order book imported. Checks that every market's sizes net to zero and
	/// that the vault holds exactly the collateral the ledger owes. Names the first bad entry.
	pub fn import_state(state: &PerpState<T::AccountId>) -> Result<(), String> {
		for m in &state.markets {
			let book = pallet_orderbook::Pallet::<T>::market(m.id);
			if book.map(|b| b.kind) != Some(MarketKind::Perp) {
				return Err(format!("perp market {}: no order-book market of kind Perp", m.id));
			}
			if PerpMarkets::<T>::contains_key(m.id) {
				return Err(format!("perp market {}: duplicate id", m.id));
			}
			PerpMarkets::<T>::insert(m.id, perp_market(m));
			MarketIds::<T>::try_mutate(|ids| ids.try_push(m.id))
				.map_err(|_| format!("perp market {}: more than MaxPerpMarkets", m.id))?;
		}

		let mut seen = BTreeSet::new();
		let mut long_sizes: BTreeMap<u32, (i128, u128)> = BTreeMap::new();
		for a in &state.accounts {
			let who = &a.account;
			let at = || format!("perp account {who:?}");
			if !seen.insert(who.clone()) {
				return Err(format!("{}: listed twice", at()));
			}
			if a.collateral != 0 {
				Collateral::<T>::insert(who, a.collateral);
			}
			if a.margin_mode != MarginMode::default() && *who != Self::insurance_fund() {
				MarginModes::<T>::insert(who, a.margin_mode);
			}
			for p in &a.positions {
				if !PerpMarkets::<T>::contains_key(p.market) {
					return Err(format!("{}: position in unknown perp market {}", at(), p.market));
				}
				if p.size == 0 || Positions::<T>::contains_key(who, p.market) {
					return Err(format!(
						"{}: empty or repeated position in market {}",
						at(),
						p.market
					));
				}
				Positions::<T>::insert(who, p.market, position_of(p));
				if p.size != 0 {
					crate::PositionHolders::<T>::insert((p.market, p.size > 0), who, ());
				}
				if p.isolated_margin != 0 {
					IsolatedMargin::<T>::insert(who, p.market, p.isolated_margin);
				}
				Self::track_market(who, p.market)
					.map_err(|_| format!("{}: more than MaxPositionsPerAccount markets", at()))?;
				OpenPositions::<T>::mutate(|n| *n += 1);
				let (net, long) = long_sizes.entry(p.market).or_default();
				*net += p.size;
				*long += p.size.max(0) as u128;
			}
		}
		for m in &state.markets {
			let (net, long) = long_sizes.get(&m.id).copied().unwrap_or_default();
			if net != 0 {
				return Err(format!("perp market {}: position sizes sum to {net}, not 0", m.id));
			}
			if long != m.open_interest {
				return Err(format!(
					"perp market {}: open interest {} but long sizes sum to {long}",
					m.id, m.open_interest
				));
			}
		}

		for order in pallet_orderbook::Pallet::<T>::resting_orders() {
			if !PerpMarkets::<T>::contains_key(order.market) {
				continue;
			}
			// What `Settlement::escrow` reserved for the remainder (buy or sell alike).
			let notional = quote_amount(order.price, order.remaining())
				.ok_or_else(|| format!("order {}: notional overflows", order.id))?;
			ReservedNotional::<T>::mutate(&order.owner, order.market, |r| *r += notional);
			Self::track_market(&order.owner, order.market).map_err(|_| {
				format!("order {}: owner in more than MaxPositionsPerAccount markets", order.id)
			})?;
		}

		let ledger = Self::ledger_total();
		let vault = pallet_orderbook::settlement::total_balance::<T>(
			T::CollateralAsset::get(),
			&Self::vault(),
		);
		// The vault may hold more (its own existential deposit, tokens sent to it), never less.
		if ledger > vault as i128 {
			return Err(format!(
				"the vault holds {vault} of the collateral token but the ledger owes {ledger}"
			));
		}
		Ok(())
	}

	/// What the vault owes: collateral and isolated margin of every account, plus open quote
	/// balances and accrued funding (both net to about zero over a market).
	pub fn ledger_total() -> i128 {
		let collateral: i128 = Collateral::<T>::iter_values().sum();
		let isolated: i128 = IsolatedMargin::<T>::iter_values().sum();
		let open: i128 = Positions::<T>::iter()
			.map(|(_, market, p)| {
				let funding = PerpMarkets::<T>::get(market)
					.and_then(|m| Self::accrued_funding(&p, &m).ok())
					.unwrap_or_default();
				p.quote_balance + funding
			})
			.sum();
		// The same vault holds the order book's ledger and fees of the collateral token.
		let book = pallet_orderbook::Pallet::<T>::ledger_total(T::CollateralAsset::get())
			.and_then(|t| i128::try_from(t).ok())
			.unwrap_or(i128::MAX);
		collateral + isolated + open + book
	}
}

fn market_state(id: u32, p: &PerpMarket) -> PerpMarketState {
	PerpMarketState {
		id,
		initial_margin_ppm: p.initial_margin_ppm,
		maintenance_margin_ppm: p.maintenance_margin_ppm,
		liquidation_fee_ppm: p.liquidation_fee_ppm,
		funding_interval: p.funding_interval,
		max_funding_rate_ppm: p.max_funding_rate_ppm,
		index_price: p.index_price,
		cumulative_funding: p.cumulative_funding,
		last_funding_rate_ppm: p.last_funding_rate_ppm,
		last_funding_block: p.last_funding_block,
		open_interest: p.open_interest,
	}
}

fn perp_market(m: &PerpMarketState) -> PerpMarket {
	PerpMarket {
		initial_margin_ppm: m.initial_margin_ppm,
		maintenance_margin_ppm: m.maintenance_margin_ppm,
		liquidation_fee_ppm: m.liquidation_fee_ppm,
		funding_interval: m.funding_interval,
		max_funding_rate_ppm: m.max_funding_rate_ppm,
		index_price: m.index_price,
		cumulative_funding: m.cumulative_funding,
		last_funding_rate_ppm: m.last_funding_rate_ppm,
		last_funding_block: m.last_funding_block,
		open_interest: m.open_interest,
	}
}

fn position_state(market: u32, p: &Position, isolated_margin: i128) -> PositionState {
	PositionState {
		market,
		size: p.size,
		quote_balance: p.quote_balance,
		realized_pnl: p.realized_pnl,
		funding_snapshot: p.funding_snapshot,
		isolated_margin,
	}
}

fn position_of(p: &PositionState) -> Position {
	Position {
		size: p.size,
		quote_balance: p.quote_balance,
		realized_pnl: p.realized_pnl,
		funding_snapshot: p.funding_snapshot,
	}
}
