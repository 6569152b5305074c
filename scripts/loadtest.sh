#!/usr/bin/env bash
# Load test of a fresh dev chain: balance transfers/s, single resting orders/s, maker+taker
# pairs/s and orders/s through `batch`, side by side (examples/market-maker/loadtest.mjs).
#
#   ./scripts/loadtest.sh                    # release node (built once, like the dev node)
#   ./scripts/loadtest.sh --debug            # the debug node (CPU-bound: ~30 extrinsics a block)
#   ./scripts/loadtest.sh -- --per-account 120   # arguments after -- go to the generator
#   BOURSE_NODE=path/to/bourse-node ./scripts/loadtest.sh   # a node built already
#
# Starts `bourse-node --dev` on free ports with a temporary base path and always stops it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" >/dev/null
# shellcheck source=/dev/null
. "$root/scripts/env.sh"
cd "$root"

profile=release
if [ "${1:-}" = "--debug" ]; then
	profile=debug
	shift
fi
[ "${1:-}" = "--" ] && shift
# BOURSE_NODE: a bourse-node built already (skips the build).
node_bin=${BOURSE_NODE:-}
if [ -z "$node_bin" ]; then
	if [ "$profile" = release ]; then
		# The same build as scripts/bench-storage.sh (its feature only adds a subcommand).
		cargo build --release -p bourse-node --features storage-benchmark
	else
		cargo build -p bourse-node
	fi
	node_bin="$CARGO_TARGET_DIR/$profile/bourse-node"
fi

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
rpc_port=$(free_port)
p2p_port=$(free_port)
base=$(mktemp -d)
log="$base/node.log"
"$node_bin" --dev --base-path "$base" --rpc-port "$rpc_port" --port "$p2p_port" \
	--no-prometheus --no-telemetry --pool-limit 20000 --pool-kbytes 65536 \
	--rpc-max-connections 100 >"$log" 2>&1 &
node_pid=$!
cleanup() {
	kill "$node_pid" 2>/dev/null || true
	wait "$node_pid" 2>/dev/null || true
	rm -rf "$base"
}
trap cleanup EXIT

# Poll RPC until the node answers (a cold start compiles the runtime first).
for _ in $(seq 1 300); do
	if curl -s -H 'Content-Type: application/json' \
		-d '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}' \
		"http://127.0.0.1:$rpc_port" >/dev/null 2>&1; then
		break
	fi
	kill -0 "$node_pid" 2>/dev/null || { echo "loadtest: the node exited:"; tail -20 "$log"; exit 1; }
	sleep 0.2
done
echo "loadtest: $profile node on port $rpc_port ($("$node_bin" --version))"
node examples/market-maker/loadtest.mjs --url "ws://127.0.0.1:$rpc_port" "$@"
