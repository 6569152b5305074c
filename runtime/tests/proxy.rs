//! Trading keys: a `Trading` proxy (pallet-proxy) places, cancels and replaces orders for the
//! account that added it, and cannot move anything out of it (no withdrawal from the trading
//! ledger or perp collateral, no transfer), also not hidden in a `utility` batch. On the real
//! runtime with the development genesis (natively).
use bourse_primitives::orderbook::{AssetKind, SelfTradePrevention, Side, TimeInForce};
use bourse_runtime::{
	proxy::ProxyType, AccountId, Balance, Orderbook, Proxy, Runtime, RuntimeCall, RuntimeEvent,
	RuntimeGenesisConfig, RuntimeOrigin, System,
};
use frame_support::{assert_noop, assert_ok, traits::InstanceFilter};
use sp_keyring::Sr25519Keyring;
use sp_runtime::DispatchError;

const USDB: AssetKind = AssetKind::Asset(1);

fn dev_chain() -> sp_io::TestExternalities {
	// The preset is a patch over the default configuration, as the node applies it.
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

fn alice() -> AccountId {
	Sr25519Keyring::Alice.to_account_id()
}

/// Bob, Alice's trading key.
fn bot() -> AccountId {
	Sr25519Keyring::Bob.to_account_id()
}

fn bid(price: u128) -> RuntimeCall {
	pallet_orderbook::Call::place_order {
		market: 0,
		side: Side::Buy,
		price,
		quantity: 10_000,
		time_in_force: TimeInForce::GoodTilCancelled,
		expires_at: None,
		client_id: None,
		self_trade: SelfTradePrevention::CancelMaker,
		max_fills: u32::MAX,
	}
	.into()
}

/// Runs `call` as Alice through her trading key; the call's own result.
fn as_alice(call: RuntimeCall) -> Result<(), DispatchError> {
	System::reset_events();
	assert_ok!(Proxy::proxy(
		RuntimeOrigin::signed(bot()),
		sp_runtime::MultiAddress::Id(alice()),
		None,
		Box::new(call)
	));
	System::events()
		.into_iter()
		.find_map(|r| match r.event {
			RuntimeEvent::Proxy(pallet_proxy::Event::ProxyExecuted { result }) => Some(result),
			_ => None,
		})
		.expect("the proxy call ran")
}

fn usdb(who: &AccountId) -> Balance {
	Orderbook::trading_balance(who, USDB).free
}

#[test]
fn a_trading_key_trades_for_its_account_and_cannot_take_anything_out() {
	dev_chain().execute_with(|| {
		assert_ok!(Proxy::add_proxy(
			RuntimeOrigin::signed(alice()),
			sp_runtime::MultiAddress::Id(bot()),
			ProxyType::Trading,
			0
		));
		// Place, replace and cancel Alice's orders.
		let first = pallet_orderbook::Pallet::<Runtime>::next_order_id();
		assert_ok!(as_alice(bid(590_000_000)));
		let order = pallet_orderbook::Pallet::<Runtime>::order_of(&alice(), first).expect("rests");
		assert_eq!(order.owner, alice(), "the order is Alice's");
		assert_ok!(as_alice(
			pallet_orderbook::Call::replace_order {
				order_id: first,
				new_price: 580_000_000,
				new_quantity: 10_000,
				max_fills: u32::MAX,
			}
			.into()
		));
		let replaced = first + 1;
		assert_ok!(as_alice(pallet_orderbook::Call::cancel_order { order_id: replaced }.into()));
		assert!(pallet_orderbook::Pallet::<Runtime>::find_order(replaced).is_none());

		// Nothing that moves funds out: refused by the filter, Alice's funds unchanged.
		let before = (usdb(&alice()), System::account(alice()).data.free);
		let filtered: DispatchError = frame_system::Error::<Runtime>::CallFiltered.into();
		let out: Vec<RuntimeCall> = vec![
			pallet_orderbook::Call::withdraw { asset: USDB, amount: 1 }.into(),
			pallet_perp::Call::withdraw_collateral { amount: 1 }.into(),
			pallet_balances::Call::transfer_keep_alive {
				dest: sp_runtime::MultiAddress::Id(bot()),
				value: 1,
			}
			.into(),
			pallet_assets::Call::transfer {
				id: 1.into(),
				target: sp_runtime::MultiAddress::Id(bot()),
				amount: 1,
			}
			.into(),
		];
		for call in out.iter() {
			assert_eq!(as_alice(call.clone()), Err(filtered), "{call:?} must be filtered");
		}
		// Hidden in a batch: each call inside is filtered too.
		let batch =
			pallet_utility::Call::batch_all { calls: vec![bid(590_000_000), out[0].clone()] };
		assert!(as_alice(batch.into()).is_err(), "a batch cannot smuggle a withdrawal");
		assert_eq!((usdb(&alice()), System::account(alice()).data.free), before);

		// A trading key cannot make itself (or another key) a stronger proxy.
		let escalate = pallet_proxy::Call::add_proxy {
			delegate: sp_runtime::MultiAddress::Id(bot()),
			proxy_type: ProxyType::Any,
			delay: 0,
		};
		assert!(as_alice(escalate.into()).is_err());
		assert_noop!(
			Proxy::proxy(
				RuntimeOrigin::signed(Sr25519Keyring::Charlie.to_account_id()),
				sp_runtime::MultiAddress::Id(alice()),
				None,
				Box::new(bid(590_000_000))
			),
			pallet_proxy::Error::<Runtime>::NotProxy
		);
	});
}

#[test]
fn proxy_types_are_ordered_by_what_they_allow() {
	use ProxyType::*;
	assert!(Any.is_superset(&NonTransfer) && Any.is_superset(&Trading));
	assert!(NonTransfer.is_superset(&Trading));
	assert!(!Trading.is_superset(&NonTransfer) && !NonTransfer.is_superset(&Any));
	let withdraw: RuntimeCall = pallet_orderbook::Call::withdraw { asset: USDB, amount: 1 }.into();
	let deposit: RuntimeCall = pallet_orderbook::Call::deposit { asset: USDB, amount: 1 }.into();
	assert!(Any.filter(&withdraw) && !NonTransfer.filter(&withdraw) && !Trading.filter(&withdraw));
	assert!(NonTransfer.filter(&deposit) && Trading.filter(&deposit));
	assert!(NonTransfer.filter(&bid(1)) && Trading.filter(&bid(1)));
}
