#!/usr/bin/env bash
# Measures the node's database: read and write weights per storage key (frame-benchmarking-cli's
# `benchmark storage`) on a dev chain grown first (examples/market-maker/populate.mjs: new
# accounts and resting orders). Prints the figures and writes `<db>_weights.rs` into the output
# directory; the runtime's `runtime/src/weights/db.rs` takes its values from there.
#
#   ./scripts/bench-storage.sh                       # rocksdb, 100,000 new accounts, into a temp dir
#   ./scripts/bench-storage.sh paritydb 20000 out/   # database, accounts, output directory
#   BOURSE_NODE=path/to/bourse-node ./scripts/bench-storage.sh   # a node built already
#
# Builds the release node with `--features storage-benchmark` (as scripts/loadtest.sh does), so
# the first run is a cold release build. The dev chain runs on free ports in a temporary base
# path, which is always removed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" >/dev/null
# shellcheck source=/dev/null
. "$root/scripts/env.sh"
cd "$root"

database=${1:-rocksdb}
accounts=${2:-100000}
out=${3:-$(mktemp -d)}
mkdir -p "$out"

# BOURSE_NODE: a bourse-node built with the feature already (skips the build).
node_bin=${BOURSE_NODE:-}
if [ -z "$node_bin" ]; then
	cargo build --release -p bourse-node --features storage-benchmark
	node_bin="$CARGO_TARGET_DIR/release/bourse-node"
fi

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
rpc_port=$(free_port)
p2p_port=$(free_port)
base=$(mktemp -d)
log="$base/node.log"
node_pid=
stop_node() {
	if [ -n "$node_pid" ]; then
		kill "$node_pid" 2>/dev/null || true
		wait "$node_pid" 2>/dev/null || true
		node_pid=
	fi
}
cleanup() {
	stop_node
	rm -rf "$base"
}
trap cleanup EXIT

"$node_bin" --dev --base-path "$base" --database "$database" --rpc-port "$rpc_port" \
	--port "$p2p_port" --no-prometheus --no-telemetry --pool-limit 20000 --pool-kbytes 262144 \
	>"$log" 2>&1 &
node_pid=$!
for _ in $(seq 1 300); do
	if curl -s -H 'Content-Type: application/json' \
		-d '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}' \
		"http://127.0.0.1:$rpc_port" >/dev/null 2>&1; then
		break
	fi
	kill -0 "$node_pid" 2>/dev/null || { echo "bench-storage: the node exited:"; tail -20 "$log"; exit 1; }
	sleep 0.2
done
echo "bench-storage: growing the dev chain ($database, $accounts new accounts)"
node examples/market-maker/populate.mjs --url "ws://127.0.0.1:$rpc_port" --accounts "$accounts"
stop_node

echo "bench-storage: measuring $database"
"$node_bin" benchmark storage --dev --base-path "$base" --database "$database" \
	--state-version 1 --warmups 1 --weight-path "$out"
echo "bench-storage: written to $out/${database}_weights.rs"
