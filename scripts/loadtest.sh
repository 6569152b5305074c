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

# shellcheck source=scripts/temp-chain.sh
. "$root/scripts/temp-chain.sh"
temp_chain_start "$node_bin" loadtest --pool-limit 20000 --pool-kbytes 65536 \
	--rpc-max-connections 100
echo "loadtest: $profile node on port $TEMP_CHAIN_RPC_PORT ($("$node_bin" --version))"
node examples/market-maker/loadtest.mjs --url "ws://127.0.0.1:$TEMP_CHAIN_RPC_PORT" "$@"
