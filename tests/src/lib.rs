//! End-to-end test helpers: start `bourse-node` processes on free ports and temp base paths,
//! talk JSON-RPC to them, poll instead of sleeping, and always stop what was started.
use std::{
	net::TcpListener,
	path::PathBuf,
	process::{Child, Command, ExitStatus, Stdio},
	time::{Duration, Instant},
};

use serde_json::{json, Value};

/// Path of the built `bourse-node`: `$BOURSE_NODE`, else next to this test's target dir.
pub fn node_binary() -> PathBuf {
	if let Some(path) = std::env::var_os("BOURSE_NODE") {
		return path.into();
	}
	// Test executables live in `<target>/<profile>/deps/`; the node in `<target>/<profile>/`.
	let exe = std::env::current_exe().expect("test executable path");
	let profile_dir = exe.parent().and_then(|deps| deps.parent()).expect("target layout");
	let node = profile_dir.join("bourse-node");
	assert!(
		node.exists(),
		"{} not found: build it first (`cargo build -p bourse-node`) or set BOURSE_NODE",
		node.display()
	);
	node
}

/// Serialises node-starting tests of one test binary: several debug nodes at once on a small
/// machine would make block times, not the code under test, decide the outcome.
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
	static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
	LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A TCP port nobody listens on right now.
pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0")
		.and_then(|l| l.local_addr())
		.map(|a| a.port())
		.expect("a free loopback port")
}

/// Runs a `bourse-node` subcommand to completion: (success, stdout, stderr).
pub fn node_command(args: &[&str]) -> (bool, String, String) {
	let output = Command::new(node_binary())
		.args(args)
		.stdin(Stdio::null())
		.output()
		.expect("bourse-node runs");
	(
		output.status.success(),
		String::from_utf8_lossy(&output.stdout).into_owned(),
		String::from_utf8_lossy(&output.stderr).into_owned(),
	)
}

/// A running node; stopped (SIGTERM, then SIGKILL) when dropped.
pub struct Node {
	child: Option<Child>,
	/// JSON-RPC port on 127.0.0.1.
	pub rpc_port: u16,
	/// libp2p port on 127.0.0.1.
	pub p2p_port: u16,
	log_path: PathBuf,
	args: Vec<String>,
	// Holds the log (and base path, unless the caller gave one); removed on drop.
	_dir: tempfile::TempDir,
}

impl Node {
	/// Starts `bourse-node <args>` with free RPC/p2p ports and its log in a temp dir. An
	/// argument `BASE` stands for a base path inside that temp dir (kept across restarts).
	pub fn start(args: &[&str]) -> Node {
		let dir = tempfile::tempdir().expect("temp dir");
		let (rpc_port, p2p_port) = (free_port(), free_port());
		let log_path = dir.path().join("node.log");
		let base = dir.path().join("base").display().to_string();
		let args: Vec<String> =
			args.iter().map(|a| if *a == "BASE" { base.clone() } else { a.to_string() }).collect();
		let child = Self::spawn(&args, rpc_port, p2p_port, &log_path);
		Node { child: Some(child), rpc_port, p2p_port, log_path, args, _dir: dir }
	}

	/// Starts the same node again (same arguments, ports and base path) after a stop or kill.
	pub fn restart(&mut self) {
		assert!(self.child.is_none(), "stop the node before restarting it");
		self.child = Some(Self::spawn(&self.args, self.rpc_port, self.p2p_port, &self.log_path));
	}

	/// Kills the node with SIGKILL (no clean shutdown) and reaps it.
	pub fn kill9(&mut self) {
		if let Some(mut child) = self.child.take() {
			let _ = child.kill();
			let _ = child.wait();
		}
	}

	fn spawn(args: &[String], rpc_port: u16, p2p_port: u16, log_path: &std::path::Path) -> Child {
		let log =
			std::fs::OpenOptions::new().create(true).append(true).open(log_path).expect("log file");
		Command::new(node_binary())
			.args(args)
			.args(["--rpc-port", &rpc_port.to_string(), "--port", &p2p_port.to_string()])
			.args(["--no-prometheus", "--no-telemetry", "--no-mdns"])
			.stdout(log.try_clone().expect("log handle"))
			.stderr(log)
			.stdin(Stdio::null())
			.spawn()
			.expect("bourse-node starts")
	}

	/// The base path an argument `BASE` stood for.
	pub fn base_path(&self) -> PathBuf {
		self._dir.path().join("base")
	}

	/// This node's libp2p address on loopback, for `--bootnodes`.
	pub fn multiaddr(&mut self) -> String {
		let peer_id = self.wait_for("local peer id", Duration::from_secs(120), |node| {
			node.rpc("system_localPeerId", json!([])).ok()?.as_str().map(String::from)
		});
		format!("/ip4/127.0.0.1/tcp/{}/p2p/{peer_id}", self.p2p_port)
	}

	/// Waits until the node answers JSON-RPC.
	pub fn wait_for_rpc(&mut self, timeout: Duration) {
		self.wait_for("JSON-RPC", timeout, |node| node.rpc("system_health", json!([])).ok());
	}

	/// Number of the finalized head.
	pub fn finalized_number(&self) -> Option<u64> {
		let hash = self.rpc("chain_getFinalizedHead", json!([])).ok()?;
		let header = self.rpc("chain_getHeader", json!([hash])).ok()?;
		u64::from_str_radix(header["number"].as_str()?.trim_start_matches("0x"), 16).ok()
	}

	/// Waits until the finalized head reaches block `n`.
	pub fn wait_for_finalized(&mut self, n: u64, timeout: Duration) -> u64 {
		self.wait_for(&format!("finalized block {n}"), timeout, |node| {
			node.finalized_number().filter(|f| *f >= n)
		})
	}

	/// Everything the node has logged so far.
	pub fn log(&self) -> String {
		std::fs::read_to_string(&self.log_path).unwrap_or_default()
	}

	/// Calls `method` with `params`; `Err` on transport or JSON-RPC errors.
	pub fn rpc(&self, method: &str, params: Value) -> Result<Value, String> {
		let request = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
		let response: Value = ureq::post(&format!("http://127.0.0.1:{}", self.rpc_port))
			.timeout(Duration::from_secs(10))
			.send_json(request)
			.map_err(|e| e.to_string())?
			.into_json()
			.map_err(|e| e.to_string())?;
		match response.get("error") {
			Some(error) => Err(error.to_string()),
			None => Ok(response["result"].clone()),
		}
	}

	/// Polls `check` every 100 ms until it gives `Some`, the node exits, or `timeout` passes.
	pub fn wait_for<T>(
		&mut self,
		what: &str,
		timeout: Duration,
		mut check: impl FnMut(&Node) -> Option<T>,
	) -> T {
		let deadline = Instant::now() + timeout;
		loop {
			if let Some(value) = check(self) {
				return value;
			}
			if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
				panic!(
					"node exited ({status}) while waiting for {what}; log:\n{}",
					self.log_tail()
				);
			}
			if Instant::now() > deadline {
				panic!("timed out after {timeout:?} waiting for {what}; log:\n{}", self.log_tail());
			}
			std::thread::sleep(Duration::from_millis(100));
		}
	}

	/// Best block number as reported by `chain_getHeader`, if the node answers.
	pub fn best_number(&self) -> Option<u64> {
		let header = self.rpc("chain_getHeader", json!([])).ok()?;
		u64::from_str_radix(header["number"].as_str()?.trim_start_matches("0x"), 16).ok()
	}

	/// Waits until block `n` is imported.
	pub fn wait_for_block(&mut self, n: u64, timeout: Duration) {
		self.wait_for(&format!("block {n}"), timeout, |node| {
			node.best_number().filter(|b| *b >= n)
		});
	}

	/// Sends SIGTERM and waits for the exit status (SIGKILL after `timeout`).
	pub fn stop(&mut self, timeout: Duration) -> Option<ExitStatus> {
		let mut child = self.child.take()?;
		let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
		let deadline = Instant::now() + timeout;
		while Instant::now() < deadline {
			if let Ok(Some(status)) = child.try_wait() {
				return Some(status);
			}
			std::thread::sleep(Duration::from_millis(50));
		}
		let _ = child.kill();
		let _ = child.wait();
		None
	}

	/// The last lines of the node's log, for failure messages.
	pub fn log_tail(&self) -> String {
		let log = self.log();
		let lines: Vec<&str> = log.lines().collect();
		lines[lines.len().saturating_sub(40)..].join("\n")
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		self.stop(Duration::from_secs(20));
	}
}

/// Starts validator `name` (`--alice`, ...) of the local testnet on a fresh base path, bootstrapped
/// from `bootnode`, and waits until it serves RPC (one at a time: a small machine compiles each
/// node's runtime on start).
pub fn local_validator(name: &str, bootnode: Option<&str>) -> Node {
	let mut args = vec!["--chain", "local", "--base-path", "BASE"];
	args.extend(["--unsafe-force-node-key-generation", name]);
	if let Some(addr) = bootnode {
		args.extend(["--bootnodes", addr]);
	}
	let mut node = Node::start(&args);
	node.wait_for_rpc(Duration::from_secs(180));
	node
}
