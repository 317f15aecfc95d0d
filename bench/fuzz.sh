#!/usr/bin/env bash
# Longer runs of the property tests that `cargo test` runs briefly (not a test; run it by
# hand or on a schedule). cargo-fuzz needs a nightly toolchain, so the fuzzing here is
# proptest with many more cases, in release mode:
#
#   - reference server: the filter parser, the PATCH path parser, the service and the axum
#     router on random requests (reference-server/tests/properties.rs);
#   - harness: the scenario loader and linter on random YAML, and redaction of random tokens
#     in every echo encoding (unit tests in scenario/load.rs and exec/redact.rs).
#
# Usage: bench/fuzz.sh [CASES]    (default 20000 per property; a failure prints the
# minimal input and exits non-zero)
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${1:-20000}
export PROPTEST_CASES=$CASES
start=$(date +%s)
cargo test --release -q -p scim-reference-server --test properties
cargo test --release -q -p scim-harness --lib -- properties no_echo_of_a_random_token_survives
echo "all properties held for $CASES cases each in $(( $(date +%s) - start )) s"
