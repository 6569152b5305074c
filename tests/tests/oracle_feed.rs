//! The oracle path with real node processes: three validators of the local testnet run the
//! oracle feeder (`--oracle-feed`), two reading a file and one a local HTTP server; the perp
//! market's index follows the median of their observations, not any single one.
use std::{
	io::{Read, Write},
	net::TcpListener,
	path::Path,
	sync::{Arc, Mutex},
	time::Duration,
};

use bourse_tests::Node;
use serde_json::json;

const MINUTE: Duration = Duration::from_secs(60);
/// The local testnet's BTC perpetual (genesis index 600,000,000: 60,000 USDB per BTC).
const PERP: u32 = 1;

/// Serves `{"1": <price>}` over HTTP on a free port until the test ends; the price can change.
fn price_server(price: Arc<Mutex<u128>>) -> u16 {
	let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
	let port = listener.local_addr().expect("address").port();
	std::thread::spawn(move || {
		for stream in listener.incoming() {
			let Ok(mut stream) = stream else { continue };
			let mut request = [0u8; 1024];
			let _ = stream.read(&mut request);
			let body = format!("{{\"{PERP}\": \"{}\"}}", price.lock().expect("price"));
			let _ = write!(
				stream,
				"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
				body.len()
			);
		}
	});
	port
}

fn write_price(path: &Path, price: u128) {
	// Write then rename, so a feeder never reads half a file.
	let tmp = path.with_extension("tmp");
	std::fs::write(&tmp, format!("{{\"{PERP}\": {price}}}")).expect("write prices");
	std::fs::rename(&tmp, path).expect("rename prices");
}

fn validator(name: &str, feed: &str, bootnode: Option<&str>) -> Node {
	let mut args = vec![
		"--chain",
		"local",
		"--base-path",
		"BASE",
		"--unsafe-force-node-key-generation",
		name,
		"--oracle-feed",
		feed,
	];
	if let Some(addr) = bootnode {
		args.extend(["--bootnodes", addr]);
	}
	let mut node = Node::start(&args);
	node.wait_for_rpc(3 * MINUTE);
	node
}

fn index_price(node: &Node) -> Option<u128> {
	let market = node.rpc("perp_market", json!([PERP])).ok()?;
	market["indexPrice"].as_str()?.parse().ok()
}

fn wait_for_index(node: &mut Node, want: u128) {
	node.wait_for(&format!("index price {want}"), 3 * MINUTE, |node| {
		index_price(node).filter(|p| *p == want)
	});
}

#[test]
fn validators_feed_the_oracle_and_the_index_follows_their_median() {
	let _serial = bourse_tests::serial();
	let dir = tempfile::tempdir().expect("temp dir");
	let (alice_file, charlie_file) =
		(dir.path().join("alice.json"), dir.path().join("charlie.json"));
	write_price(&alice_file, 600_000_000);
	// Charlie's source is far off: a median of three does not follow one operator.
	write_price(&charlie_file, 900_000_000);
	let bob_price = Arc::new(Mutex::new(610_000_000u128));
	let bob_url = format!("http://127.0.0.1:{}/prices", price_server(bob_price.clone()));

	let mut alice = validator("--alice", &alice_file.display().to_string(), None);
	let boot = alice.multiaddr();
	let _bob = validator("--bob", &bob_url, Some(&boot));
	let _charlie = validator("--charlie", &format!("file:{}", charlie_file.display()), Some(&boot));

	// The median of 600, 610 and 900 million is 610,000,000 (61,000 USDB per BTC), within the
	// per-block move bound of the genesis index.
	wait_for_index(&mut alice, 610_000_000);

	// Charlie's source comes back in line: the median is now 605,000,000.
	write_price(&charlie_file, 605_000_000);
	wait_for_index(&mut alice, 605_000_000);

	// All three sources move to 640,000,000: a 5.8% move the index makes in 2% steps.
	*bob_price.lock().expect("price") = 640_000_000;
	write_price(&alice_file, 640_000_000);
	write_price(&charlie_file, 640_000_000);
	wait_for_index(&mut alice, 640_000_000);

	assert!(alice.log().contains("feeding prices from file:"), "{}", alice.log_tail());
}
