//! Test runtime for pallet-checkpoint.
use crate as pallet_checkpoint;
use bourse_primitives::checkpoint::CheckpointId;
use frame_support::{derive_impl, parameter_types};
use sp_core::Pair as _;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Checkpoint: pallet_checkpoint,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

parameter_types! {
	pub const MaxValidators: u32 = 8;
	pub const RecordsToKeep: u32 = 3;
}

pub struct Counts;
impl crate::TradingStateSummary for Counts {
	fn open_orders() -> u64 {
		7
	}
	fn open_positions() -> u64 {
		2
	}
}

impl pallet_checkpoint::Config for Test {
	type MaxValidators = MaxValidators;
	type RecordsToKeep = RecordsToKeep;
	type TradingState = Counts;
	type WeightInfo = ();
}

/// The checkpoint key of dev seed `//<name>`.
pub fn key(name: &str) -> CheckpointId {
	sp_core::ed25519::Pair::from_string(&alloc::format!("//{name}"), None)
		.expect("static seed")
		.public()
		.into()
}

pub fn new_raw_ext(interval: u32) -> sp_io::TestExternalities {
	let storage = RuntimeGenesisConfig {
		system: Default::default(),
		checkpoint: pallet_checkpoint::GenesisConfig {
			validators: alloc::vec![key("Alice"), key("Bob")],
			interval,
			_config: Default::default(),
		},
	}
	.build_storage()
	.expect("valid genesis");
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs the hooks of blocks up to and including `n`.
pub fn run_to_block(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() <= n {
		let b = System::block_number();
		Checkpoint::on_initialize(b);
		Checkpoint::on_finalize(b);
		if let Err(e) = Checkpoint::do_try_state() {
			panic!("pallet-checkpoint's invariants are broken after block {b}: {e:?}");
		}
		System::set_block_number(b + 1);
	}
}

/// The mock chain, checking the pallet's invariants when a test body ends.
pub fn new_test_ext(interval: u32) -> CheckedExt {
	CheckedExt(new_raw_ext(interval))
}

/// Test externalities whose `execute_with` checks the pallet's invariants (`try_state`) after
/// the closure.
pub struct CheckedExt(pub sp_io::TestExternalities);

impl CheckedExt {
	/// Runs `test`, then the invariants; a violation fails the test.
	pub fn execute_with<R>(&mut self, test: impl FnOnce() -> R) -> R {
		self.0.execute_with(|| {
			let result = test();
			if let Err(e) = crate::Pallet::<Test>::do_try_state() {
				panic!("pallet-checkpoint's invariants are broken: {e:?}");
			}
			result
		})
	}
}
