#!/usr/bin/env bash
# A coverage-guided fuzzing campaign of the runtime (cargo-fuzz / libFuzzer, target `runtime`
# in fuzz/libfuzzer). Not part of the test command: the instrumented build of the runtime
# and its dependencies takes about as long as a cold node build.
#
#   ./scripts/fuzz.sh [seconds] [extra libFuzzer flags...]    (default: 3600 s)
#
# The corpus grows in fuzz/corpus (reused by the next campaign); a finding is written to
# fuzz/artifacts/crash-<hash> and reproduces (that input alone, with the finding printed) with
#   ./scripts/fuzz.sh 0 fuzz/artifacts/crash-<hash>
set -euo pipefail
caller=$PWD
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
# Reproducing: a saved input (path from where the script was called) runs alone.
if [ $# -gt 0 ] && (cd "$caller" && [ -f "$1" ]); then
	input=$(cd "$caller" && realpath "$1")
	shift
	exec cargo fuzz run --fuzz-dir libfuzzer --sanitizer none --release runtime "$input" -- "$@"
fi
limit=()
[ "$seconds" -gt 0 ] && limit=(-max_total_time="$seconds")
# -len_control=0: inputs may use the whole -max_len at once. A short input is a block or two;
# a long one runs up to 32 blocks on the same chain, where the deeper states are.
exec cargo fuzz run --fuzz-dir libfuzzer --sanitizer none --release runtime \
	"$root/fuzz/corpus" -- -artifact_prefix="$root/fuzz/artifacts/" -max_len=8192 \
	-len_control=0 -print_final_stats=1 "${limit[@]}" "$@"
