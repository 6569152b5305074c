//! Test runtime: balances (collateral is the native token), assets, order book, perps.
use crate as pallet_perp;
use bourse_primitives::orderbook::AssetKind;
use frame_support::{
	derive_impl, parameter_types,
	traits::{AsEnsureOriginWithArg, ConstU128, ConstU32, ConstU64, VariantCountOf},
	PalletId,
};
use frame_system::{EnsureRoot, EnsureSigned};
use sp_runtime::BuildStorage;

pub type AccountId = u64;
type Block = frame_system::mocking::MockBlock<Test>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeTask,
		RuntimeHoldReason,
		RuntimeFreezeReason
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(2)]
	pub type Assets = pallet_assets;
	#[runtime::pallet_index(3)]
	pub type AssetsHolder = pallet_assets_holder;
	#[runtime::pallet_index(4)]
	pub type Orderbook = pallet_orderbook;
	#[runtime::pallet_index(5)]
	pub type Perp = pallet_perp;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u128>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = u128;
	type ExistentialDeposit = ConstU128<1>;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
}

#[derive_impl(pallet_assets::config_preludes::TestDefaultConfig as pallet_assets::DefaultConfig)]
impl pallet_assets::Config for Test {
	type Balance = u128;
	type CreateOrigin = AsEnsureOriginWithArg<EnsureSigned<AccountId>>;
	type ForceOrigin = EnsureRoot<AccountId>;
	type Currency = Balances;
	type Holder = AssetsHolder;
}

impl pallet_assets_holder::Config for Test {
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeEvent = RuntimeEvent;
}

pub const FEE_ACCOUNT: AccountId = 999;
parameter_types! {
	pub const OrderbookPalletId: PalletId = PalletId(*b"bo/trade");
	pub const CollateralToken: AssetKind = AssetKind::Native;
	pub const PerpPalletId: PalletId = PalletId(*b"brs/perp");
}

impl pallet_orderbook::Config for Test {
	type RuntimeHoldReason = RuntimeHoldReason;
	type Currency = Balances;
	type Assets = Assets;
	type AssetHolds = AssetsHolder;
	type PalletId = OrderbookPalletId;
	type MarketOrigin = EnsureRoot<AccountId>;
	type FeeOrigin = EnsureRoot<AccountId>;
	type PerpSettlement = Perp;
	type OnStateChange = RecordChanges;
	type MaxOrdersPerAccount = ConstU32<16>;
	type MaxAssetsPerAccount = ConstU32<8>;
	type MaxFillsPerOrder = ConstU32<16>;
	type MaxBatch = ConstU32<4>;
	// 10^20 quote units per 10^6 base units and 10^18 base units: far beyond any market
	// listed, while price times quantity (and so every quote amount) fits a u128 and every
	// sum of notionals an account can hold fits an i128.
	type MaxPrice = ConstU128<100_000_000_000_000_000_000>;
	type MaxOrderQuantity = ConstU128<1_000_000_000_000_000_000>;
	type MaxExpiryHorizon = ConstU32<1_000>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchHelper;
}

#[cfg(feature = "runtime-benchmarks")]
pub struct BenchHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_orderbook::BenchmarkHelper<AccountId> for BenchHelper {
	fn market() -> bourse_primitives::orderbook::Market {
		bench_market()
	}
	fn fund(who: &AccountId, _: &bourse_primitives::orderbook::Market) {
		use frame_support::traits::fungible::Mutate;
		let _ = Balances::mint_into(who, 1 << 80);
	}
}
/// A spot market of the mock (benchmarks, genesis tests).
pub fn bench_market() -> bourse_primitives::orderbook::Market {
	use bourse_primitives::orderbook::*;
	Market {
		base: AssetKind::Asset(1),
		quote: AssetKind::Native,
		tick_size: 10,
		lot_size: 100_000,
		min_size: 100_000,
		maker_fee_ppm: 0,
		taker_fee_ppm: 0,
		status: MarketStatus::Active,
		kind: MarketKind::Spot,
	}
}

impl pallet_perp::Config for Test {
	type CollateralAsset = CollateralToken;
	type PalletId = PerpPalletId;
	type OracleOrigin = EnsureRoot<AccountId>;
	type Oracle = MockOracle;
	type MaxOracleAge = ConstU64<60_000>;
	type MaxIndexMovePpm = ConstU32<50_000>;
	type ImpactNotional = ConstU128<1_000>;
	type ImpactOpenInterestPpm = ConstU32<100_000>;
	type MaxImpactOrders = ConstU32<4>;
	type BasisEmaBlocks = ConstU32<4>;
	type FundUnwindFills = ConstU32<2>;
	type MaxPositionsPerAccount = ConstU32<4>;
	type MaxPerpMarkets = ConstU32<4>;
	type MaxDeleverage = ConstU32<4>;
	type MaxPositionSize = ConstU128<1_000_000_000_000_000_000>;
	type MaxLiquidationsPerBlock = ConstU32<2>;
	type WeightInfo = ();
}

std::thread_local! {
	static CHANGES: core::cell::RefCell<alloc::vec::Vec<alloc::vec::Vec<u8>>> =
		const { core::cell::RefCell::new(alloc::vec::Vec::new()) };
}

std::thread_local! {
	/// The mock oracle: observations by market, and the time (ms).
	static ORACLE: core::cell::RefCell<(std::collections::BTreeMap<u32, (u128, u64)>, u64)> =
		core::cell::RefCell::new(Default::default());
}

/// An oracle the tests feed: [`feed_oracle`] and [`set_time`].
pub struct MockOracle;
impl pallet_perp::IndexOracle for MockOracle {
	fn price(market: u32) -> Option<(u128, u64)> {
		ORACLE.with(|o| o.borrow().0.get(&market).copied())
	}
	fn now() -> u64 {
		ORACLE.with(|o| o.borrow().1)
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn set_price(market: u32, price: u128) {
		feed_oracle(market, price);
	}
}

/// The oracle observes `price` for `market` now.
pub fn feed_oracle(market: u32, price: u128) {
	ORACLE.with(|o| {
		let mut o = o.borrow_mut();
		let now = o.1;
		o.0.insert(market, (price, now));
	});
}

/// Sets the mock oracle's clock (ms).
pub fn set_time(ms: u64) {
	ORACLE.with(|o| o.borrow_mut().1 = ms);
}

/// Records every trading-state change noted for the checkpoint digest.
pub struct RecordChanges;
impl bourse_primitives::checkpoint::OnTradingStateChange for RecordChanges {
	fn note_change(change: &[u8]) {
		CHANGES.with(|c| c.borrow_mut().push(change.to_vec()));
	}
}

/// Takes the changes noted so far (oldest first).
pub fn take_changes() -> alloc::vec::Vec<alloc::vec::Vec<u8>> {
	CHANGES.with(|c| core::mem::take(&mut *c.borrow_mut()))
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
pub const LIQUIDATOR: AccountId = 4;
pub const TRADERS: [AccountId; 4] = [ALICE, BOB, CHARLIE, LIQUIDATOR];
pub const FUNDS: u128 = 1_000_000_000;
/// What the vault (the order book's, which also holds perp collateral) keeps of its own: its
/// existential deposit, so withdrawals never reap it.
pub const VAULT_SEED: u128 = 1;

pub fn new_raw_ext() -> sp_io::TestExternalities {
	ORACLE.with(|o| *o.borrow_mut() = Default::default());
	let mut endowed: alloc::vec::Vec<(AccountId, u128)> =
		TRADERS.iter().map(|a| (*a, FUNDS)).collect();
	endowed.push((FEE_ACCOUNT, 1));
	endowed.push((
		sp_runtime::traits::AccountIdConversion::into_account_truncating(&OrderbookPalletId::get()),
		VAULT_SEED,
	));
	let storage = RuntimeGenesisConfig {
		system: Default::default(),
		balances: pallet_balances::GenesisConfig { balances: endowed, ..Default::default() },
		assets: Default::default(),
		orderbook: Default::default(),
		perp: Default::default(),
	}
	.build_storage()
	.expect("valid genesis");
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// The mock chain, checking the order book's and pallet-perp's invariants when a test body
/// ends.
pub fn new_test_ext() -> CheckedExt {
	CheckedExt(new_raw_ext())
}

/// Test externalities whose `execute_with` checks both pallets' invariants (`try_state`)
/// after the closure, so every test ends in a consistent state.
pub struct CheckedExt(pub sp_io::TestExternalities);

impl CheckedExt {
	/// Runs `test`, then the invariants; a violation fails the test.
	pub fn execute_with<R>(&mut self, test: impl FnOnce() -> R) -> R {
		self.0.execute_with(|| {
			let result = test();
			check_invariants();
			result
		})
	}
}

/// Both pallets' invariants; a violation panics with its message.
pub fn check_invariants() {
	if let Err(e) = pallet_orderbook::Pallet::<Test>::do_try_state() {
		panic!("the order book's invariants are broken: {e:?}");
	}
	if let Err(e) = crate::Pallet::<Test>::do_try_state() {
		panic!("pallet-perp's invariants are broken: {e:?}");
	}
}
