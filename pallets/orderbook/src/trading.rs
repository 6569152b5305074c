//! Placing, cancelling and replacing orders: the checks and the taker an order becomes (its
//! matching and settlement are applied in `execution.rs`; markets in `markets.rs`; a resting
//! order's bookkeeping in `book.rs`).
use crate::{
	engine::{self, EngineError, Incoming},
	execution::Taker,
	settlement::LiquidationClose,
	store::{self, StorageBook},
	*,
};
use bourse_primitives::{
	checkpoint::OnTradingStateChange,
	orderbook::{
		quote_amount, MarketId, MarketKind, MarketStatus, OrderId, Price, Quantity,
		SelfTradePrevention, Side, TimeInForce,
	},
};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{ensure, traits::Get, weights::Weight};
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

pub(crate) fn map_engine<T: Config>(e: EngineError) -> Error<T> {
	match e {
		EngineError::UnknownOrder => Error::<T>::OrderNotFound,
	}
}

impl<T: Config> Pallet<T> {
	pub(crate) fn quote_of(price: Price, quantity: Quantity) -> Result<u128, Error<T>> {
		quote_amount(price, quantity).ok_or(Error::<T>::Overflow)
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
