//! # pallet-perp
//!
//! Perpetual futures traded on the pallet-orderbook book. A perp market is an order-book market
//! of kind `Perp`: orders are placed with the normal `orderbook.place_order`, and each fill
//! settles here as position changes (through [`pallet_orderbook::Settlement`]) instead of
//! token transfers.
//!
//! * Collateral: one token ([`Config::CollateralAsset`]) deposited into the pallet's vault
//!   and tracked per account. Margin is **isolated** by default: each position has its own
//!   margin, topped up from free collateral to the initial requirement when a fill grows it,
//!   adjustable with `add_isolated_margin` / `remove_isolated_margin`, returned when the
//!   position closes; a loss cannot spread beyond it. An account may choose **cross** margin
//!   (`set_margin_mode`, while it has no positions or perp orders): all its positions then
//!   share its collateral.
//! * Prices (see [`pricing`]): the index comes from the oracle (pallet-oracle's median of
//!   the validators' observations) with a staleness and a per-block move bound; the **mark
//!   price**, fixed once per block, is `median(index, index + premium, index + basis)` where
//!   the premium compares the impact bid/ask (the prices to fill a configured notional) with
//!   the index and the basis is its moving average.
//! * Margin: equity = margin balance (cross: collateral; isolated: the position's margin) +
//!   unrealised PnL (at mark) + unsettled funding. Resting orders reserve initial margin of
//!   their notional from free collateral. A fill that grows a position needs equity >= initial
//!   margin; below maintenance margin anyone may `liquidate` (cross: the account's positions
//!   together; isolated: that position alone).
//! * Funding: every `funding_interval` blocks the cumulative index grows by the interval's
//!   time-weighted average premium (sampled every block), clamped to ±max_funding_rate of
//!   the index, with the part below a tick carried over; longs pay shorts
//!   `size * Δindex / PRICE_SCALE`, settled lazily when a position is touched.
//! * Liquidation: the position is closed against the book (IOC within a band of the
//!   maintenance margin around mark; the account's own resting orders met on the way are
//!   cancelled); the insurance fund is never liquidated; what the book cannot absorb is taken over by the insurance fund at mark. A penalty
//!   of `liquidation_fee` of the closed notional is split between liquidator and insurance
//!   fund; bad debt is covered by the insurance fund, and when it is empty, by deleveraging
//!   the most profitable opposite positions.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod collateral;
mod export;
pub mod fund;
pub mod invariants;
mod liquidation;
mod margin;
pub mod migrations;
#[cfg(test)]
mod mock;
mod positions;
pub mod pricing;
mod settlement;
#[cfg(test)]
mod tests;
mod weighing;
pub mod weights;
pub use liquidation::LiquidationWork;
pub use pricing::{IndexOracle, MarketPrices};
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use bourse_primitives::{
		orderbook::{AssetKind, Market, MarketId, MarketKind, MarketStatus, Price, Quantity},
		perp::PerpMarketParams,
		Balance,
	};
	use frame_support::{pallet_prelude::*, traits::EnsureOrigin, PalletId};
	use frame_system::pallet_prelude::*;
	use sp_runtime::DispatchError;

	/// v2: margin modes (isolated by default) and isolated margin; v3: collateral in the order
	/// book's vault, fees in its fee entries; v4: the deleveraging index [`PositionHolders`];
	/// see [`crate::migrations`].
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(4);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config:
		frame_system::Config<RuntimeEvent: From<Event<Self>>> + pallet_orderbook::Config
	{
		/// The collateral token of every perp market.
		#[pallet::constant]
		type CollateralAsset: Get<AssetKind>;
		/// Derives the insurance fund's account (collateral sits in the order book's vault).
		#[pallet::constant]
		type PalletId: Get<PalletId>;
		/// Who may set index prices directly (`set_oracle_price`: development and tests; a
		/// live chain takes its prices from [`Config::Oracle`]).
		type OracleOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// The price oracle behind index prices.
		type Oracle: IndexOracle;
		/// Oldest oracle observation used, in milliseconds; past it the index is stale.
		#[pallet::constant]
		type MaxOracleAge: Get<u64>;
		/// Largest move of an index per block, parts per million of the previous index.
		#[pallet::constant]
		type MaxIndexMovePpm: Get<u32>;
		/// Quote notional whose fill price is a side's impact price (mark and funding).
		#[pallet::constant]
		type ImpactNotional: Get<Balance>;
		/// Share of the open interest's notional (at the index), parts per million, that the
		/// impact notional is at least: the more a market holds, the more resting size it
		/// takes to move its premium.
		#[pallet::constant]
		type ImpactOpenInterestPpm: Get<u32>;
		/// Most resting orders walked per side to find an impact price.
		#[pallet::constant]
		type MaxImpactOrders: Get<u32>;
		/// Blocks over which the basis (moving average of the premium) averages.
		#[pallet::constant]
		type BasisEmaBlocks: Get<u32>;
		/// Most resting orders the insurance fund's unwinding order fills per block.
		#[pallet::constant]
		type FundUnwindFills: Get<u32>;
		/// Most perp markets one account may hold positions in.
		#[pallet::constant]
		type MaxPositionsPerAccount: Get<u32>;
		/// Most perp markets (bounds funding work per block).
		#[pallet::constant]
		type MaxPerpMarkets: Get<u32>;
		/// Most positions auto-deleveraged by one liquidation.
		#[pallet::constant]
		type MaxDeleverage: Get<u32>;
		/// Largest absolute position size in any market (base units). With the order book's
		/// `MaxPrice` it bounds every notional, so margin arithmetic never overflows and no
		/// account can make itself impossible to value (and so to liquidate).
		#[pallet::constant]
		type MaxPositionSize: Get<u128>;
		/// Most liquidations per block: each one may walk the book and deleverage, so their
		/// total weight is capped (as dYdX caps liquidation attempts per block).
		#[pallet::constant]
		type MaxLiquidationsPerBlock: Get<u32>;
		/// Weights.
		type WeightInfo: WeightInfo;
	}

	/// Risk and funding parameters of a perp market, plus its running state.
	#[derive(
		Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
	)]
	pub struct PerpMarket {
		/// Initial margin, parts per million of notional.
		pub initial_margin_ppm: u32,
		/// Maintenance margin, parts per million of notional.
		pub maintenance_margin_ppm: u32,
		/// Liquidation penalty, parts per million of closed notional.
		pub liquidation_fee_ppm: u32,
		/// Blocks between funding payments.
		pub funding_interval: u32,
		/// Largest funding rate per interval, parts per million.
		pub max_funding_rate_ppm: u32,
		/// Oracle index price (0 until set).
		pub index_price: Price,
		/// Cumulative funding per `PRICE_SCALE` base units (quote units; longs pay when it rises).
		pub cumulative_funding: i128,
		/// Last funding rate applied, parts per million.
		pub last_funding_rate_ppm: i64,
		/// Block of the last funding.
		pub last_funding_block: u32,
		/// Sum of long sizes (= sum of short sizes).
		pub open_interest: Quantity,
	}

	/// A position in one perp market.
	///
	/// Accounting is by quote balance: a buy of `q` at `p` adds `q` to `size` and subtracts
	/// `q * p / PRICE_SCALE` from `quote_balance` (a sell the reverse), so every amount is
	/// exact and the sum over all positions of a market is zero. The position's value at mark
	/// is `quote_balance + size * mark / PRICE_SCALE`; the average entry price is
	/// `-quote_balance * PRICE_SCALE / size`. When the size returns to zero (or flips) the
	/// closed part's quote balance is realised into collateral.
	#[derive(
		Clone,
		PartialEq,
		Eq,
		Debug,
		Default,
		Encode,
		Decode,
		DecodeWithMemTracking,
		MaxEncodedLen,
		TypeInfo,
	)]
	pub struct Position {
		/// Signed size in base units: long > 0, short < 0.
		pub size: i128,
		/// Quote paid (negative) or received (positive) for the open size.
		pub quote_balance: i128,
		/// PnL realised so far (already in collateral).
		pub realized_pnl: i128,
		/// Market cumulative funding when funding was last settled.
		pub funding_snapshot: i128,
	}

	impl Position {
		/// Average entry price of the open size (0 when flat).
		pub fn entry_price(&self) -> Price {
			if self.size == 0 {
				return 0;
			}
			let scaled = self
				.quote_balance
				.unsigned_abs()
				.saturating_mul(bourse_primitives::orderbook::PRICE_SCALE);
			scaled / self.size.unsigned_abs()
		}
	}

	/// Perp markets (the order-book market of the same id has kind `Perp`).
	#[pallet::storage]
	pub type PerpMarkets<T> = StorageMap<_, Twox64Concat, MarketId, PerpMarket>;

	/// Running price state of each perp market: mark, basis, funding samples (see
	/// [`crate::pricing`]).
	#[pallet::storage]
	pub type Prices<T> = StorageMap<_, Twox64Concat, MarketId, MarketPrices, ValueQuery>;

	/// Ids of perp markets, for funding.
	#[pallet::storage]
	pub type MarketIds<T: Config> =
		StorageValue<_, BoundedVec<MarketId, T::MaxPerpMarkets>, ValueQuery>;

	/// Collateral of each account: realised cash, which may be negative while open positions'
	/// unrealised profit backs it (margin checks value them together). A flat account's is
	/// never negative; only the insurance fund's may be, by the deficit it took over.
	#[pallet::storage]
	pub type Collateral<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, i128, ValueQuery>;

	/// Positions by account and market.
	#[pallet::storage]
	pub type Positions<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, MarketId, Position>;

	/// Markets an account holds positions or resting orders in.
	#[pallet::storage]
	pub type AccountMarkets<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<MarketId, T::MaxPositionsPerAccount>,
		ValueQuery,
	>;

	/// Notional of an account's resting orders per market (margined at initial margin).
	#[pallet::storage]
	pub type ReservedNotional<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		MarketId,
		u128,
		ValueQuery,
	>;

	/// Holders of open positions by market and side (`true`: long): where deleveraging looks
	/// for the positions opposite a bankrupt one, without scanning other markets.
	#[pallet::storage]
	pub type PositionHolders<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		(MarketId, bool),
		Blake2_128Concat,
		T::AccountId,
		(),
		OptionQuery,
	>;

	/// Number of open positions (for checkpoints).
	#[pallet::storage]
	pub type OpenPositions<T> = StorageValue<_, u64, ValueQuery>;

	/// Each account's margin mode (default isolated).
	#[pallet::storage]
	pub type MarginModes<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		bourse_primitives::perp::MarginMode,
		ValueQuery,
	>;

	/// Margin of isolated positions, by account and market.
	#[pallet::storage]
	pub type IsolatedMargin<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		MarketId,
		i128,
		ValueQuery,
	>;

	/// Liquidations done in a block: (block number, count). Compared with the current block
	/// instead of being reset every block, so quiet blocks cost nothing.
	#[pallet::storage]
	pub type LiquidationsInBlock<T> = StorageValue<_, (u32, u32), ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Perp markets to create, in order (ids continue after the order book's genesis
		/// markets).
		pub markets: Vec<PerpMarketParams>,
		/// Perp markets, accounts and positions to start from (`bourse-node
		/// export-trading-state`), instead of `markets`; needs the order book's `state`.
		pub state: Option<bourse_primitives::trading_state::PerpState<T::AccountId>>,
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
			for (i, m) in self.markets.iter().enumerate() {
				let id = Pallet::<T>::do_create_perp_market(m)
					.unwrap_or_else(|e| panic!("genesis perp market {i} is invalid: {e:?}"));
				if m.index_price > 0 {
					PerpMarkets::<T>::mutate(id, |p| {
						if let Some(p) = p {
							Pallet::<T>::set_index(id, p, m.index_price);
						}
					});
				}
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A perp market was created.
		PerpMarketCreated { market: MarketId },
		/// Collateral deposited.
		CollateralDeposited { who: T::AccountId, amount: Balance },
		/// Collateral withdrawn.
		CollateralWithdrawn { who: T::AccountId, amount: Balance },
		/// The index price changed (oracle or `set_oracle_price`).
		IndexPriceSet { market: MarketId, price: Price },
		/// The oracle's price moved more than `MaxIndexMovePpm` from the index: the index
		/// moved that far toward it.
		IndexPriceClamped { market: MarketId, observed: Price, applied: Price },
		/// The oracle's price was off the market's price range: ignored.
		OraclePriceRejected { market: MarketId, price: Price },
		/// A liquidation or funding used an index whose observation is older than
		/// `MaxOracleAge` (the last good one).
		StalePriceUsed { market: MarketId, index_price: Price, observed_at: u64 },
		/// Funding was applied to a market.
		FundingApplied { market: MarketId, rate_ppm: i64, cumulative: i128 },
		/// A position changed.
		PositionUpdated {
			who: T::AccountId,
			market: MarketId,
			size: i128,
			quote_balance: i128,
			realized_pnl: i128,
		},
		/// An account chose its margin mode.
		MarginModeSet { who: T::AccountId, mode: bourse_primitives::perp::MarginMode },
		/// The margin of an isolated position changed (added, removed, topped up by a fill,
		/// or returned to collateral when the position closed: then 0).
		IsolatedMarginChanged { who: T::AccountId, market: MarketId, margin: i128 },
		/// An account was liquidated in a market.
		Liquidated {
			who: T::AccountId,
			market: MarketId,
			liquidator: T::AccountId,
			closed_on_book: Quantity,
			taken_by_insurance: Quantity,
			penalty: Balance,
		},
		/// The insurance fund covered bad debt.
		BadDebtCovered { who: T::AccountId, amount: Balance },
		/// Bad debt that neither the insurance fund nor deleveraging could cover was taken over
		/// by the fund: its collateral is negative by that much (the chain's recorded deficit)
		/// until liquidation penalties refill it, and the bankrupt account is left at zero.
		DeficitTakenOver { who: T::AccountId, amount: Balance },
		/// A profitable position was deleveraged to cover bad debt.
		AutoDeleveraged { who: T::AccountId, market: MarketId, quantity: Quantity },
		/// The insurance fund sold (or bought back) `quantity` of a position it took over;
		/// `remaining` is its position now.
		FundUnwound { market: MarketId, quantity: Quantity, remaining: i128 },
		/// A position of a closed market was closed at its last index price.
		PositionSettled { who: T::AccountId, market: MarketId, size: i128, price: Price },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No perp market with this id.
		MarketNotFound,
		/// Margins must satisfy 0 < maintenance < initial <= 100% and initial >= 1/max_leverage.
		InvalidMarginParameters,
		/// Funding interval must be at least one block.
		InvalidFundingInterval,
		/// Too many perp markets.
		TooManyMarkets,
		/// Amount must be positive.
		ZeroAmount,
		/// Not enough free balance of the collateral token.
		InsufficientBalance,
		/// The withdrawal would leave less equity than the initial margin requires.
		WouldBreachInitialMargin,
		/// The order or fill needs more margin than the account has.
		InsufficientMargin,
		/// The account holds positions in too many markets.
		TooManyPositions,
		/// No index price yet: the oracle has not set one.
		NoIndexPrice,
		/// The account is not below maintenance margin.
		NotLiquidatable,
		/// The account has no position in this market.
		NoPosition,
		/// An amount overflowed.
		Overflow,
		/// The order-book market is not a perp market of this pallet's collateral.
		NotPerpMarket,
		/// Index prices must be multiples of the market's tick size.
		OffTickPrice,
		/// The margin mode can change only while the account has no positions or perp orders.
		AccountNotFlat,
		/// The account uses cross margin: positions have no margin of their own.
		NotIsolated,
		/// This block already had `MaxLiquidationsPerBlock` liquidations; try next block.
		LiquidationLimitReached,
		/// The insurance fund backstops liquidations; it is never liquidated itself.
		InsuranceFundNotLiquidatable,
		/// The trade would make a position larger than `MaxPositionSize`.
		PositionTooLarge,
		/// Only a market closed on the order book is settled.
		MarketNotClosed,
		/// The market's index rests on an oracle observation older than `MaxOracleAge`: no
		/// new exposure and no withdrawals against it until the oracle reports again.
		StalePrice,
		/// The fill would leave the margin backing the position below zero: closing at that
		/// price loses more than the account holds (the counterparty would be paid with other
		/// traders' money). Close at a better price; an account already below zero is
		/// liquidated.
		WouldGoBankrupt,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(n: BlockNumberFor<T>) -> Weight {
			let now: u32 = n.try_into().unwrap_or(u32::MAX);
			let markets = MarketIds::<T>::get();
			for market in markets.iter() {
				Self::refresh_prices(*market, now);
			}
			Self::unwind_fund(now);
			Self::refresh_prices_weight(markets.len() as u32)
				.saturating_add(Self::unwind_fund_weight())
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Creates a perp market on the order book, margined in the collateral token.
		/// `underlying` names what the contract tracks; no token of it moves.
		#[pallet::call_index(0)]
		#[pallet::weight(<T as Config>::WeightInfo::create_perp_market())]
		pub fn create_perp_market(
			origin: OriginFor<T>,
			underlying: AssetKind,
			tick_size: Price,
			lot_size: Quantity,
			min_size: Quantity,
			maker_fee_ppm: u32,
			taker_fee_ppm: u32,
			initial_margin_ppm: u32,
			maintenance_margin_ppm: u32,
			max_leverage: u32,
			liquidation_fee_ppm: u32,
			funding_interval: u32,
			max_funding_rate_ppm: u32,
		) -> DispatchResult {
			<T as pallet_orderbook::Config>::MarketOrigin::ensure_origin(origin)?;
			Self::do_create_perp_market(&PerpMarketParams {
				underlying,
				tick_size,
				lot_size,
				min_size,
				maker_fee_ppm,
				taker_fee_ppm,
				initial_margin_ppm,
				maintenance_margin_ppm,
				max_leverage,
				liquidation_fee_ppm,
				funding_interval,
				max_funding_rate_ppm,
				index_price: 0,
			})?;
			Ok(())
		}

		/// Moves `amount` of the collateral token from the caller into the vault.
		#[pallet::call_index(1)]
		#[pallet::weight(<T as Config>::WeightInfo::deposit_collateral())]
		pub fn deposit_collateral(origin: OriginFor<T>, amount: Balance) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_deposit_collateral(&who, amount)
		}

		/// Withdraws collateral, refused if the rest would not cover initial margin.
		#[pallet::call_index(2)]
		#[pallet::weight(<T as Config>::WeightInfo::withdraw_collateral(T::MaxPositionsPerAccount::get()))]
		pub fn withdraw_collateral(
			origin: OriginFor<T>,
			amount: Balance,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let markets = Self::do_withdraw_collateral(&who, amount)?;
			Ok(Some(<T as Config>::WeightInfo::withdraw_collateral(markets)).into())
		}

		/// Sets the index price of a perp market directly, as an observation made now. For
		/// development and tests: a live chain's indices come from the oracle operators
		/// (pallet-oracle), and the next fresh observation replaces this one.
		#[pallet::call_index(3)]
		#[pallet::weight(<T as Config>::WeightInfo::set_oracle_price())]
		pub fn set_oracle_price(
			origin: OriginFor<T>,
			market: MarketId,
			index_price: Price,
		) -> DispatchResult {
			T::OracleOrigin::ensure_origin(origin)?;
			ensure!(index_price > 0, Error::<T>::NoIndexPrice);
			let book =
				pallet_orderbook::Pallet::<T>::market(market).ok_or(Error::<T>::MarketNotFound)?;
			// On the tick grid, so every PnL and funding amount is exact.
			ensure!(index_price.is_multiple_of(book.tick_size), Error::<T>::OffTickPrice);
			pallet_orderbook::Pallet::<T>::check_price(&book, index_price)?;
			PerpMarkets::<T>::try_mutate(market, |m| -> DispatchResult {
				Self::set_index(market, m.as_mut().ok_or(Error::<T>::MarketNotFound)?, index_price);
				Ok(())
			})?;
			Self::deposit_event(Event::IndexPriceSet { market, price: index_price });
			Ok(())
		}

		/// Liquidates `who` in `market` when it is below maintenance margin; the caller earns
		/// half of the penalty.
		#[pallet::call_index(4)]
		#[pallet::weight(Pallet::<T>::liquidation_weight(liquidation::LiquidationWork {
			// One more: a maker that cannot settle at the last step counts twice.
			fills: <T as pallet_orderbook::Config>::MaxFillsPerOrder::get() + 1,
			scanned: liquidation::ADL_SCAN as u32,
			deleveraged: T::MaxDeleverage::get(),
			markets: T::MaxPositionsPerAccount::get(),
		}))]
		pub fn liquidate(
			origin: OriginFor<T>,
			who: T::AccountId,
			market: MarketId,
		) -> DispatchResultWithPostInfo {
			let liquidator = ensure_signed(origin)?;
			let work = Self::do_liquidate(&liquidator, &who, market)?;
			// Counted after the checks, so a refused attempt does not use up the block's cap
			// (a failing call changes no storage anyway).
			Self::count_liquidation()?;
			Ok(Some(Self::liquidation_weight(work)).into())
		}

		/// Chooses isolated (each position margined on its own) or cross (all positions share
		/// the collateral) margin. Only while the account has no positions or perp orders.
		#[pallet::call_index(5)]
		#[pallet::weight(<T as Config>::WeightInfo::set_margin_mode())]
		pub fn set_margin_mode(
			origin: OriginFor<T>,
			mode: bourse_primitives::perp::MarginMode,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_margin_mode(&who, mode)
		}

		/// Moves `amount` of free collateral into the margin of the isolated position in
		/// `market` (pushes its liquidation price away).
		#[pallet::call_index(6)]
		#[pallet::weight(Pallet::<T>::add_isolated_margin_weight(T::MaxPositionsPerAccount::get()))]
		pub fn add_isolated_margin(
			origin: OriginFor<T>,
			market: MarketId,
			amount: Balance,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let markets = Self::do_add_isolated_margin(&who, market, amount)?;
			Ok(Some(Self::add_isolated_margin_weight(markets)).into())
		}

		/// Closes up to `max` (at most 8) positions of a perp market that is closed on the order
		/// book, at its last index price (see [`crate::fund`]). Anyone may call it until every
		/// position is settled.
		#[pallet::call_index(8)]
		#[pallet::weight(Pallet::<T>::settle_weight(
			(*max).clamp(1, fund::MAX_SETTLE_PER_CALL),
			liquidation::LiquidationWork {
				scanned: liquidation::ADL_SCAN as u32,
				deleveraged: T::MaxDeleverage::get(),
				..Default::default()
			},
		))]
		pub fn settle_closed_market(
			origin: OriginFor<T>,
			market: MarketId,
			max: u32,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			let (settled, work) = Self::do_settle_closed_market(market, max)?;
			Ok(Some(Self::settle_weight(settled, work)).into())
		}

		/// Moves `amount` out of the isolated position's margin into free collateral, refused
		/// if the position would no longer cover its initial margin.
		#[pallet::call_index(7)]
		#[pallet::weight(<T as Config>::WeightInfo::remove_isolated_margin())]
		pub fn remove_isolated_margin(
			origin: OriginFor<T>,
			market: MarketId,
			amount: Balance,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_remove_isolated_margin(&who, market, amount)
		}
	}

	impl<T: Config> Pallet<T> {
		/// Number of markets `who` holds positions or resting orders in.
		pub(crate) fn markets_traded(who: &T::AccountId) -> u32 {
			AccountMarkets::<T>::decode_len(who).unwrap_or(0) as u32
		}

		/// Validates the parameters and creates the order-book market and its perp state.
		pub(crate) fn do_create_perp_market(
			m: &PerpMarketParams,
		) -> Result<MarketId, DispatchError> {
			ensure!(
				m.maintenance_margin_ppm > 0
					&& m.maintenance_margin_ppm < m.initial_margin_ppm
					&& m.initial_margin_ppm <= 1_000_000
					&& m.max_leverage > 0
					&& (m.initial_margin_ppm as u64) * (m.max_leverage as u64) >= 1_000_000
					&& m.liquidation_fee_ppm < m.maintenance_margin_ppm,
				Error::<T>::InvalidMarginParameters
			);
			ensure!(m.funding_interval > 0, Error::<T>::InvalidFundingInterval);
			let market = Market {
				base: m.underlying,
				quote: T::CollateralAsset::get(),
				tick_size: m.tick_size,
				lot_size: m.lot_size,
				min_size: m.min_size,
				maker_fee_ppm: m.maker_fee_ppm,
				taker_fee_ppm: m.taker_fee_ppm,
				status: MarketStatus::Active,
				kind: MarketKind::Perp,
			};
			pallet_orderbook::Pallet::<T>::validate_market(&market)?;
			pallet_orderbook::Pallet::<T>::ensure_vault_can_hold(&market)?;
			ensure!(m.index_price.is_multiple_of(m.tick_size), Error::<T>::OffTickPrice);
			let mut ids = MarketIds::<T>::get();
			ensure!(!ids.is_full(), Error::<T>::TooManyMarkets);
			let id = pallet_orderbook::Pallet::<T>::insert_market(market);
			ids.try_push(id).map_err(|_| Error::<T>::TooManyMarkets)?;
			MarketIds::<T>::put(ids);
			let now: u32 = frame_system::Pallet::<T>::block_number().try_into().unwrap_or(0);
			PerpMarkets::<T>::insert(
				id,
				PerpMarket {
					initial_margin_ppm: m.initial_margin_ppm,
					maintenance_margin_ppm: m.maintenance_margin_ppm,
					liquidation_fee_ppm: m.liquidation_fee_ppm,
					funding_interval: m.funding_interval,
					max_funding_rate_ppm: m.max_funding_rate_ppm,
					index_price: 0,
					cumulative_funding: 0,
					last_funding_rate_ppm: 0,
					last_funding_block: now,
					open_interest: 0,
				},
			);
			Self::deposit_event(Event::PerpMarketCreated { market: id });
			Ok(id)
		}

		/// Counts a liquidation against this block's cap.
		pub(crate) fn count_liquidation() -> DispatchResult {
			let now: u32 = frame_system::Pallet::<T>::block_number().try_into().unwrap_or(0);
			let (block, count) = LiquidationsInBlock::<T>::get();
			let count = if block == now { count } else { 0 };
			ensure!(
				count < <T as Config>::MaxLiquidationsPerBlock::get(),
				Error::<T>::LiquidationLimitReached
			);
			LiquidationsInBlock::<T>::put((now, count + 1));
			Ok(())
		}

		/// Holds every deposited unit of collateral: the order book's vault, which holds the
		/// trading ledger's tokens too (one vault; see `pallet_orderbook::ledger`).
		pub fn vault() -> T::AccountId {
			pallet_orderbook::Pallet::<T>::vault()
		}

		/// The insurance fund's account (its collateral is the fund).
		pub fn insurance_fund() -> T::AccountId {
			use sp_runtime::traits::AccountIdConversion;
			<T as Config>::PalletId::get().into_sub_account_truncating(b"insurance")
		}

		/// Number of open positions.
		pub fn open_position_count() -> u64 {
			OpenPositions::<T>::get()
		}

		/// Positions of `who` with unrealised PnL, margin ratio and liquidation price.
		pub fn positions(who: &T::AccountId) -> Vec<margin::PositionView> {
			Self::position_views(who)
		}

		/// Moves collateral tokens between wallets (one is the vault). Neither is reaped: a
		/// trader keeps its account, and the vault its existential deposit (reaping it would
		/// drop dust that others own).
		pub(crate) fn transfer(
			from: &T::AccountId,
			to: &T::AccountId,
			amount: Balance,
		) -> DispatchResult {
			pallet_orderbook::Pallet::<T>::transfer_token(
				T::CollateralAsset::get(),
				from,
				to,
				amount,
				frame_support::traits::tokens::Preservation::Preserve,
			)
		}

		/// A perp market's state for the runtime API.
		pub fn market_info(market: MarketId) -> Option<bourse_primitives::perp::PerpMarketInfo> {
			let perp = PerpMarkets::<T>::get(market)?;
			Some(bourse_primitives::perp::PerpMarketInfo {
				index_price: perp.index_price,
				mark_price: Self::mark_price(market, &perp),
				open_interest: perp.open_interest,
				funding_rate_ppm: perp.last_funding_rate_ppm,
				cumulative_funding: perp.cumulative_funding,
				insurance_fund: Collateral::<T>::get(Self::insurance_fund()),
			})
		}

		/// Markets an account trades, for margin evaluation.
		pub fn account_markets(who: &T::AccountId) -> Vec<MarketId> {
			AccountMarkets::<T>::get(who).into_inner()
		}
	}
}
