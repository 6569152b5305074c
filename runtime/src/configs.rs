//! Configuration of every pallet in the runtime.
use crate::*;
use frame_support::{
	derive_impl, parameter_types,
	traits::{
		AsEnsureOriginWithArg, ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, VariantCountOf,
	},
	weights::{constants::WEIGHT_REF_TIME_PER_SECOND, IdentityFee, Weight},
};
use frame_system::{
	limits::{BlockLength, BlockWeights},
	EnsureRoot,
};
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::{
	traits::{AccountIdConversion, One},
	Perbill,
};

const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;
	/// A third of the 2 s block for computation leaves time for import and gossip.
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		Weight::from_parts(WEIGHT_REF_TIME_PER_SECOND * 2 / 3, u64::MAX),
		NORMAL_DISPATCH_RATIO,
	);
	/// 5 MiB blocks; normal extrinsics may use 75% of them.
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(5 * 1024 * 1024)
		.modify_max_length_for_class(frame_support::dispatch::DispatchClass::Normal, |max| {
			*max = NORMAL_DISPATCH_RATIO * *max
		})
		.build();
	pub const SS58Prefix: u16 = 42;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	/// Measured on the node's own database (ParityDB, what a new base path opens), not the
	/// 2020 defaults (25 µs a read, 100 µs a write): see `db_weights.rs`.
	type DbWeight = crate::db_weights::constants::ParityDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
	type SystemWeightInfo = frame_system::weights::SubstrateWeight<Runtime>;
	/// The transaction extensions' weights with this runtime's `DbWeight` (the default, `()`,
	/// prices their reads and writes at the 2020 defaults: 125 µs of `CheckNonce` alone).
	type ExtensionsWeightInfo = frame_system::SubstrateExtensionsWeight<Runtime>;
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<32>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

/// GRANDPA finalizes blocks (as in polkadot-sdk's solochain template). Authorities come from
/// genesis; equivocation reports are not wired (no staking to slash).
impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<32>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_timestamp::Config for Runtime {
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = pallet_timestamp::weights::SubstrateWeight<Runtime>;
}

impl pallet_balances::Config for Runtime {
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ConstU32<50>;
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type RuntimeEvent = RuntimeEvent;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	// Measured on the machine that measured the trading pallets (upstream's figures come from
	// other hardware): transfers and orders are priced by one measurement.
	type WeightInfo = crate::weights::pallet_balances::WeightInfo<Runtime>;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

parameter_types! {
	pub FeeMultiplier: Multiplier = Multiplier::one();
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, ()>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightToFee = IdentityFee<Balance>;
	type LengthToFee = IdentityFee<Balance>;
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

#[derive_impl(pallet_assets::config_preludes::TestDefaultConfig as pallet_assets::DefaultConfig)]
impl pallet_assets::Config for Runtime {
	type Balance = Balance;
	type AssetId = AssetId;
	type AssetIdParameter = codec::Compact<AssetId>;
	type Currency = Balances;
	/// Tokens are created by root (`force_create`) only: a token anyone could create could be
	/// sent to the order book's vault, and each non-sufficient one takes a consumer reference
	/// of that one account (a limit strangers could use up, so no new token could be listed).
	type CreateOrigin = AsEnsureOriginWithArg<frame_support::traits::NeverEnsureOrigin<AccountId>>;
	type ForceOrigin = EnsureRoot<AccountId>;
	type AssetDeposit = ConstU128<{ 10 * UNIT }>;
	type AssetAccountDeposit = ConstU128<{ UNIT / 100 }>;
	type MetadataDepositBase = ConstU128<{ UNIT / 10 }>;
	type MetadataDepositPerByte = ConstU128<{ UNIT / 1000 }>;
	type ApprovalDeposit = ConstU128<{ UNIT / 100 }>;
	type Holder = AssetsHolder;
	type WeightInfo = pallet_assets::weights::SubstrateWeight<Runtime>;
}

impl pallet_assets_holder::Config for Runtime {
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeEvent = RuntimeEvent;
}

parameter_types! {
	pub const OrderbookPalletId: frame_support::PalletId = ORDERBOOK_PALLET_ID;
	/// The vault: holds every deposited token; endowed at genesis with each token's minimum
	/// balance so that withdrawals never reap it.
	pub Vault: AccountId = ORDERBOOK_PALLET_ID.into_account_truncating();
	/// Received the fees before the trading ledger (storage version 3); perp fees left there
	/// are moved to the ledger's fee entry by pallet-perp's v3 migration.
	pub OldFeeAccount: AccountId = frame_support::PalletId(*b"brs/fees").into_account_truncating();
}

impl pallet_orderbook::Config for Runtime {
	type RuntimeHoldReason = RuntimeHoldReason;
	type Currency = Balances;
	type Assets = Assets;
	type AssetHolds = AssetsHolder;
	type PalletId = OrderbookPalletId;
	type MarketOrigin = EnsureRoot<AccountId>;
	type FeeOrigin = EnsureRoot<AccountId>;
	type PerpSettlement = Perp;
	type OnStateChange = Checkpoint;
	type MaxOrdersPerAccount = ConstU32<256>;
	type MaxAssetsPerAccount = ConstU32<32>;
	// 32 fills and batches of 32 keep the worst perp order (both sides' margin valued in
	// every market at each fill) and a full batch within one block's largest extrinsic
	// (runtime/tests/weights.rs).
	type MaxFillsPerOrder = ConstU32<32>;
	type MaxBatch = ConstU32<32>;
	// 10^20 quote units per 10^6 base units and 10^18 base units: far beyond any market
	// listed, while price times quantity (and so every quote amount) fits a u128 and every
	// sum of notionals an account can hold fits an i128.
	type MaxPrice = ConstU128<100_000_000_000_000_000_000>;
	type MaxOrderQuantity = ConstU128<1_000_000_000_000_000_000>;
	// 30 days of 2-second blocks.
	type MaxExpiryHorizon = ConstU32<1_296_000>;
	type WeightInfo = pallet_orderbook::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = OrderbookBenchmarks;
}

/// Benchmarks trade WBTC/USDB (assets 2 and 1 of the genesis presets), funded by minting.
#[cfg(feature = "runtime-benchmarks")]
pub struct OrderbookBenchmarks;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_orderbook::BenchmarkHelper<AccountId> for OrderbookBenchmarks {
	fn market() -> bourse_primitives::orderbook::Market {
		crate::genesis_config_presets::wbtc_usdb()
	}
	fn fund(who: &AccountId, market: &bourse_primitives::orderbook::Market) {
		use bourse_primitives::orderbook::AssetKind;
		use frame_support::traits::{fungible::Mutate as _, fungibles::Mutate as _};
		let _ = Balances::mint_into(who, 1_000 * UNIT);
		for asset in [market.base, market.quote] {
			if let AssetKind::Asset(id) = asset {
				let _ = Assets::mint_into(id, who, 1 << 100);
			}
		}
	}
}

parameter_types! {
	/// Perps are margined in USDB (asset 1).
	pub const PerpCollateral: bourse_primitives::orderbook::AssetKind =
		bourse_primitives::orderbook::AssetKind::Asset(1);
	/// Derives the perp vault and insurance fund accounts.
	pub const PerpPalletId: frame_support::PalletId = frame_support::PalletId(*b"brs/perp");
}

impl pallet_perp::Config for Runtime {
	type CollateralAsset = PerpCollateral;
	type PalletId = PerpPalletId;
	type OracleOrigin = EnsureRoot<AccountId>;
	type Oracle = OracleIndex;
	/// 30 blocks: past it perps stop taking new exposure until the operators report again.
	type MaxOracleAge = ConstU64<60_000>;
	/// 2% a block: a 10% jump is followed in 5 blocks (10 s).
	type MaxIndexMovePpm = ConstU32<20_000>;
	/// 10,000 USDB, or 10% of the open interest's notional when that is more.
	type ImpactNotional = ConstU128<10_000_000_000>;
	type ImpactOpenInterestPpm = ConstU32<100_000>;
	type MaxImpactOrders = ConstU32<32>;
	/// About a minute.
	type BasisEmaBlocks = ConstU32<30>;
	/// The fund sells what it took over back to the book at up to 4 resting orders a block.
	type FundUnwindFills = ConstU32<4>;
	type MaxPositionsPerAccount = ConstU32<32>;
	type MaxPerpMarkets = ConstU32<16>;
	type MaxDeleverage = ConstU32<16>;
	type MaxPositionSize = ConstU128<1_000_000_000_000_000_000>;
	type MaxLiquidationsPerBlock = ConstU32<32>;
	type WeightInfo = pallet_perp::weights::SubstrateWeight<Runtime>;
}

/// Perp index prices from pallet-oracle: the operators' median and when it was observed.
pub struct OracleIndex;
impl pallet_perp::IndexOracle for OracleIndex {
	fn price(
		market: bourse_primitives::orderbook::MarketId,
	) -> Option<(bourse_primitives::orderbook::Price, u64)> {
		pallet_oracle::Values::<Runtime>::get(market).map(|v| (v.value, v.timestamp))
	}
	fn now() -> u64 {
		pallet_timestamp::Now::<Runtime>::get()
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn set_price(
		market: bourse_primitives::orderbook::MarketId,
		price: bourse_primitives::orderbook::Price,
	) {
		pallet_oracle::Values::<Runtime>::insert(
			market,
			pallet_oracle::TimestampedValue { value: price, timestamp: Self::now() },
		);
	}
}

/// The oracle operators: the checkpoint validators, each by the account of its checkpoint key
/// (ed25519, in the session keys beside Aura's). Not the Aura key's account: that is the
/// account a validator's owner trades and governs with, and feeds signed by it would take its
/// nonces (its own transactions then collided with the feeds in the pool).
pub struct OracleOperators;
impl OracleOperators {
	fn accounts() -> alloc::vec::Vec<AccountId> {
		pallet_checkpoint::Validators::<Runtime>::get()
			.into_iter()
			.map(|key| {
				let public: sp_core::ed25519::Public = key.into();
				AccountId::from(public)
			})
			.collect()
	}
}
impl frame_support::traits::SortedMembers<AccountId> for OracleOperators {
	fn sorted_members() -> alloc::vec::Vec<AccountId> {
		let mut members = Self::accounts();
		members.sort();
		members
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn add(_: &AccountId) {}
}

/// A median needs more than half of the operators' fresh observations.
pub struct OracleQuorum;
impl frame_support::traits::Get<u32> for OracleQuorum {
	fn get() -> u32 {
		pallet_checkpoint::Validators::<Runtime>::decode_len().unwrap_or(0) as u32 / 2 + 1
	}
}

parameter_types! {
	pub const OraclePalletId: frame_support::PalletId = frame_support::PalletId(*b"brs/orcl");
	/// An operator's observation older than this no longer counts toward the median.
	pub const OracleObservationLifetime: u64 = 60_000;
}

/// Price observations of the validators (operators feed them for free, once per block each;
/// see the node's `--oracle-feed`). Keys are perp market ids, values prices on the market's
/// grid.
impl pallet_oracle::Config for Runtime {
	type OnNewData = ();
	type CombineData =
		pallet_oracle::DefaultCombineData<Runtime, OracleQuorum, OracleObservationLifetime>;
	type Time = Timestamp;
	type OracleKey = bourse_primitives::orderbook::MarketId;
	type OracleValue = bourse_primitives::orderbook::Price;
	type PalletId = OraclePalletId;
	type Members = OracleOperators;
	type WeightInfo = pallet_oracle::weights::SubstrateWeight<Runtime>;
	type MaxHasDispatchedSize = ConstU32<32>;
	type MaxFeedValues = ConstU32<16>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
}

parameter_types! {
	// A proxy entry: 8 bytes of key and about 33 of data (pallet-proxy's sizing).
	pub const ProxyDepositBase: Balance = UNIT / 100 + 8 * (UNIT / 10_000);
	pub const ProxyDepositFactor: Balance = 33 * (UNIT / 10_000);
	pub const AnnouncementDepositBase: Balance = UNIT / 100 + 8 * (UNIT / 10_000);
	pub const AnnouncementDepositFactor: Balance = 66 * (UNIT / 10_000);
}

/// Trading keys and delegation (see [`crate::proxy::ProxyType`]).
impl pallet_proxy::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type Currency = Balances;
	type ProxyType = crate::proxy::ProxyType;
	type ProxyDepositBase = ProxyDepositBase;
	type ProxyDepositFactor = ProxyDepositFactor;
	type MaxProxies = ConstU32<32>;
	type WeightInfo = pallet_proxy::weights::SubstrateWeight<Runtime>;
	type MaxPending = ConstU32<32>;
	type CallHasher = BlakeTwo256;
	type AnnouncementDepositBase = AnnouncementDepositBase;
	type AnnouncementDepositFactor = AnnouncementDepositFactor;
	type BlockNumberProvider = System;
}

/// `batch` / `batch_all` / `force_batch` of any calls (each still filtered for proxies).
impl pallet_utility::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type PalletsOrigin = OriginCaller;
	type WeightInfo = pallet_utility::weights::SubstrateWeight<Runtime>;
}

/// Summary counts for checkpoint records, read from the trading pallets.
pub struct TradingCounts;
impl pallet_checkpoint::TradingStateSummary for TradingCounts {
	fn open_orders() -> u64 {
		Orderbook::open_order_count()
	}
	fn open_positions() -> u64 {
		Perp::open_position_count()
	}
}

impl pallet_checkpoint::Config for Runtime {
	type MaxValidators = ConstU32<100>;
	type RecordsToKeep = ConstU32<1000>;
	type TradingState = TradingCounts;
	type WeightInfo = pallet_checkpoint::weights::SubstrateWeight<Runtime>;
}
