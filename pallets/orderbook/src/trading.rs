//! Placing, matching, settling and cancelling orders.
use crate::{
	engine::{self, EngineError, Incoming, OrderRef},
	execution::Taker,
	settlement::{LiquidationClose, MarketSettlement, PerpMarkets, SpotSettlement},
	store::{self, StorageBook},
	*,
};
use bourse_primitives::{
	checkpoint::OnTradingStateChange,
	orderbook::{
		quote_amount, AssetKind, Market, MarketId, MarketKind, MarketStatus, Order, OrderId, Price,
		Quantity, SelfTradePrevention, Side, TimeInForce, PRICE_SCALE,
	},
};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{ensure, pallet_prelude::DispatchResult, traits::Get, weights::Weight};
use scale_info::TypeInfo;
use sp_runtime::DispatchError;

/// A limit order as a trader submits it (also one entry of a `place_orders` batch).
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct OrderRequest {
	/// Market to trade.
	pub market: MarketId,
	/// Buy or sell.
	pub side: Side,
	/// Limit price.
	pub price: Price,
	/// Base quantity.
	pub quantity: Quantity,
	/// Time in force.
	pub time_in_force: TimeInForce,
	/// Last block the order may trade in.
	pub expires_at: Option<u32>,
	/// The trader's own reference.
	pub client_id: Option<u64>,
	/// Self-trade prevention mode.
	pub self_trade: SelfTradePrevention,
	/// Most resting orders it may fill or take off the book (at most `MaxFillsPerOrder`;
	/// larger values mean that). The call's up-front weight is charged for this many, so an
	/// order meant to rest passes 0: if it would cross, its remainder is cancelled
	/// (`FillLimit`) instead of trading. Ignored by post-only orders, which never match.
	pub max_fills: u32,
}

impl<T: Config> From<OrderRequest> for Call<T> {
	/// The `place_order` call of a request (as `place_orders` would place it).
	fn from(r: OrderRequest) -> Self {
		Call::place_order {
			market: r.market,
			side: r.side,
			price: r.price,
			quantity: r.quantity,
			time_in_force: r.time_in_force,
			expires_at: r.expires_at,
			client_id: r.client_id,
			self_trade: r.self_trade,
			max_fills: r.max_fills,
		}
	}
}

/// What bounds a market order.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum MarketOrderBound {
	/// Trade no worse than this price.
	WorstPrice(Price),
	/// Buys only: spend at most this much quote.
	MaxQuote(u128),
}

/// What placing one order did.
pub struct PlaceOutcome {
	/// Id given to the order.
	pub order_id: OrderId,
	/// Number of fills.
	pub fills: u32,
	/// Resting orders taken off the book on the way (expired, self-trade, cannot settle).
	pub removed: u32,
	/// Of those, makers that could not settle: each also did a fill's work (rolled back).
	pub rejected: u32,
	/// Base quantity filled.
	pub filled: Quantity,
	/// Kind of the market (weights differ: perp fills settle as positions).
	pub kind: MarketKind,
	/// Weight of settling the fills beyond the per-fill benchmark (see
	/// [`crate::Settlement::settle`]).
	pub settlement_extra: Weight,
	/// It rests with an expiry (one more key written).
	pub expiring: bool,
	/// Spot: how many other orders of the placer rested when it was placed (its record, read
	/// and written whole, grows with them); 0 for perp orders (weighed by pallet-perp).
	pub resting_before: u32,
}

fn map_engine<T: Config>(e: EngineError) -> Error<T> {
	match e {
		EngineError::UnknownOrder => Error::<T>::OrderNotFound,
	}
}

impl<T: Config> Pallet<T> {
	/// Checks a market's parameters (also used by pallet-perp for perp markets).
	pub fn validate_market(m: &Market) -> Result<(), Error<T>> {
		ensure!(m.base != m.quote, Error::<T>::SameAssets);
		let exact_quotes =
			m.tick_size.checked_mul(m.lot_size).is_some_and(|p| p % PRICE_SCALE == 0);
		ensure!(
			m.tick_size > 0
				&& m.lot_size > 0
				&& m.min_size >= m.lot_size
				&& m.min_size.is_multiple_of(m.lot_size)
				&& exact_quotes,
			Error::<T>::InvalidMarketParameters
		);
		ensure!(m.maker_fee_ppm <= 100_000 && m.taker_fee_ppm <= 100_000, Error::<T>::FeeTooHigh);
		Ok(())
	}

	/// Stores a validated market under the next id.
	pub fn insert_market(market: Market) -> MarketId {
		let id = NextMarketId::<T>::mutate(|next| {
			let id = *next;
			*next += 1;
			id
		});
		Self::deposit_event(Event::MarketCreated {
			market: id,
			base: market.base,
			quote: market.quote,
			kind: market.kind,
		});
		Self::list_assets(&market);
		Markets::<T>::insert(id, store::MarketRecord { market, top: Default::default() });
		id
	}

	/// The tokens traders deposit to trade `market`: a spot market's base and quote; a perp
	/// market's collateral (its quote; the underlying never moves).
	pub fn deposited_assets(market: &Market) -> impl Iterator<Item = AssetKind> {
		let base = (market.kind == MarketKind::Spot).then_some(market.base);
		base.into_iter().chain(core::iter::once(market.quote))
	}

	/// Lets the ledger take `market`'s tokens ([`ListedAssets`]).
	pub(crate) fn list_assets(market: &Market) {
		for asset in Self::deposited_assets(market) {
			ListedAssets::<T>::insert(asset, ());
		}
	}

	/// Refuses to list `market` unless the vault can hold each of its tokens: a token it
	/// neither holds nor has listed must exist, and the vault must have room for it (a
	/// non-sufficient token takes a consumer reference), so the first deposit after the
	/// listing cannot fail for a reason no trader controls.
	pub fn ensure_vault_can_hold(market: &Market) -> DispatchResult {
		use frame_support::traits::{
			fungible::Inspect as _,
			fungibles::Inspect as _,
			tokens::{DepositConsequence, Provenance},
		};
		let vault = Self::vault();
		for asset in Self::deposited_assets(market) {
			if ListedAssets::<T>::contains_key(asset) || Self::wallet_balance(asset, &vault) > 0 {
				continue;
			}
			let consequence = match asset {
				AssetKind::Native => T::Currency::can_deposit(
					&vault,
					T::Currency::minimum_balance(),
					Provenance::Extant,
				),
				AssetKind::Asset(id) => {
					if !T::Assets::asset_exists(id) {
						return Err(Error::<T>::VaultCannotHoldAsset.into());
					}
					T::Assets::can_deposit(
						id,
						&vault,
						T::Assets::minimum_balance(id),
						Provenance::Extant,
					)
				},
			};
			ensure!(consequence == DepositConsequence::Success, Error::<T>::VaultCannotHoldAsset);
		}
		Ok(())
	}

	/// The configuration of market `id`.
	pub fn market(id: MarketId) -> Option<Market> {
		Markets::<T>::get(id).map(|record| record.market)
	}

	/// An open market's record (its configuration and best prices, one read).
	fn active_market(id: MarketId) -> Result<store::MarketRecord, DispatchError> {
		let record = Markets::<T>::get(id).ok_or(Error::<T>::MarketNotFound)?;
		ensure!(record.market.status == MarketStatus::Active, Error::<T>::MarketNotActive);
		Ok(record)
	}

	fn check_quantity(market: &Market, quantity: Quantity) -> DispatchResult {
		ensure!(quantity.is_multiple_of(market.lot_size), Error::<T>::InvalidQuantity);
		ensure!(quantity >= market.min_size, Error::<T>::BelowMinimumSize);
		ensure!(quantity <= T::MaxOrderQuantity::get(), Error::<T>::QuantityTooLarge);
		Ok(())
	}

	/// Checks an order's price: positive, on the tick grid, at most `MaxPrice`.
	pub fn check_price(market: &Market, price: Price) -> DispatchResult {
		ensure!(price > 0 && price.is_multiple_of(market.tick_size), Error::<T>::InvalidPrice);
		ensure!(price <= T::MaxPrice::get(), Error::<T>::PriceTooHigh);
		Ok(())
	}

	pub(crate) fn now() -> u32 {
		frame_system::Pallet::<T>::block_number().try_into().unwrap_or(u32::MAX)
	}

	/// Gives the next order id. An order that rests at once (it rests or its call fails) counts
	/// itself as resting in the same write.
	fn take_order_id(rests_at_once: bool) -> OrderId {
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

	pub(crate) fn quote_of(price: Price, quantity: Quantity) -> Result<u128, Error<T>> {
		quote_amount(price, quantity).ok_or(Error::<T>::Overflow)
	}

	/// Gives back escrow no longer needed (spot escrow, perp margin reservation).
	#[allow(clippy::too_many_arguments)]
	fn release(
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
			MarketKind::Perp => <PerpMarkets<T> as MarketSettlement<T>>::release(
				market_id, market, who, side, base, quote, price,
			),
		}
	}

	/// Escrow a resting order holds: base for a sell, quote at its limit for a buy.
	fn resting_escrow(order: &Order<T::AccountId>) -> Result<(u128, u128), Error<T>> {
		let remaining = order.remaining();
		Ok(match order.side {
			Side::Sell => (remaining, 0),
			Side::Buy => (0, Self::quote_of(order.price, remaining)?),
		})
	}

	pub(crate) fn do_place_limit(
		who: &T::AccountId,
		r: OrderRequest,
	) -> Result<PlaceOutcome, DispatchError> {
		Self::do_place_limit_within(who, r, T::MaxFillsPerOrder::get(), &mut 0)
	}

	/// A limit order that may fill or remove at most `max_steps` resting orders (and at most
	/// its own `max_fills`); `steps` is set to how many it did as soon as matching ran, so a
	/// caller learns the work done even when the order then fails (e.g. fill-or-kill not
	/// filled).
	pub(crate) fn do_place_limit_within(
		who: &T::AccountId,
		r: OrderRequest,
		max_steps: u32,
		steps: &mut u32,
	) -> Result<PlaceOutcome, DispatchError> {
		let max_steps = max_steps.min(r.max_fills);
		let store::MarketRecord { market, top } = Self::active_market(r.market)?;
		Self::check_price(&market, r.price)?;
		Self::check_quantity(&market, r.quantity)?;
		if let Some(last) = r.expires_at {
			ensure!(last >= Self::now(), Error::<T>::ExpiryInPast);
			let horizon = Self::now().saturating_add(T::MaxExpiryHorizon::get());
			ensure!(last <= horizon, Error::<T>::ExpiryTooFar);
		}
		// Whether it would trade at once, from the record just read.
		let crosses = top
			.of(r.side.opposite())
			.is_some_and(|best| engine::crosses(r.side, Some(r.price), best));
		if r.time_in_force == TimeInForce::PostOnly {
			ensure!(!crosses, Error::<T>::PostOnlyWouldCross);
		}
		let may_rest =
			matches!(r.time_in_force, TimeInForce::GoodTilCancelled | TimeInForce::PostOnly);
		// A spot order's escrow checks the room in the same write of the account's record.
		if may_rest && market.kind == MarketKind::Perp {
			let open = Self::trading_account(who).orders.len() as u32;
			ensure!(open < T::MaxOrdersPerAccount::get(), Error::<T>::TooManyOrders);
		}
		let escrowed = match r.side {
			Side::Sell => r.quantity,
			Side::Buy => Self::quote_of(r.price, r.quantity)?,
		};
		let rests_at_once = may_rest && !crosses;
		let order_id = Self::take_order_id(rests_at_once);
		let taker = Taker {
			incoming: Incoming {
				id: order_id,
				market: r.market,
				owner: who.clone(),
				side: r.side,
				limit: Some(r.price),
				quantity: r.quantity,
				quote_cap: None,
				self_trade: r.self_trade,
			},
			market,
			top,
			time_in_force: r.time_in_force,
			expires_at: r.expires_at,
			client_id: r.client_id,
			escrowed,
			max_steps,
			rests_at_once,
		};
		Self::execute(taker, steps)
	}

	pub(crate) fn do_place_market(
		who: &T::AccountId,
		market_id: MarketId,
		side: Side,
		quantity: Quantity,
		bound: MarketOrderBound,
		self_trade: SelfTradePrevention,
	) -> Result<PlaceOutcome, DispatchError> {
		let store::MarketRecord { market, top } = Self::active_market(market_id)?;
		Self::check_quantity(&market, quantity)?;
		let (limit, quote_cap, escrowed) = match (bound, side) {
			(MarketOrderBound::WorstPrice(price), Side::Buy) => {
				Self::check_price(&market, price)?;
				(Some(price), None, Self::quote_of(price, quantity)?)
			},
			(MarketOrderBound::WorstPrice(price), Side::Sell) => {
				Self::check_price(&market, price)?;
				(Some(price), None, quantity)
			},
			(MarketOrderBound::MaxQuote(cap), Side::Buy) => {
				// No fill can spend more than the quantity at the highest price: escrow (and a
				// perp's margin reservation) need not be larger.
				let escrow =
					Self::quote_of(T::MaxPrice::get(), quantity).map_or(cap, |m| cap.min(m));
				(None, Some((escrow, market.lot_size)), escrow)
			},
			(MarketOrderBound::MaxQuote(_), Side::Sell) => {
				return Err(Error::<T>::InvalidMarketOrderBound.into())
			},
		};
		let taker = Taker {
			incoming: Incoming {
				id: Self::take_order_id(false),
				market: market_id,
				owner: who.clone(),
				side,
				limit,
				quantity,
				quote_cap,
				self_trade,
			},
			market,
			top,
			time_in_force: TimeInForce::ImmediateOrCancel,
			expires_at: None,
			client_id: None,
			escrowed,
			max_steps: T::MaxFillsPerOrder::get(),
			rests_at_once: false,
		};
		let outcome = Self::execute(taker, &mut 0)?;
		// A market order that found only makers that could not settle succeeds with nothing
		// filled: failing would restore those makers, and they would stop the next one too.
		ensure!(outcome.fills > 0 || outcome.rejected > 0, Error::<T>::NoLiquidity);
		Ok(outcome)
	}

	/// Immediate-or-cancel order on behalf of `who` bounded by `worst` price, filling or
	/// removing at most `max_steps` resting orders (at most `MaxFillsPerOrder`); pallet-perp
	/// unwinds its insurance fund with it. Returns what it did; no fill is not an error.
	#[allow(clippy::too_many_arguments)]
	pub fn place_ioc(
		who: &T::AccountId,
		market_id: MarketId,
		side: Side,
		quantity: Quantity,
		worst: Price,
		self_trade: SelfTradePrevention,
		max_steps: u32,
	) -> Result<PlaceOutcome, DispatchError> {
		let taker =
			Self::ioc_taker(who, market_id, side, quantity, worst, self_trade, max_steps, false)?;
		Self::execute(taker, &mut 0)
	}

	/// Closes `quantity` of `who`'s perp position under liquidation against the book, no worse
	/// than `worst`, filling or removing at most `max_steps` resting orders: the engine's plan
	/// applied with pallet-perp's settlement in the liquidation role
	/// ([`LiquidationClose`]: nothing reserved, each fill bounded by the liquidation price
	/// instead of solvency). `who`'s own resting orders met on the way are cancelled.
	pub fn close_for_liquidation(
		who: &T::AccountId,
		market_id: MarketId,
		side: Side,
		quantity: Quantity,
		worst: Price,
		max_steps: u32,
	) -> Result<PlaceOutcome, DispatchError> {
		let taker = Self::ioc_taker(
			who,
			market_id,
			side,
			quantity,
			worst,
			SelfTradePrevention::CancelMaker,
			max_steps,
			true,
		)?;
		Self::execute_as::<LiquidationClose<T>>(taker, &mut 0)
	}

	/// An immediate-or-cancel order placed by another pallet (`perp_only`: in a perp market,
	/// else `NotPerpMarket`). A paused market still takes it (pausing must not shield an
	/// account from liquidation); a closed one trades no more.
	#[allow(clippy::too_many_arguments)]
	fn ioc_taker(
		who: &T::AccountId,
		market_id: MarketId,
		side: Side,
		quantity: Quantity,
		worst: Price,
		self_trade: SelfTradePrevention,
		max_steps: u32,
		perp_only: bool,
	) -> Result<Taker<T::AccountId>, DispatchError> {
		let store::MarketRecord { market, top } =
			Markets::<T>::get(market_id).ok_or(Error::<T>::MarketNotFound)?;
		ensure!(market.status != MarketStatus::Closed, Error::<T>::MarketNotActive);
		ensure!(!perp_only || market.kind == MarketKind::Perp, Error::<T>::NotPerpMarket);
		let escrowed = match side {
			Side::Sell => quantity,
			Side::Buy => Self::quote_of(worst, quantity)?,
		};
		Ok(Taker {
			incoming: Incoming {
				id: Self::take_order_id(false),
				market: market_id,
				owner: who.clone(),
				side,
				limit: Some(worst),
				quantity,
				quote_cap: None,
				self_trade,
			},
			market,
			top,
			time_in_force: TimeInForce::ImmediateOrCancel,
			expires_at: None,
			client_id: None,
			escrowed,
			max_steps: max_steps.min(T::MaxFillsPerOrder::get()),
			rests_at_once: false,
		})
	}

	/// Cancels `who`'s resting order `order_id`; returns the weight of the cancel, charged
	/// by the size of `who`'s record.
	pub(crate) fn do_cancel(
		who: &T::AccountId,
		order_id: OrderId,
	) -> Result<Weight, DispatchError> {
		let account = Self::trading_account(who);
		let at = account.order(order_id).ok_or(Error::<T>::OrderNotFound)?;
		let refilled = Self::remove_resting(&at, CancelReason::User)?;
		Ok(Self::cancel_weight(account.orders.len() as u32, refilled))
	}

	/// Releases what a resting order holds (spot escrow, perp margin reservation) and drops it
	/// from its owner's index (for a spot order both in one write of the owner's record).
	fn release_and_unindex(order: &Order<T::AccountId>) -> DispatchResult {
		let market = Self::market(order.market).ok_or(Error::<T>::MarketNotFound)?;
		let (base, quote) = Self::resting_escrow(order)?;
		match market.kind {
			MarketKind::Spot => SpotSettlement::<T>::release_resting(&market, order, base, quote),
			MarketKind::Perp => PerpMarkets::<T>::release_resting(&market, order, base, quote),
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
		let order = engine::cancel(&mut book, at).map_err(map_engine::<T>)?;
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

	pub(crate) fn do_replace(
		who: &T::AccountId,
		order_id: OrderId,
		new_price: Price,
		new_quantity: Quantity,
		max_fills: u32,
	) -> Result<PlaceOutcome, DispatchError> {
		Self::do_replace_within(
			who,
			order_id,
			new_price,
			new_quantity,
			max_fills,
			T::MaxFillsPerOrder::get(),
			&mut 0,
		)
	}

	/// A replace whose new order may fill or remove at most `max_fills` and `max_steps`
	/// resting orders (see [`Self::do_place_limit_within`]).
	pub(crate) fn do_replace_within(
		who: &T::AccountId,
		order_id: OrderId,
		new_price: Price,
		new_quantity: Quantity,
		max_fills: u32,
		max_steps: u32,
		steps: &mut u32,
	) -> Result<PlaceOutcome, DispatchError> {
		let at = Self::order_ref(who, order_id).ok_or(Error::<T>::OrderNotFound)?;
		let order = {
			use engine::BookStore;
			StorageBook::<T>::default().order(&at).ok_or(Error::<T>::OrderNotFound)?
		};
		let market = Self::active_market(order.market)?.market;
		Self::check_price(&market, new_price)?;
		Self::check_quantity(&market, new_quantity)?;

		if new_price == order.price && new_quantity < order.remaining() {
			let lowered = order.remaining() - new_quantity;
			let (base, quote) = match order.side {
				Side::Sell => (lowered, 0),
				Side::Buy => (0, Self::quote_of(order.price, lowered)?),
			};
			Self::release(order.market, &market, who, order.side, base, quote, Some(order.price))?;
			engine::reduce(&mut StorageBook::<T>::default(), &at, order.filled + new_quantity)
				.map_err(map_engine::<T>)?;
			T::OnStateChange::note_change(&(b"reduce", order_id, new_quantity).encode());
			Self::deposit_event(Event::OrderReduced { order_id, quantity: new_quantity });
			return Ok(PlaceOutcome {
				order_id,
				fills: 0,
				removed: 0,
				rejected: 0,
				filled: 0,
				kind: market.kind,
				settlement_extra: Weight::zero(),
				expiring: false,
				// (A replace is weighed with a full record: `replace_weight`.)
				resting_before: T::MaxOrdersPerAccount::get(),
			});
		}

		Self::remove_resting(&at, CancelReason::Replaced)?;
		let placed = Self::do_place_limit_within(
			who,
			OrderRequest {
				market: order.market,
				side: order.side,
				price: new_price,
				quantity: new_quantity,
				time_in_force: if order.post_only {
					TimeInForce::PostOnly
				} else {
					TimeInForce::GoodTilCancelled
				},
				expires_at: order.expires_at,
				client_id: order.client_id,
				self_trade: order.self_trade,
				max_fills,
			},
			max_steps,
			steps,
		)?;
		Self::deposit_event(Event::OrderReplaced {
			old_order_id: order_id,
			new_order_id: placed.order_id,
		});
		Ok(placed)
	}
}

/// Fee of `ppm` parts per million on `amount`, rounded down.
pub fn fee(amount: u128, ppm: u32) -> u128 {
	// amount * ppm fits in u128 for every amount below 2^108; beyond, compute in two parts.
	(amount / 1_000_000) * ppm as u128 + (amount % 1_000_000) * ppm as u128 / 1_000_000
}
