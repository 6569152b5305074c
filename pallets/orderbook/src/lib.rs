//! # pallet-orderbook
//!
//! A central limit order book kept entirely in on-chain storage: markets of native or
//! pallet-assets tokens, price-time priority, good-til-cancelled / immediate-or-cancel /
//! fill-or-kill / post-only orders with optional good-til-block expiry, market orders bounded by
//! a worst price or a quote budget, self-trade prevention, atomic replace, batches, a trading
//! ledger (traders deposit once and trade from it, see [`ledger`]), maker/taker fees collected
//! per token, and fill events (fill history is served by the node's fill index, built from
//! them).
//!
//! Matching is plain Rust over a storage-access trait ([`engine`]); this pallet validates,
//! escrows, runs the engine over [`store::StorageBook`] and settles each fill through
//! [`settlement`] (spot) or [`Config::PerpSettlement`] (perp markets).
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

mod batch;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod book;
pub mod engine;
mod execution;
mod expiry;
mod export;
pub mod invariants;
pub mod ledger;
mod markets;
pub mod migrations;
#[cfg(test)]
mod mock;
mod queries;
pub mod settlement;
pub mod store;
#[cfg(test)]
mod tests;
mod trading;
mod weighing;
pub mod weights;
pub use weights::WeightInfo;

pub use settlement::Settlement;

/// What benchmarks need from the runtime: a spot market whose tokens exist, and funds.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// A spot market (its base and quote tokens must exist).
	fn market() -> bourse_primitives::orderbook::Market;
	/// Gives `who` plenty of the market's base and quote tokens.
	fn fund(who: &AccountId, market: &bourse_primitives::orderbook::Market);
}
pub use batch::BatchAction;
pub use trading::{MarketOrderBound, OrderRequest, PlaceOutcome};

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use bourse_primitives::{
		checkpoint::OnTradingStateChange,
		orderbook::{
			AssetKind, Fill, Market, MarketId, MarketKind, MarketStatus, Order, OrderId, Price,
			Quantity, SelfTradePrevention, Side, TimeInForce,
		},
		Balance,
	};
	use frame_support::{
		pallet_prelude::*,
		traits::{fungible, fungibles},
		PalletId,
	};
	use frame_system::pallet_prelude::*;

	/// v2: `Order::post_only`; v3: the trading ledger replaces per-order holds; v4: fill
	/// histories leave chain state (the node's fill index serves them); v5: orders keyed in
	/// book order, one order index per account; v6: an account's ledger entries and order
	/// index in one key ([`Accounts`]); v7: no price level records (a level is its orders' run
	/// of keys), both best prices of a market in one value; see [`crate::migrations`].
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(10);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why funds were held by this pallet: only before storage version 3 (orders escrowed with
	/// holds); the v3 migration releases every such hold into the trading ledger.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// Escrow of a resting or matching order (storage versions 1 and 2).
		OrderEscrow,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The runtime's hold reasons (holds of storage versions before 3, see [`HoldReason`]).
		type RuntimeHoldReason: From<HoldReason>;
		/// The native token (holds: only to migrate storage versions before 3).
		type Currency: fungible::Mutate<Self::AccountId, Balance = Balance>
			+ fungible::MutateHold<
				Self::AccountId,
				Reason = Self::RuntimeHoldReason,
				Balance = Balance,
			>;
		/// pallet-assets tokens.
		type Assets: fungibles::Mutate<Self::AccountId, AssetId = u32, Balance = Balance>;
		/// Holds on pallet-assets tokens (pallet-assets-holder): only to migrate storage
		/// versions before 3.
		type AssetHolds: fungibles::MutateHold<
			Self::AccountId,
			AssetId = u32,
			Balance = Balance,
			Reason = Self::RuntimeHoldReason,
		>;
		/// Derives the vault: the account holding every deposited token.
		#[pallet::constant]
		type PalletId: Get<PalletId>;
		/// Who may create markets and change their status.
		type MarketOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Who may withdraw collected fees (`withdraw_fees`).
		type FeeOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Settles fills of perp markets (pallet-perp); `()` when there are none.
		type PerpSettlement: Settlement<Self::AccountId>;
		/// Told about every trading-state change (checkpoint digest).
		type OnStateChange: OnTradingStateChange;
		/// Most resting orders one account may have, over all markets.
		#[pallet::constant]
		type MaxOrdersPerAccount: Get<u32>;
		/// Most tokens one account's trading ledger may hold entries of.
		#[pallet::constant]
		type MaxAssetsPerAccount: Get<u32>;
		/// Most fills one incoming order may make (bounds the weight of a call).
		#[pallet::constant]
		type MaxFillsPerOrder: Get<u32>;
		/// Most orders in one `place_orders` batch.
		#[pallet::constant]
		type MaxBatch: Get<u32>;
		/// Highest price an order may carry (and an oracle may report), in every market. With
		/// `MaxOrderQuantity` it bounds every quote amount and perp notional, so no amount
		/// arithmetic can overflow however an account combines orders and positions.
		#[pallet::constant]
		type MaxPrice: Get<Price>;
		/// Largest base quantity of one order, in every market.
		#[pallet::constant]
		type MaxOrderQuantity: Get<Quantity>;
		/// Furthest ahead (in blocks) an order may set its expiry: each block's expiry list
		/// is shared by everyone, so far-future lists must not be filled for free.
		#[pallet::constant]
		type MaxExpiryHorizon: Get<u32>;
		/// Weights of this pallet.
		type WeightInfo: WeightInfo;
		/// Sets up markets and funds for benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// Markets by id: each market's configuration and the best bid and ask of its book, one
	/// value that every order reads once. The best prices are written only when one moves (see
	/// [`store`]).
	#[pallet::storage]
	pub type Markets<T> = StorageMap<_, Twox64Concat, MarketId, store::MarketRecord>;

	/// Id the next market gets.
	#[pallet::storage]
	pub type NextMarketId<T> = StorageValue<_, MarketId, ValueQuery>;

	/// Tokens the trading ledger takes: those a listed market trades (a spot market's base and
	/// quote, a perp market's collateral). Listing is the market origin's; a stranger's token
	/// never reaches the vault through the ledger (each non-sufficient token the vault holds
	/// takes one of its account's consumer references, a limit shared by every token).
	#[pallet::storage]
	pub type ListedAssets<T> = StorageMap<_, Twox64Concat, AssetKind, (), OptionQuery>;

	/// The id the next order gets (ids grow with arrival, so they order orders in time) and the
	/// number of resting orders on all books (checkpoint records read it), in one value: an
	/// order that rests at once takes its id and counts itself in one write.
	///
	/// Whitelisted (like `frame_system`'s per-block keys): nearly every order writes it, but
	/// within a block all those writes stay in the in-memory overlay and the database sees one
	/// read and one write per block, which `on_initialize` charges (see [`HOT_KEYS`]).
	#[pallet::storage]
	#[pallet::whitelist_storage]
	pub type OrderCounters<T> = StorageValue<_, store::OrderCounters, ValueQuery>;

	/// Each trading account in one key: its ledger entries (per token, what it deposited and
	/// has not withdrawn, free or locked by resting orders) and where each of its resting
	/// orders rests (all markets; cancels, replaces and `cancel_all` find orders here). A fill
	/// writes only the maker's order and this record of the maker; a batch writes it once.
	/// See [`ledger::TradingAccount`] for when entries are kept.
	#[pallet::storage]
	pub type Accounts<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, ledger::TradingAccountOf<T>>;

	/// Maker and taker fees collected per token (spot and perp), withdrawable by `FeeOrigin`.
	#[pallet::storage]
	pub type FeeBalances<T> = StorageMap<_, Blake2_128Concat, AssetKind, Balance, ValueQuery>;

	/// Resting orders in book order: by (market, side), then price (best first), then id
	/// (oldest first); see [`store::book_key`]. Iterating a side is matching order.
	#[pallet::storage]
	pub type Orders<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		(MarketId, Side),
		Identity,
		store::BookKey,
		Order<T::AccountId>,
	>;

	/// Resting good-til-block orders by (last block, order id): one key per order, written
	/// when it rests and deleted when it leaves the book (filled, cancelled, replaced, expired),
	/// so no block's list can be filled for others. `on_idle` works them off block by block.
	#[pallet::storage]
	pub type Expiries<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		u32,
		Twox64Concat,
		OrderId,
		engine::OrderRef,
		OptionQuery,
	>;

	/// First block whose expiries are not processed yet (the backlog starts here).
	#[pallet::storage]
	pub type ExpiryCursor<T> = StorageValue<_, u32, ValueQuery>;

	/// Id the next fill gets (fills themselves live in `Filled` events; the node indexes them).
	/// Whitelisted and charged once per block, as [`OrderCounters`].
	#[pallet::storage]
	#[pallet::whitelist_storage]
	pub type NextFillId<T> = StorageValue<_, u64, ValueQuery>;

	/// Why a resting or incoming order stopped without filling completely.
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
	pub enum CancelReason {
		/// Its owner cancelled it.
		User,
		/// Its good-til-block passed.
		Expired,
		/// Self-trade prevention.
		SelfTrade,
		/// Immediate-or-cancel or market order remainder.
		Unfilled,
		/// The incoming order reached `MaxFillsPerOrder`; its remainder is not rested.
		FillLimit,
		/// Replaced by a new order.
		Replaced,
		/// A resting order whose owner could not settle a trade with it (see
		/// [`Event::MakerCannotSettle`]); the incoming order went on matching.
		CannotSettle,
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A market was created.
		MarketCreated { market: MarketId, base: AssetKind, quote: AssetKind, kind: MarketKind },
		/// A market's status changed.
		MarketStatusChanged { market: MarketId, status: MarketStatus },
		/// An order was accepted; after its fills, `resting` rests on the book.
		OrderPlaced {
			order_id: OrderId,
			market: MarketId,
			owner: T::AccountId,
			side: Side,
			price: Option<Price>,
			quantity: Quantity,
			time_in_force: TimeInForce,
			client_id: Option<u64>,
			filled: Quantity,
			resting: Quantity,
		},
		/// A trade.
		Filled { fill_id: u64, fill: Fill<T::AccountId> },
		/// An order (or an incoming order's remainder) left without trading further.
		OrderCancelled {
			order_id: OrderId,
			owner: T::AccountId,
			remaining: Quantity,
			reason: CancelReason,
		},
		/// A resting order's quantity was lowered in place; it keeps its time priority.
		OrderReduced { order_id: OrderId, quantity: Quantity },
		/// An order was replaced by a new one.
		OrderReplaced { old_order_id: OrderId, new_order_id: OrderId },
		/// A resting order could not settle a trade (its owner's margin or account refused it):
		/// the trade was undone and the order is cancelled (`CannotSettle`).
		MakerCannotSettle { order_id: OrderId, owner: T::AccountId, error: DispatchError },
		/// One order of a `place_orders` batch failed; the others stand.
		BatchOrderFailed { index: u32, error: DispatchError },
		/// Tokens moved from a wallet into the trading ledger.
		Deposited { who: T::AccountId, asset: AssetKind, amount: Balance },
		/// Tokens moved from the trading ledger to their owner's wallet.
		Withdrawn { who: T::AccountId, asset: AssetKind, amount: Balance },
		/// Collected fees paid out.
		FeesWithdrawn { asset: AssetKind, amount: Balance, to: T::AccountId },
		/// One action of a `batch` failed; the others stand.
		BatchActionFailed { index: u32, error: DispatchError },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No market with this id.
		MarketNotFound,
		/// The market does not accept new orders (paused or closed).
		MarketNotActive,
		/// Base and quote must differ.
		SameAssets,
		/// Tick, lot and minimum size must be positive, the minimum a multiple of the lot, and
		/// `tick * lot` a multiple of `PRICE_SCALE` so every trade has an exact quote amount.
		InvalidMarketParameters,
		/// A fee above 10% is refused.
		FeeTooHigh,
		/// The price is zero or not a multiple of the tick size.
		InvalidPrice,
		/// The quantity is not a multiple of the lot size.
		InvalidQuantity,
		/// The quantity is below the market's minimum size.
		BelowMinimumSize,
		/// The price is above `MaxPrice`.
		PriceTooHigh,
		/// The quantity is above `MaxOrderQuantity`.
		QuantityTooLarge,
		/// `expires_at` is more than `MaxExpiryHorizon` blocks ahead.
		ExpiryTooFar,
		/// The expiry block is already past.
		ExpiryInPast,
		/// A post-only order would trade on arrival.
		PostOnlyWouldCross,
		/// A fill-or-kill order cannot be filled completely at once.
		FillOrKillNotFilled,
		/// The account has the most resting orders allowed (`MaxOrdersPerAccount`, all markets).
		TooManyOrders,
		/// The caller has no resting order with this id (an order of another account is not
		/// found either: orders are found through their owner's index).
		OrderNotFound,
		/// Not enough free balance to escrow the order.
		InsufficientBalance,
		/// An amount overflowed.
		Overflow,
		/// A quote budget bounds market buys only.
		InvalidMarketOrderBound,
		/// A market order found nothing to trade within its bound.
		NoLiquidity,
		/// The batch holds more than `MaxBatch` orders.
		BatchTooLarge,
		/// A deposit or withdrawal of nothing.
		ZeroAmount,
		/// The vault cannot pay this out (it keeps its existential deposit; a token transfer
		/// refused it).
		VaultCannotPay,
		/// The ledger does not hold what an order locked (a broken invariant; nothing changes).
		LedgerMismatch,
		/// The account's ledger holds entries of the most tokens allowed
		/// (`MaxAssetsPerAccount`); withdraw a token completely to make room.
		TooManyAssets,
		/// A liquidation's close was asked for outside a perp market, or for an order that
		/// could rest.
		NotPerpMarket,
		/// No listed market trades this token: the ledger takes only tokens of listed markets.
		AssetNotListed,
		/// The vault cannot hold this token: it does not exist, or the vault's account has no
		/// room for another non-sufficient token (its consumer references). A market of it
		/// cannot be listed until it can.
		VaultCannotHoldAsset,
	}

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Spot markets to create: ids are assigned in order from 0.
		pub markets: Vec<Market>,
		/// A whole order book to start from (`bourse-node export-trading-state`), instead of
		/// `markets`: markets keep their ids, orders their ids and time priority.
		pub state: Option<bourse_primitives::trading_state::OrderbookState<T::AccountId>>,
		/// Deposits into the trading ledger (account, token, amount), made from the accounts'
		/// genesis balances.
		pub deposits: Vec<(T::AccountId, AssetKind, Balance)>,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if let Some(state) = &self.state {
				assert!(
					self.markets.is_empty(),
					"genesis has both `markets` and a trading `state`"
				);
				if let Err(e) = Pallet::<T>::import_state(state) {
					panic!("invalid trading state: {e}");
				}
			}
			for (index, market) in self.markets.iter().enumerate() {
				if let Err(e) = Pallet::<T>::validate_market(market) {
					panic!("genesis market {index} is invalid: {e:?}");
				}
				Pallet::<T>::insert_market(market.clone());
			}
			for (who, asset, amount) in &self.deposits {
				if let Err(e) = Pallet::<T>::do_deposit(who, *asset, *amount) {
					panic!("genesis deposit of {amount} {asset:?} failed: {e:?}");
				}
			}
		}
	}

	/// The whitelisted per-block counters: [`OrderCounters`], [`NextFillId`]. Benchmarks do
	/// not count their reads and writes, so each block pays one of each for them.
	pub const HOT_KEYS: u64 = 2;

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Charges the database work of the block's hot keys once: the counters, and every
		/// market's record ([`Markets`]), which each order of the market reads and one that
		/// moves its best prices writes. Within a block those accesses after the first stay in
		/// the node's overlay and caches, so the benchmarks of orders do not count them (they
		/// whitelist the market's key) and the block pays one read and one write per market
		/// here. Markets are created by `MarketOrigin` only, so this stays small.
		fn on_initialize(_: BlockNumberFor<T>) -> Weight {
			Self::hot_keys_weight()
		}

		fn on_idle(n: BlockNumberFor<T>, remaining: Weight) -> Weight {
			let now: u32 = n.try_into().unwrap_or(u32::MAX);
			Self::expire_orders(now, remaining)
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Creates a spot market of `base` priced in `quote`.
		#[pallet::call_index(0)]
		#[pallet::weight(Pallet::<T>::create_market_weight())]
		pub fn create_market(
			origin: OriginFor<T>,
			base: AssetKind,
			quote: AssetKind,
			tick_size: Price,
			lot_size: Quantity,
			min_size: Quantity,
			maker_fee_ppm: u32,
			taker_fee_ppm: u32,
		) -> DispatchResult {
			T::MarketOrigin::ensure_origin(origin)?;
			let market = Market {
				base,
				quote,
				tick_size,
				lot_size,
				min_size,
				maker_fee_ppm,
				taker_fee_ppm,
				status: MarketStatus::Active,
				kind: MarketKind::Spot,
			};
			Self::validate_market(&market)?;
			Self::ensure_vault_can_hold(&market)?;
			Self::insert_market(market);
			Ok(())
		}

		/// Sets a market's status: `Paused` or `Closed` markets accept cancels only.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::set_market_status())]
		pub fn set_market_status(
			origin: OriginFor<T>,
			market: MarketId,
			status: MarketStatus,
		) -> DispatchResult {
			T::MarketOrigin::ensure_origin(origin)?;
			Markets::<T>::try_mutate(market, |m| -> DispatchResult {
				m.as_mut().ok_or(Error::<T>::MarketNotFound)?.market.status = status;
				Ok(())
			})?;
			Self::deposit_event(Event::MarketStatusChanged { market, status });
			Ok(())
		}

		/// Places a limit order. It matches what it can at once (price-time priority); what is
		/// left rests (`GoodTilCancelled`, `PostOnly`) or is cancelled (`ImmediateOrCancel`);
		/// `FillOrKill` fills completely or fails. `expires_at` is the last block it may trade.
		/// `max_fills` bounds the resting orders it may fill or take off the book (at most
		/// `MaxFillsPerOrder`) and so the weight charged up front: an order meant to rest
		/// passes 0 and reserves a resting order's weight, not a block's worth of fills.
		#[pallet::call_index(2)]
		#[pallet::weight(Pallet::<T>::limit_order_weight_bound(*time_in_force, *max_fills))]
		pub fn place_order(
			origin: OriginFor<T>,
			market: MarketId,
			side: Side,
			price: Price,
			quantity: Quantity,
			time_in_force: TimeInForce,
			expires_at: Option<u32>,
			client_id: Option<u64>,
			self_trade: SelfTradePrevention,
			max_fills: u32,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let request = OrderRequest {
				market,
				side,
				price,
				quantity,
				time_in_force,
				expires_at,
				client_id,
				self_trade,
				max_fills,
			};
			let placed = Self::do_place_limit(&who, request)?;
			Ok(Some(Self::placed_weight(&placed)).into())
		}

		/// Places a market order for `quantity`, bounded by a worst price or (buys) a maximum
		/// quote amount to spend. Whatever cannot trade at once is cancelled.
		#[pallet::call_index(3)]
		#[pallet::weight(Pallet::<T>::order_weight_bound(Pallet::<T>::step_bound(u32::MAX)))]
		pub fn place_market_order(
			origin: OriginFor<T>,
			market: MarketId,
			side: Side,
			quantity: Quantity,
			bound: MarketOrderBound,
			self_trade: SelfTradePrevention,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let placed = Self::do_place_market(&who, market, side, quantity, bound, self_trade)?;
			Ok(Some(Self::placed_weight(&placed)).into())
		}

		/// Cancels a resting order of the caller and releases its escrow.
		#[pallet::call_index(4)]
		#[pallet::weight(Pallet::<T>::cancel_weight_bound())]
		pub fn cancel_order(origin: OriginFor<T>, order_id: OrderId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Ok(Some(Self::do_cancel(&who, order_id)?).into())
		}

		/// Cancels all resting orders of the caller in `market`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::cancel_all(T::MaxOrdersPerAccount::get()))]
		pub fn cancel_all(origin: OriginFor<T>, market: MarketId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			ensure!(Markets::<T>::contains_key(market), Error::<T>::MarketNotFound);
			let refs: Vec<engine::OrderRef> = Self::trading_account(&who).refs().collect();
			let mut cancelled = 0u32;
			for at in refs.iter().filter(|r| r.market == market) {
				Self::remove_resting(at, CancelReason::User)?;
				cancelled += 1;
			}
			Ok(Some(T::WeightInfo::cancel_all(cancelled)).into())
		}

		/// Replaces a resting order atomically. Lowering only the quantity keeps the order's
		/// id and time priority; any other change cancels it and places a new order with the
		/// same expiry, client id and self-trade mode: good-til-cancelled (it may trade), or
		/// post-only if the old one was (refused with `PostOnlyWouldCross` if it would trade).
		/// `new_quantity` is the new open quantity; `max_fills` bounds the new order's matching
		/// and the weight charged up front, as `place_order`'s.
		#[pallet::call_index(6)]
		#[pallet::weight(Pallet::<T>::replace_weight_bound(Pallet::<T>::step_bound(*max_fills)))]
		pub fn replace_order(
			origin: OriginFor<T>,
			order_id: OrderId,
			new_price: Price,
			new_quantity: Quantity,
			max_fills: u32,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let placed = Self::do_replace(&who, order_id, new_price, new_quantity, max_fills)?;
			Ok(Some(Self::replaced_weight(&placed)).into())
		}

		/// Places up to `MaxBatch` limit orders. Each stands or fails on its own: a failed
		/// order changes nothing and is reported by `BatchOrderFailed`. Together the orders
		/// fill or remove at most `MaxFillsPerOrder` resting orders (so a batch's weight stays
		/// bounded like one order's); an order that reaches that budget stops matching and its
		/// remainder is cancelled (`FillLimit`).
		#[pallet::call_index(7)]
		#[pallet::weight(Pallet::<T>::batch_weight_bound_of(orders))]
		pub fn place_orders(
			origin: OriginFor<T>,
			orders: Vec<OrderRequest>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			ensure!(orders.len() as u32 <= T::MaxBatch::get(), Error::<T>::BatchTooLarge);
			let mut budget = T::MaxFillsPerOrder::get();
			let mut orders_weight = Weight::zero();
			for (index, request) in orders.iter().enumerate() {
				let mut steps = 0;
				let result = frame_support::storage::with_storage_layer(|| {
					Self::do_place_limit_within(&who, request.clone(), budget, &mut steps)
				});
				// A failed order may have matched before it failed (fill-or-kill): its work
				// counts against the budget and is charged although its changes are undone.
				budget = budget.saturating_sub(steps);
				let weight = match result {
					Ok(placed) => Self::placed_weight(&placed),
					Err(error) => {
						Self::deposit_event(Event::BatchOrderFailed { index: index as u32, error });
						Self::order_weight_bound(steps)
					},
				};
				orders_weight = orders_weight.saturating_add(weight);
			}
			Ok(Some(Self::place_orders_weight(&orders, orders_weight)).into())
		}

		/// Moves `amount` of `asset` from the caller's wallet into its trading ledger entry
		/// (free), from which its orders lock and its fills pay.
		#[pallet::call_index(8)]
		// And the listing's read (not in the benchmark of storage v9).
		#[pallet::weight(T::WeightInfo::deposit().saturating_add(T::DbWeight::get().reads(1)))]
		pub fn deposit(origin: OriginFor<T>, asset: AssetKind, amount: Balance) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_deposit(&who, asset, amount)
		}

		/// Moves `amount` of the caller's free `asset` from the trading ledger to its wallet.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::withdraw())]
		pub fn withdraw(origin: OriginFor<T>, asset: AssetKind, amount: Balance) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw(&who, asset, amount)
		}

		/// Pays `amount` of the fees collected in `asset` to `to` (`FeeOrigin` only).
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::withdraw())]
		pub fn withdraw_fees(
			origin: OriginFor<T>,
			asset: AssetKind,
			amount: Balance,
			to: T::AccountId,
		) -> DispatchResult {
			T::FeeOrigin::ensure_origin(origin)?;
			Self::do_withdraw_fees(asset, amount, &to)
		}

		/// Runs up to `MaxBatch` place / cancel / replace actions of the caller in order, each
		/// standing or failing on its own (`BatchActionFailed`). Together they fill or remove at
		/// most `MaxFillsPerOrder` resting orders; a batch of cancels and post-only quotes is
		/// charged no fills. A market maker refreshes its quotes with one extrinsic.
		#[pallet::call_index(11)]
		#[pallet::weight(Pallet::<T>::batch_actions_weight_bound(actions))]
		pub fn batch(
			origin: OriginFor<T>,
			actions: Vec<BatchAction>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_batch(&who, &actions)
		}
	}
}
