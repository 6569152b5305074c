#!/usr/bin/env bash
# Sets the machine up (idempotent), builds bourse-node and runs a single-validator dev chain.
# Extra arguments go to the node, e.g. `scripts/dev-node.sh --tmp` for a throw-away chain.
# Alice feeds the perp oracle from examples/oracle/dev-prices.json (edit it to move the index)
# unless the arguments name another `--oracle-feed`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
# shellcheck source=/dev/null
. "$root/scripts/env.sh"
cd "$root"
cargo build -p bourse-node
feed=(--oracle-feed "$root/examples/oracle/dev-prices.json")
for arg in "$@"; do
	case $arg in --oracle-feed*) feed=() ;; esac
done
exec "$CARGO_TARGET_DIR/debug/bourse-node" --dev --rpc-cors all "${feed[@]}" "$@"
