#!/usr/bin/env bash
# Speed and memory of a full run (not a test; run it by hand).
#
# Runs `scim-harness run` RUNS times (default 5) against the embedded reference server —
# or against TARGET (with the token in SCIM_HARNESS_TOKEN) — and prints, per run, the wall
# time, the harness's own CPU time and peak RSS (from /usr/bin/time), then the median wall
# time and the largest RSS. Extra arguments go to `run` (e.g. `--idp rfc`).
#
# Usage: bench/suite.sh [run args…]    (environment: RUNS, TARGET)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
cargo build --release -q
BIN=./target/release/scim-harness
ARGS=(run --no-progress --report-dir "$(mktemp -d)")
[ -n "${TARGET:-}" ] && ARGS+=(--target "$TARGET")
ARGS+=("$@")
if [ ! -x /usr/bin/time ]; then
  echo "needs /usr/bin/time (Debian package: time)" >&2
  exit 1
fi
walls=()
max_rss=0
for i in $(seq 1 "$RUNS"); do
  out=$( { /usr/bin/time -f 'TIME %e %U %S %M' "$BIN" "${ARGS[@]}" >/dev/null; } 2>&1 | grep '^TIME' || true)
  read -r _ wall user sys rss <<<"$out"
  walls+=("$wall")
  [ "$rss" -gt "$max_rss" ] && max_rss=$rss
  printf "run %d: wall %ss, cpu %ss, peak RSS %d MiB\n" "$i" "$wall" "$(awk -v u="$user" -v s="$sys" "BEGIN {print u + s}")" "$((rss / 1024))"
done
median=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median wall ${median}s over $RUNS runs; largest peak RSS $((max_rss / 1024)) MiB"
