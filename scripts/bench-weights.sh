#!/usr/bin/env bash
# Runs the frame-benchmarking benchmarks of Bourse's pallets in the runtime's wasm and writes
# each pallet's src/weights.rs from the results (template: scripts/weight-template.hbs).
# Upstream pallets the runtime measures itself (balances: the transfers trading is compared
# with) get runtime/src/weights/pallet_<name>.rs (template: scripts/runtime-weight-template.hbs).
#
#   ./scripts/bench-weights.sh                 # all: orderbook, perp, checkpoint, balances
#   ./scripts/bench-weights.sh orderbook       # one pallet
#   STEPS=10 REPEAT=5 ./scripts/bench-weights.sh   # a quicker, noisier run
#   RUNS=2 ./scripts/bench-weights.sh orderbook    # each ref-time figure: the larger of 2 runs
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
[ ${#pallets[@]} -gt 0 ] || pallets=(orderbook perp checkpoint balances)
for pallet in "${pallets[@]}"; do
  case "$pallet" in
    balances)
      template=scripts/runtime-weight-template.hbs
      output="runtime/src/weights/pallet_$pallet.rs" ;;
    *)
      template=scripts/weight-template.hbs
      output="pallets/$pallet/src/weights.rs" ;;
  esac
  runs=${RUNS:-1}
  for run in $(seq 1 "$runs"); do
    echo "bench-weights: pallet_$pallet -> $output (run $run of $runs)"
    "$bencher" v1 benchmark pallet \
      --runtime "$wasm" \
      --genesis-builder-preset development \
      --pallet "pallet_$pallet" --extrinsic '*' \
      --disable-proof-recording \
      --steps "${STEPS:-50}" --repeat "${REPEAT:-20}" \
      --template "$template" \
      --output "$output.run$run"
  done
  mv "$output.run1" "$output"
  for run in $(seq 2 "$runs"); do
    # A shared CPU makes single runs noisy: keep the larger ref time of each figure.
    if awk -f scripts/max-weights.awk "$output" "$output.run$run" > "$output.merged"; then
      mv "$output.merged" "$output"
      merged=yes
    else
      echo "bench-weights: run $run differs in shape from run 1 (a slope in one run only); kept run 1" >&2
      rm -f "$output.merged"
    fi
    rm -f "$output.run$run"
  done
  if [ "${merged:-}" = yes ]; then
    sed -i "s|^//! Do not edit by hand|//! Each ref-time figure is the larger of $runs runs (RUNS=$runs): this machine's CPU is shared.\n&|" "$output"
  fi
  merged=
done
