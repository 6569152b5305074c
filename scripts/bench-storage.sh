#!/usr/bin/env bash
# Measures the node's database: read and write weights per storage key (frame-benchmarking-cli's
# `benchmark storage`) on a dev chain grown first (examples/market-maker/populate.mjs: new
# accounts and resting orders). Prints the figures and writes `<db>_weights.rs` into the output
# directory; the runtime's `runtime/src/db_weights.rs` takes its values from there.
#
#   ./scripts/bench-storage.sh                       # paritydb, 100,000 new accounts, into a temp dir
#   ./scripts/bench-storage.sh rocksdb 20000 out/    # database, accounts, output directory
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

database=${1:-paritydb}
accounts=${2:-100000}
out=${3:-$(mktemp -d)}
mkdir -p "$out"

# BOURSE_NODE: a bourse-node built with the feature already (skips the build).
node_bin=${BOURSE_NODE:-}
if [ -z "$node_bin" ]; then
	cargo build --release -p bourse-node --features storage-benchmark
	node_bin="$CARGO_TARGET_DIR/release/bourse-node"
fi

# shellcheck source=scripts/temp-chain.sh
. "$root/scripts/temp-chain.sh"
temp_chain_start "$node_bin" bench-storage --database "$database" --pool-limit 20000 \
	--pool-kbytes 262144
echo "bench-storage: growing the dev chain ($database, $accounts new accounts)"
node examples/market-maker/populate.mjs --url "ws://127.0.0.1:$TEMP_CHAIN_RPC_PORT" --accounts "$accounts"
temp_chain_stop

echo "bench-storage: measuring $database"
"$node_bin" benchmark storage --dev --base-path "$TEMP_CHAIN_BASE" --database "$database" \
	--state-version 1 --warmups 1 --weight-path "$out"
echo "bench-storage: written to $out/${database}_weights.rs"
