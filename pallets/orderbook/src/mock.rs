//! Test runtime: balances, assets with holds, and the order book.
use crate as pallet_orderbook;
use bourse_primitives::orderbook::{AssetKind, Market, MarketKind, MarketStatus};
use frame_support::{
	derive_impl, parameter_types,
	traits::{AsEnsureOriginWithArg, ConstU128, ConstU32, VariantCountOf},
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
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u128>;
	// What the generated `()` weights charge reads and writes at, so refunds of a key not
	// written are seen in tests.
	type DbWeight = frame_support::weights::constants::RocksDbWeight;
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

/// Where `withdraw_fees` pays collected fees in tests.
pub const FEE_ACCOUNT: AccountId = 999;
parameter_types! {
	pub const OrderbookPalletId: frame_support::PalletId = frame_support::PalletId(*b"bo/trade");
}

impl pallet_orderbook::Config for Test {
	type RuntimeHoldReason = RuntimeHoldReason;
	type Currency = Balances;
	type Assets = Assets;
	type AssetHolds = AssetsHolder;
	type PalletId = OrderbookPalletId;
	type MarketOrigin = EnsureRoot<AccountId>;
	type FeeOrigin = EnsureRoot<AccountId>;
	type PerpSettlement = ();
	type OnStateChange = ();
	type MaxOrdersPerAccount = ConstU32<8>;
	type MaxAssetsPerAccount = ConstU32<4>;
	type MaxFillsPerOrder = ConstU32<5>;
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

/// Benchmarks trade on a copy of the test market, funded by minting.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchHelper;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for BenchHelper {
	fn market() -> Market {
		test_market()
	}
	fn fund(who: &AccountId, _market: &Market) {
		use frame_support::traits::{fungible::Mutate as _, fungibles::Mutate as _};
		Balances::mint_into(who, FUNDS).expect("mint native");
		Assets::mint_into(BASE, who, FUNDS).expect("mint base");
	}
}

/// Base token of the test market (pallet-assets id 1); quote is the native token.
pub const BASE: u32 = 1;
/// Traders with funds.
pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
pub const TRADERS: [AccountId; 3] = [ALICE, BOB, CHARLIE];
/// Each trader's starting ledger balance of base and of quote (deposited at genesis).
pub const FUNDS: u128 = 1_000_000_000;
/// What each trader keeps in its wallet beside its deposits.
pub const WALLET: u128 = 1_000_000;
/// What the vault holds of each token of its own (its existential deposit, so withdrawals never
/// reap it): not in the ledger.
pub const VAULT_SEED: u128 = 1;

/// The vault account.
pub fn vault() -> AccountId {
	Orderbook::vault()
}

/// Market 0: base asset 1 / quote native, tick 10, lot 100_000 (so tick*lot = 1e6 = scale),
/// min size 100_000, maker fee 0.1%, taker fee 0.2%.
pub fn test_market() -> Market {
	Market {
		base: AssetKind::Asset(BASE),
		quote: AssetKind::Native,
		tick_size: 10,
		lot_size: 100_000,
		min_size: 100_000,
		maker_fee_ppm: 1_000,
		taker_fee_ppm: 2_000,
		status: MarketStatus::Active,
		kind: MarketKind::Spot,
	}
}

pub fn new_raw_ext() -> sp_io::TestExternalities {
	let vault: AccountId = {
		use sp_runtime::traits::AccountIdConversion;
		OrderbookPalletId::get().into_account_truncating()
	};
	let mut endowed: alloc::vec::Vec<(AccountId, u128)> =
		TRADERS.iter().map(|a| (*a, FUNDS + WALLET)).collect();
	endowed.push((FEE_ACCOUNT, 1));
	endowed.push((vault, VAULT_SEED));
	let storage = RuntimeGenesisConfig {
		system: Default::default(),
		balances: pallet_balances::GenesisConfig { balances: endowed, ..Default::default() },
		assets: pallet_assets::GenesisConfig {
			assets: alloc::vec![(BASE, ALICE, true, 1)],
			metadata: alloc::vec![],
			accounts: TRADERS
				.iter()
				.map(|a| (BASE, *a, FUNDS + WALLET))
				.chain([(BASE, FEE_ACCOUNT, 1), (BASE, vault, VAULT_SEED)])
				.collect(),
			next_asset_id: None,
			reserves: alloc::vec![],
		},
		orderbook: pallet_orderbook::GenesisConfig {
			markets: alloc::vec![test_market()],
			state: None,
			deposits: TRADERS
				.iter()
				.flat_map(|a| [(*a, AssetKind::Asset(BASE), FUNDS), (*a, AssetKind::Native, FUNDS)])
				.collect(),
			_config: Default::default(),
		},
	}
	.build_storage()
	.expect("valid genesis");
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// The mock chain, checking the order book's invariants when a test body ends.
pub fn new_test_ext() -> CheckedExt {
	CheckedExt(new_raw_ext())
}

/// Test externalities whose `execute_with` checks the order book's invariants (`try_state`)
/// after the closure, so every test ends on a consistent book.
pub struct CheckedExt(pub sp_io::TestExternalities);

impl CheckedExt {
	/// Runs `test`, then the invariants; a violation fails the test.
	pub fn execute_with<R>(&mut self, test: impl FnOnce() -> R) -> R {
		self.0.execute_with(|| {
			let result = test();
			if let Err(e) = crate::Pallet::<Test>::do_try_state() {
				panic!("the order book's invariants are broken: {e:?}");
			}
			result
		})
	}
}
