#!/usr/bin/env bash
# Runs the frame-benchmarking benchmarks of Bourse's pallets in the runtime's wasm and writes
# each pallet's src/weights.rs from the results (template: scripts/weight-template.hbs).
#
#   ./scripts/bench-weights.sh                 # all pallets: orderbook, perp, checkpoint
#   ./scripts/bench-weights.sh orderbook       # one pallet
#   STEPS=10 REPEAT=5 ./scripts/bench-weights.sh   # a quicker, noisier run
#
# The runner is frame-omni-bencher of the same polkadot-sdk release as the workspace, built
# in release once into $CARGO_TARGET_DIR/tools (about an hour on 2 cores; reused after). The
# runtime is built with `runtime-benchmarks`; benchmarks start from its `development` preset.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" >/dev/null
# shellcheck source=/dev/null
. "$root/scripts/env.sh"
cd "$root"

bencher_version=0.28.0 # frame-benchmarking-cli 64, the polkadot-sdk 2609 line
tools="$CARGO_TARGET_DIR/tools"
bencher="$tools/bin/frame-omni-bencher"
if ! "$bencher" --version 2>/dev/null | grep -q "$bencher_version"; then
  echo "bench-weights: building frame-omni-bencher $bencher_version (release, once)"
  # Its own build dir: it does not lock (or mix with) the workspace's release artifacts.
  # The workspace hint would point its test runtime's wasm build at this workspace; that
  # runtime is not needed to benchmark ours.
  env -u WASM_BUILD_WORKSPACE_HINT SKIP_WASM_BUILD=1 cargo install frame-omni-bencher --version "$bencher_version" --locked --root "$tools" \
    --target-dir "$tools/build"
fi

echo "bench-weights: building the runtime with runtime-benchmarks"
cargo build -p bourse-runtime --features runtime-benchmarks
# A debug outer build still compiles the runtime blob in release, only not compacted.
wasm="$CARGO_TARGET_DIR/debug/wbuild/bourse-runtime/bourse_runtime.wasm"
[ -f "$wasm" ] || { echo "bench-weights: no runtime wasm at $wasm" >&2; exit 1; }

pallets=("$@")
[ ${#pallets[@]} -gt 0 ] || pallets=(orderbook perp checkpoint)
for pallet in "${pallets[@]}"; do
  echo "bench-weights: pallet_$pallet"
  "$bencher" v1 benchmark pallet \
    --runtime "$wasm" \
    --genesis-builder-preset development \
    --pallet "pallet_$pallet" --extrinsic '*' \
    --disable-proof-recording \
    --steps "${STEPS:-50}" --repeat "${REPEAT:-20}" \
    --template scripts/weight-template.hbs \
    --output "pallets/$pallet/src/weights.rs"
done
