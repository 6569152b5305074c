//! Streaming over WebSocket JSON-RPC subscriptions on a dev node: depth, orders, fills and
//! positions arrive for every new best block and again when it is finalized, each naming its
//! block, and carry the same data the request/response methods return at that block.
use std::{
	net::TcpStream,
	time::{Duration, Instant},
};

use bourse_tests::Node;
use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

struct Client {
	ws: WebSocket<TcpStream>,
	next_id: u64,
}

impl Client {
	fn connect(port: u16) -> Client {
		let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
		stream.set_read_timeout(Some(Duration::from_secs(5))).expect("read timeout");
		let (ws, _) =
			tungstenite::client(format!("ws://127.0.0.1:{port}"), stream).expect("handshake");
		Client { ws, next_id: 1 }
	}

	fn call(&mut self, method: &str, params: Value) -> u64 {
		let id = self.next_id;
		self.next_id += 1;
		let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
		self.ws.send(Message::text(request.to_string())).expect("send");
		id
	}

	/// The next JSON message, if one arrives before `deadline`.
	fn next(&mut self, deadline: Instant) -> Option<Value> {
		while Instant::now() < deadline {
			match self.ws.read() {
				Ok(Message::Text(text)) => return serde_json::from_str(&text).ok(),
				Ok(_) => continue,
				Err(tungstenite::Error::Io(e))
					if matches!(
						e.kind(),
						std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
					) =>
				{
					continue
				},
				Err(e) => panic!("websocket: {e}"),
			}
		}
		None
	}
}

#[test]
fn subscriptions_stream_every_best_and_finalized_block() {
	let _serial = bourse_tests::serial();
	let mut node = Node::start(&["--dev", "--tmp"]);
	node.wait_for_block(1, Duration::from_secs(120));
	let mut client = Client::connect(node.rpc_port);
	let subscribe = [
		("orderbook_subscribeDepth", json!([0, 500]), "orderbook_depthUpdate"),
		("orderbook_subscribeOrders", json!([ALICE]), "orderbook_ordersUpdate"),
		("orderbook_subscribeFills", json!([null]), "orderbook_fillsUpdate"),
		("perp_subscribePositions", json!([ALICE]), "perp_positionsUpdate"),
	];
	let ids: Vec<u64> = subscribe.iter().map(|(m, p, _)| client.call(m, p.clone())).collect();

	// Collect about 8 blocks of updates (dev finalizes a checkpoint every 5 blocks).
	let mut subscriptions = std::collections::HashMap::new();
	let mut updates: Vec<(String, Value)> = Vec::new();
	let deadline = Instant::now() + Duration::from_secs(90);
	while let Some(message) = client.next(deadline) {
		if let Some(id) = message["id"].as_u64() {
			let index = ids.iter().position(|i| *i == id).expect("our request");
			let sub = message["result"].clone();
			assert!(sub.is_string() || sub.is_number(), "subscribed: {message}");
			subscriptions.insert(sub.to_string(), subscribe[index].2);
			continue;
		}
		let method = message["method"].as_str().unwrap_or_default().to_string();
		let params = &message["params"];
		assert_eq!(
			subscriptions.get(&params["subscription"].to_string()).copied(),
			Some(method.as_str()),
			"a notification of a subscription we made: {message}"
		);
		updates.push((method, params["result"].clone()));
		let finalized_depth = updates
			.iter()
			.filter(|(m, u)| m == "orderbook_depthUpdate" && u["finalized"] == json!(true))
			.count();
		if finalized_depth >= 2 {
			break;
		}
	}
	assert_eq!(subscriptions.len(), 4, "all four subscribed");

	let depth: Vec<&Value> =
		updates.iter().filter(|(m, _)| m == "orderbook_depthUpdate").map(|(_, u)| u).collect();
	let best: Vec<u64> = depth
		.iter()
		.filter(|u| u["finalized"] == json!(false))
		.filter_map(|u| u["blockNumber"].as_u64())
		.collect();
	assert!(best.len() >= 3, "an update per best block: {depth:?}");
	assert!(best.windows(2).all(|w| w[1] > w[0]), "best blocks in order: {best:?}");
	assert!(depth.iter().any(|u| u["finalized"] == json!(true)), "a finalized follow-up");
	// Every update carries what the request/response method returns at its block.
	for update in depth.iter().take(4) {
		let at = update["blockHash"].clone();
		let expected = node.rpc("orderbook_depth", json!([0, 100, at])).expect("depth");
		assert_eq!(update["data"], expected, "levels are capped at 100: {update}");
	}
	for method in ["orderbook_ordersUpdate", "orderbook_fillsUpdate", "perp_positionsUpdate"] {
		let seen = updates.iter().filter(|(m, _)| m == method).count();
		assert!(seen >= best.len(), "{method}: {seen} updates for {} best blocks", best.len());
		let first = &updates.iter().find(|(m, _)| m == method).expect("an update").1;
		assert!(first["data"].is_array() && first["blockHash"].is_string(), "{first}");
	}

	// A connection holds at most 16 trading subscriptions: 12 more fit, the 13th is refused.
	let more: Vec<u64> =
		(0..13).map(|_| client.call("orderbook_subscribeDepth", json!([0, 1]))).collect();
	let (mut accepted, mut refused) = (0, 0);
	let deadline = Instant::now() + Duration::from_secs(30);
	while accepted + refused < more.len() {
		let Some(message) = client.next(deadline) else { break };
		if !message["id"].as_u64().is_some_and(|id| more.contains(&id)) {
			continue;
		}
		if message["error"].is_object() {
			let error = message["error"]["message"].as_str().unwrap_or_default().to_string();
			assert!(error.contains("at most 16"), "{message}");
			refused += 1;
		} else {
			accepted += 1;
		}
	}
	assert_eq!((accepted, refused), (12, 1), "per-connection cap");

	// Unsubscribing ends a stream.
	let depth_sub: Value = serde_json::from_str(
		subscriptions.iter().find(|(_, m)| **m == "orderbook_depthUpdate").expect("depth").0,
	)
	.expect("subscription id");
	let id = client.call("orderbook_unsubscribeDepth", json!([depth_sub]));
	let deadline = Instant::now() + Duration::from_secs(30);
	while let Some(message) = client.next(deadline) {
		if message["id"].as_u64() == Some(id) {
			assert_eq!(message["result"], json!(true), "{message}");
			break;
		}
	}
	assert!(node.stop(Duration::from_secs(60)).is_some_and(|s| s.success()), "{}", node.log_tail());
}
