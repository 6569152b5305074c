#!/usr/bin/env bash
# A coverage-guided fuzzing campaign of the runtime (cargo-fuzz / libFuzzer, target `runtime`
# in fuzz/libfuzzer). Not part of the test command: the instrumented build of the runtime
# and its dependencies takes about as long as a cold node build.
#
#   ./scripts/fuzz.sh [seconds] [extra libFuzzer flags...]    (default: 3600 s)
#
# The corpus grows in fuzz/corpus (reused by the next campaign); a finding is written to
# fuzz/artifacts/crash-<hash> and reproduces with
#   ./scripts/fuzz.sh 0 fuzz/artifacts/crash-<hash>
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" >/dev/null
# shellcheck source=/dev/null
. "$root/scripts/env.sh"
seconds=${1:-3600}
shift || true
if ! cargo fuzz --version >/dev/null 2>&1; then
	echo "fuzz: installing cargo-fuzz"
	cargo install cargo-fuzz --locked
fi
# The same crate versions as the workspace (the campaign's crate is its own workspace).
cp "$root/Cargo.lock" "$root/fuzz/libfuzzer/Cargo.lock"
mkdir -p "$root/fuzz/corpus" "$root/fuzz/artifacts"
cd "$root/fuzz"
# cargo-fuzz passes -Z flags; the stable compiler accepts them with RUSTC_BOOTSTRAP. The wasm
# runtime is not needed natively.
export RUSTC_BOOTSTRAP=1 SKIP_WASM_BUILD=1
limit=()
[ "$seconds" -gt 0 ] && limit=(-max_total_time="$seconds")
exec cargo fuzz run --fuzz-dir libfuzzer --sanitizer none --release runtime \
	"$root/fuzz/corpus" -- -artifact_prefix="$root/fuzz/artifacts/" -max_len=8192 \
	-print_final_stats=1 "${limit[@]}" "$@"
