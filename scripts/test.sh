#!/usr/bin/env bash
# Runs every test of Bourse: pallet unit/property tests, end-to-end tests that start real
# bourse-node processes, then the pallets' benchmarks as tests (`impl_benchmark_test_suite!`,
# which need the `runtime-benchmarks` feature) and the storage migrations with their try-runtime
# pre/post checks, in one build with both features. Sets the machine up first (idempotent).
# Extra arguments go to the workspace run (e.g. `-p pallet-perp`, `-- --nocapture`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
# shellcheck source=/dev/null
. "$root/scripts/env.sh"
cd "$root"
cargo test --workspace "$@"
# Only what the features add: the benchmark test suites and the migration checks.
cargo test -p pallet-orderbook -p pallet-perp -p pallet-checkpoint \
	--features runtime-benchmarks,try-runtime --lib -- benchmark migration
