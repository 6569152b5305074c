//! Who may feed the oracle and who may create tokens, on the real runtime with the development
//! genesis (natively): the oracle operators are the checkpoint keys' accounts (not Alice's, so
//! her node's feeds take none of her nonces), and only root creates tokens (so nobody can fill
//! the vault's consumer references with junk tokens).
use bourse_primitives::orderbook::AssetKind;
use bourse_runtime::{
	configs::OracleOperators, AccountId, Assets, Orderbook, Runtime, RuntimeGenesisConfig,
	RuntimeOrigin, System,
};
use frame_support::{assert_noop, assert_ok, traits::SortedMembers};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use sp_runtime::DispatchError;

fn dev_chain() -> sp_io::TestExternalities {
	let config = serde_json::to_vec(&bourse_runtime::genesis_config_presets::development_config())
		.expect("json");
	let mut ext = sp_io::TestExternalities::default();
	ext.execute_with(|| {
		frame_support::genesis_builder_helper::build_state::<RuntimeGenesisConfig>(config)
			.expect("development genesis builds");
		System::set_block_number(1);
	});
	ext
}

#[test]
fn the_oracle_operators_are_the_checkpoint_keys_accounts_not_the_traders() {
	dev_chain().execute_with(|| {
		let operator = AccountId::from(Ed25519Keyring::Alice.public());
		let alice = Sr25519Keyring::Alice.to_account_id();
		assert_eq!(OracleOperators::sorted_members(), vec![operator.clone()]);
		assert!(!OracleOperators::contains(&alice), "Alice trades; she does not feed");
		// The operator's account exists, so its fee-free feeds pass the nonce check.
		assert!(System::account_exists(&operator));
		// Its feed is accepted; Alice's is not.
		let values = vec![(1u32, 600_000_000u128)].try_into().expect("one value");
		assert_ok!(pallet_oracle::Pallet::<Runtime>::feed_values(
			RuntimeOrigin::signed(operator),
			values
		));
		let values = vec![(1u32, 600_000_000u128)].try_into().expect("one value");
		assert_noop!(
			pallet_oracle::Pallet::<Runtime>::feed_values(RuntimeOrigin::signed(alice), values),
			pallet_oracle::Error::<Runtime>::NoPermission
		);
	});
}

#[test]
fn only_root_creates_tokens_and_the_ledger_takes_listed_ones_only() {
	dev_chain().execute_with(|| {
		let bob = Sr25519Keyring::Bob.to_account_id();
		assert_noop!(
			Assets::create(RuntimeOrigin::signed(bob.clone()), 77u32.into(), bob.clone().into(), 1),
			DispatchError::BadOrigin
		);
		assert_ok!(Assets::force_create(
			RuntimeOrigin::root(),
			77u32.into(),
			bob.clone().into(),
			true,
			1
		));
		assert_ok!(Assets::mint(
			RuntimeOrigin::signed(bob.clone()),
			77u32.into(),
			bob.clone().into(),
			1_000
		));
		// Not traded by any market: the ledger refuses it, and the vault stays untouched.
		assert_noop!(
			Orderbook::deposit(RuntimeOrigin::signed(bob.clone()), AssetKind::Asset(77), 10),
			pallet_orderbook::Error::<Runtime>::AssetNotListed
		);
		// The genesis tokens (USDB, WBTC) deposit as before.
		assert_ok!(Orderbook::deposit(RuntimeOrigin::signed(bob), AssetKind::Asset(1), 10));
	});
}
