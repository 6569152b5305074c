//! The trading state leaves one chain as a file and starts another: `export-trading-state` on a
//! stopped dev node, `import-trading-state` into a chain spec, a node on that spec trades on the
//! same book, and its genesis exports to the same state. Bad files are refused, naming why.
use std::{path::Path, time::Duration};

use bourse_primitives::{
	orderbook::{AssetKind, SelfTradePrevention, Side},
	trading_state::{digest, OrderState, TradingStateFile},
};
use bourse_tests::{node_command, Node};
use serde_json::json;

/// Accounts stay SS58 strings: serialised exactly as the node serialises its account ids.
type File = TradingStateFile<String>;

const MINUTE: Duration = Duration::from_secs(60);
/// Market 0 of the dev preset: WBTC/USDB; 600_000_000 is 60,000 USDB per BTC.
const SPOT: u32 = 0;
const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";
const USDB: AssetKind = AssetKind::Asset(1);
const WBTC: AssetKind = AssetKind::Asset(2);

fn export(args: &[&str], output: &Path) -> File {
	let out = output.display().to_string();
	let mut all = vec!["export-trading-state", "--output", &out];
	all.extend(args);
	let (ok, _, stderr) = node_command(&all);
	assert!(ok, "export-trading-state {args:?} failed:\n{stderr}");
	serde_json::from_slice(&std::fs::read(output).expect("export written")).expect("valid file")
}

fn import(input: &Path, output: &Path) -> (bool, String) {
	let (ok, _, stderr) = node_command(&[
		"import-trading-state",
		"--chain",
		"dev",
		"--input",
		&input.display().to_string(),
		"--output",
		&output.display().to_string(),
	]);
	(ok, stderr)
}

fn write(file: &File, path: &Path) {
	std::fs::write(path, serde_json::to_vec_pretty(file).expect("json")).expect("write");
}

fn order(id: u64, owner: &str, side: Side, price: u128, quantity: u128) -> OrderState<String> {
	OrderState {
		id,
		market: SPOT,
		owner: owner.into(),
		side,
		price,
		quantity,
		filled: 0,
		placed_at: 1,
		expires_at: None,
		client_id: Some(id),
		self_trade: SelfTradePrevention::CancelMaker,
		post_only: side == Side::Buy,
	}
}

#[test]
fn exported_state_starts_a_new_chain_and_round_trips() {
	let _serial = bourse_tests::serial();
	let dir = tempfile::tempdir().expect("temp dir");

	// A dev chain runs a few blocks and stops; its state is exported from its database.
	let mut source = Node::start(&["--dev", "--base-path", "BASE"]);
	source.wait_for_block(2, 2 * MINUTE);
	assert!(source.stop(MINUTE).is_some_and(|s| s.success()), "{}", source.log_tail());
	let base = source.base_path().display().to_string();
	let exported = export(&["--dev", "--base-path", &base], &dir.path().join("source.json"));
	assert!(exported.source.block_number >= 2, "{:?}", exported.source);
	assert_eq!(exported.orderbook.markets.len(), 2, "spot market 0 and perp market 1");
	assert_eq!(exported.perp.markets.len(), 1);
	assert!(exported.balances.native.iter().any(|a| a.account == ALICE));
	assert_eq!(
		exported.digest,
		digest(&exported.balances, &exported.orderbook, &exported.perp),
		"the digest covers the state sections"
	);

	// Resting orders join the state: Alice offers 0.01 BTC at 60,000, Bob bids at 59,000.
	let mut state = exported.clone();
	let first = state.orderbook.next_order_id;
	state.orderbook.orders = vec![
		order(first + 1, BOB, Side::Buy, 590_000_000, 1_000_000),
		order(first, ALICE, Side::Sell, 600_000_000, 2_000_000),
	];
	state.orderbook.next_order_id = first + 2;
	// Their escrow is locked in the owners' ledger entries (dev accounts start with deposits).
	for (owner, asset, amount) in [(ALICE, WBTC, 2_000_000), (BOB, USDB, 590_000_000)] {
		let entry = state
			.orderbook
			.ledger
			.iter_mut()
			.find(|e| e.account == owner && e.asset == asset)
			.expect("dev accounts have deposits");
		entry.free -= amount;
		entry.locked += amount;
	}
	state.digest = digest(&state.balances, &state.orderbook, &state.perp);
	let edited = dir.path().join("edited.json");
	write(&state, &edited);

	// Bad files are refused with the reason, and no chain spec is written.
	let refused_spec = dir.path().join("refused.json");
	let mut altered = state.clone();
	altered.orderbook.orders[0].quantity *= 2;
	write(&altered, &dir.path().join("altered.json"));
	let (ok, stderr) = import(&dir.path().join("altered.json"), &refused_spec);
	assert!(!ok && stderr.contains("does not match its content"), "{stderr}");
	let mut crossed = state.clone();
	crossed.orderbook.orders[0].price = 610_000_000;
	crossed.digest = digest(&crossed.balances, &crossed.orderbook, &crossed.perp);
	write(&crossed, &dir.path().join("crossed.json"));
	let (ok, stderr) = import(&dir.path().join("crossed.json"), &refused_spec);
	assert!(!ok && stderr.contains("market 0: crossed book"), "{stderr}");
	assert!(!refused_spec.exists(), "nothing written for a refused file");

	// The new chain starts from the file and shows the book over RPC.
	let spec = dir.path().join("spec.json");
	let (ok, stderr) = import(&edited, &spec);
	assert!(ok, "import-trading-state failed:\n{stderr}");
	let spec_arg = spec.display().to_string();
	let mut fresh = Node::start(&[
		"--chain",
		&spec_arg,
		"--alice",
		"--force-authoring",
		"--base-path",
		"BASE",
		"--unsafe-force-node-key-generation",
	]);
	fresh.wait_for_block(1, 2 * MINUTE);
	let depth = fresh.rpc("orderbook_depth", json!([SPOT, 5])).expect("depth");
	// Amounts are decimal strings (exact in every JSON reader).
	assert_eq!(depth["bids"][0]["price"], json!("590000000"), "{depth}");
	assert_eq!(depth["asks"][0]["quantity"], json!("2000000"), "{depth}");
	let markets = fresh.rpc("orderbook_markets", json!([])).expect("markets");
	assert_eq!(markets[0]["base"]["symbol"], json!("WBTC"), "{markets}");
	assert_eq!(markets[0]["quote"]["decimals"], json!(6), "{markets}");
	assert_eq!(markets[0]["tickSize"], json!("10000"), "{markets}");
	assert_eq!(markets[1]["kind"], json!("Perp"), "{markets}");
	let balances = fresh.rpc("orderbook_tradingBalances", json!([BOB])).expect("balances");
	let usdb = balances
		.as_array()
		.and_then(|b| b.iter().find(|e| e["asset"] == json!({ "Asset": 1 })))
		.unwrap_or_else(|| panic!("Bob's USDB entry: {balances}"));
	assert_eq!(usdb["locked"], json!("590000000"), "the bid's escrow is locked: {balances}");
	// By id alone (an unsafe method: this node's RPC listens on localhost only, so `auto`
	// allows it), and by owner and id.
	let order = fresh.rpc("orderbook_order", json!([first])).expect("order");
	assert_eq!(order["owner"], json!(ALICE), "ids are kept: {order}");
	let of_owner = fresh.rpc("orderbook_orderOf", json!([ALICE, first])).expect("order of");
	assert_eq!(of_owner, order);
	let of_other = fresh.rpc("orderbook_orderOf", json!([BOB, first])).expect("order of");
	assert_eq!(of_other, json!(null), "another account's id finds nothing: {of_other}");
	assert!(fresh.stop(MINUTE).is_some_and(|s| s.success()), "{}", fresh.log_tail());

	// Its genesis exports to exactly the imported state; only the source differs.
	let fresh_base = fresh.base_path().display().to_string();
	let round_trip = export(
		&["--chain", &spec_arg, "--base-path", &fresh_base, "--at", "0"],
		&dir.path().join("round_trip.json"),
	);
	assert_eq!(round_trip.balances, state.balances);
	assert_eq!(round_trip.orderbook, state.orderbook);
	assert_eq!(round_trip.perp, state.perp);
	assert_eq!(round_trip.digest, state.digest);
	assert_eq!(round_trip.source.block_number, 0);
}
