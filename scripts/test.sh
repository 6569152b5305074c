#!/usr/bin/env bash
# Runs every test of Bourse: pallet unit/property tests, benchmark test suites, and end-to-end
# tests that start real bourse-node processes. Sets the machine up first (idempotent).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
# shellcheck source=/dev/null
. "$root/scripts/env.sh"
cd "$root"
cargo test --workspace "$@"
