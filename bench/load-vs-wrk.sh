#!/usr/bin/env bash
# Load mode and reference-server benchmarks (not a test; run it by hand). Everything is
# measured in this one run, on loopback, with `scim-harness serve` as a separate process:
#
#   1. load vs wrk   the load mode's request rate on a filtered-lookup-only workload
#                    (`load --lookups-only`, Entra's `filter=userName+eq+…` lookups of names
#                    that do not exist) against wrk on the same endpoint with the same
#                    connection count; printed as a ratio (target >= 0.70). With reqwest's pool
#                    (`--transport reqwest`) and the recording transport (`--transport exec`)
#                    too, to show what each layer would cost.
#   2. CPU/request   user+sys of the load process (/usr/bin/time) / requests it sent, for the
#                    lookup run and for the full sync of step 3 (target <= 50 µs).
#   3. peak RSS      of `load --idp entra --users $SYNC_USERS` (a full sync: lookups, creates,
#                    groups, memberships, incremental cycle, verify, cleanup) (target < 150 MiB).
#   4. server        the reference server with $SEED_USERS users against a trivial axum
#                    handler behind a Router, the usual axum app
#                    (reference-server/examples/trivial_axum.rs, built here): wrk rates for
#                    /ServiceProviderConfig and a `userName eq` lookup that finds a user, as
#                    ratios to the trivial handler (target >= 0.70 for the lookup), and the
#                    create p99 under wrk (bench/post.lua; target < 20 ms). The same trivial
#                    handler without the Router (the plumbing the reference server uses) is
#                    measured too, and the lookup's ratio to it printed, so the gain of
#                    dropping the Router is not taken for SCIM work made cheaper. $ROUNDS
#                    rounds, each measuring the trivial handlers right before the server;
#                    the medians of the per-round ratios are the figures.
#                    With BEFORE=<git revision>, the reference server of that revision is built
#                    (from `git archive`, in a temporary directory) and measured in the same
#                    run, side by side (or BEFORE_BIN=<path to a scim-harness binary> to
#                    compare with one built earlier).
#
# Usage: bench/load-vs-wrk.sh
# Environment: CONNECTIONS (32), THREADS (2), DURATION (10s), SEED_USERS (100000),
#              LOOKUPS (200000), SYNC_USERS (100000), BEFORE / BEFORE_BIN (unset), PORT (18090),
#              ROUNDS (3, of step 4), ONLY=server (only step 4, the reference server against
#              the trivial handler)
# Needs wrk (apt-get install wrk), curl and /usr/bin/time (Debian package: time).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
DURATION=${DURATION:-10s}
SEED_USERS=${SEED_USERS:-100000}
LOOKUPS=${LOOKUPS:-200000}
SYNC_USERS=${SYNC_USERS:-100000}
PORT=${PORT:-18090}
ROUNDS=${ROUNDS:-3}
TOKEN=bench-token-load
export BENCH_TOKEN=$TOKEN
AUTH="Authorization: Bearer $TOKEN"
WORK=$(mktemp -d)
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

for tool in wrk curl /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "load-vs-wrk.sh: needs $tool" >&2; exit 1; }
done

echo "== building (release)"
cargo build --release -q -p scim-harness
cargo build --release -q -p scim-reference-server --example trivial_axum
BIN=$ROOT/target/release/scim-harness
TRIVIAL=$ROOT/target/release/examples/trivial_axum
BEFORE_BIN=${BEFORE_BIN:-}
if [ -z "$BEFORE_BIN" ] && [ -n "${BEFORE:-}" ]; then
  echo "== building the reference server of $BEFORE (for the side-by-side comparison)"
  mkdir -p "$WORK/before"
  git archive "$BEFORE" | tar -x -C "$WORK/before"
  CARGO_TARGET_DIR=$ROOT/target/bench-before cargo build --release -q -p scim-harness \
    --manifest-path "$WORK/before/Cargo.toml"
  BEFORE_BIN=$ROOT/target/bench-before/release/scim-harness
fi

# start BIN PORT SEED → pid in $STARTED; waits until the server answers.
start_server() {
  # `exec` in a subshell: $! is then the server's own pid (read for its CPU time), also
  # when this function runs inside a command substitution.
  (exec "$1" serve --port "$2" --token "$TOKEN" --seed-users "$3" --base-path /scim/v2 \
    >"$WORK/server-$2.log" 2>&1) &
  STARTED=$!
  PIDS+=("$STARTED")
  for _ in $(seq 1 1200); do
    curl -fsS -o /dev/null "http://127.0.0.1:$2/scim/v2/ServiceProviderConfig" 2>/dev/null && return 0
    kill -0 "$STARTED" 2>/dev/null || { cat "$WORK/server-$2.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "server on port $2 did not start" >&2
  exit 1
}

stop() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# wrk_run OUTFILE wrk-args… ; then rps OUTFILE / p99 OUTFILE. With SERVED_BY=PID, also
# writes the server's CPU time per request (µs, from /proc/PID/stat) to OUTFILE.cpu: on a
# shared machine the rate moves with the neighbours' load, the CPU cost per request much less.
wrk_run() {
  local out=$1
  shift
  local t0=0
  [ -n "${SERVED_BY:-}" ] && t0=$(awk '{print $14 + $15}' "/proc/$SERVED_BY/stat")
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "$AUTH" "$@" >"$out"
  if [ -n "${SERVED_BY:-}" ]; then
    local t1 n
    t1=$(awk '{print $14 + $15}' "/proc/$SERVED_BY/stat")
    n=$(awk '/requests in/ {print $1}' "$out")
    awk -v a="$t0" -v b="$t1" -v n="$n" -v hz="$(getconf CLK_TCK)" \
      'BEGIN { printf "%.1f", (b - a) / hz * 1e6 / n }' >"$out.cpu"
  fi
}
cpu_of() { cat "$1.cpu" 2>/dev/null || echo "?"; }
rps() { awk '/Requests\/sec/ {print $2}' "$1"; }
p99() { awk '$1 == "99%" {print $2}' "$1"; }
non2xx() { awk '/Non-2xx/ {print $4}' "$1"; }
json_first() { grep -o "\"$2\": [0-9.]*" "$1" | head -1 | awk '{print $2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# time_load OUTDIR load-args… → sets LOAD_REQ LOAD_RPS LOAD_CPU_US LOAD_RSS_MIB
time_load() {
  local dir=$1
  shift
  /usr/bin/time -f 'TIME %e %U %S %M' -o "$dir.time" "$BIN" load --no-progress \
    --token-env BENCH_TOKEN --report-dir "$dir" "$@" >"$dir.out" 2>&1 || {
    echo "load run failed (exit $?):" >&2
    tail -20 "$dir.out" >&2
    exit 1
  }
  read -r _ _wall user sys rss <"$dir.time"
  # Every request the process sent: the sync's, plus verification and cleanup.
  LOAD_REQ=$(grep -o '"count": [0-9]*' "$dir/load.json" | awk '{s += $2} END {print s}')
  LOAD_RPS=$(json_first "$dir/load.json" rps)
  LOAD_CPU_US=$(awk -v u="$user" -v s="$sys" -v n="$LOAD_REQ" 'BEGIN { printf "%.1f", (u + s) * 1e6 / n }')
  LOAD_RSS_MIB=$((rss / 1024))
}

ONLY=${ONLY:-}
BASE="http://127.0.0.1:$PORT/scim/v2"
if [ "$ONLY" != server ]; then
echo "== 1+2. load mode vs wrk: filtered lookups, $CONNECTIONS connections, server seeded with $SEED_USERS users"
start_server "$BIN" "$PORT" "$SEED_USERS"
SERVER=$STARTED
LOOKUP_URL="$BASE/Users?filter=userName+eq+%22load-bench-u000001%40example.test%22"
wrk_run "$WORK/wrk-lookup.txt" "$LOOKUP_URL"
WRK_LOOKUP=$(rps "$WORK/wrk-lookup.txt")
time_load "$WORK/lookups" --idp entra --lookups-only --users "$LOOKUPS" \
  --concurrency "$CONNECTIONS" --target "$BASE"
LOOKUP_RPS=$LOAD_RPS
LOOKUP_CPU=$LOAD_CPU_US
LOOKUP_REQ=$LOAD_REQ
time_load "$WORK/lookups-exec" --idp entra --lookups-only --users "$LOOKUPS" \
  --concurrency "$CONNECTIONS" --target "$BASE" --transport exec
EXEC_RPS=$LOAD_RPS
EXEC_CPU=$LOAD_CPU_US
time_load "$WORK/lookups-reqwest" --idp entra --lookups-only --users "$LOOKUPS" \
  --concurrency "$CONNECTIONS" --target "$BASE" --transport reqwest
REQWEST_RPS=$LOAD_RPS
REQWEST_CPU=$LOAD_CPU_US
stop "$SERVER"

echo "== 2+3. full Entra sync of $SYNC_USERS users (1000 groups x 100 members) against an empty server"
start_server "$BIN" "$PORT" 0
SERVER=$STARTED
time_load "$WORK/sync" --idp entra --users "$SYNC_USERS" --groups 1000 --members-per-group 100 \
  --concurrency "$CONNECTIONS" --target "$BASE"
SYNC_RPS=$LOAD_RPS
SYNC_CPU=$LOAD_CPU_US
SYNC_REQ=$LOAD_REQ
SYNC_RSS=$LOAD_RSS_MIB
SYNC_VERDICT=$(grep -o '"verdict": "[a-z]*"' "$WORK/sync/load.json" | head -1)
SYNC_CREATE_P99=$(grep -A20 '"name": "user create"' "$WORK/sync/load.json" | grep -o '"p99_ms": [0-9.]*' | head -1 | awk '{print $2}')
stop "$SERVER"
fi

# trivial_rate OUTNAME [--router] → sets TRIVIAL_RPS, TRIVIAL_CPU
trivial_rate() {
  (exec "$TRIVIAL" $((PORT + 1)) "${@:2}" >"$WORK/$1.log" 2>&1) &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$((PORT + 1))/" 2>/dev/null && break
    sleep 0.1
  done
  SERVED_BY=$pid wrk_run "$WORK/$1.txt" "http://127.0.0.1:$((PORT + 1))/Users"
  TRIVIAL_RPS=$(rps "$WORK/$1.txt")
  TRIVIAL_CPU=$(cpu_of "$WORK/$1.txt")
  stop "$pid"
}

# median: the middle of the numbers on standard input (the mean of the two middle ones).
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# server_figures LABEL BIN → prints one line per round and the medians. Each round
# measures the trivial handler (behind a Router, the target's baseline, and bare, the
# plumbing the reference server uses) right before the server, so every ratio compares
# neighbours in time: on a shared machine the rates drift between minutes.
server_figures() {
  local label=$1 bin=$2 r
  start_server "$bin" "$PORT" "$SEED_USERS"
  local pid=$STARTED
  for r in $(seq 1 "$ROUNDS"); do
    trivial_rate "trivial-router-$label-$r" --router
    local router_rps=$TRIVIAL_RPS router_cpu=$TRIVIAL_CPU
    trivial_rate "trivial-bare-$label-$r"
    local bare_rps=$TRIVIAL_RPS
    SERVED_BY=$pid wrk_run "$WORK/$label-spc-$r.txt" "$BASE/ServiceProviderConfig"
    SERVED_BY=$pid wrk_run "$WORK/$label-filter-$r.txt" "$BASE/Users?filter=userName%20eq%20%22seed-user-054321%40example.test%22"
    local spc lookup
    spc=$(rps "$WORK/$label-spc-$r.txt")
    lookup=$(rps "$WORK/$label-filter-$r.txt")
    ratio "$lookup" "$router_rps" >>"$WORK/$label-lookup.ratios"
    echo >>"$WORK/$label-lookup.ratios"
    ratio "$lookup" "$bare_rps" >>"$WORK/$label-bare.ratios"
    echo >>"$WORK/$label-bare.ratios"
    ratio "$spc" "$router_rps" >>"$WORK/$label-spc.ratios"
    echo >>"$WORK/$label-spc.ratios"
    printf '  %-7s round %s: trivial %s req/s (%s µs CPU/req; bare %s req/s); /ServiceProviderConfig %s req/s (%s), %s µs CPU/req; filtered lookup %s req/s (%s; bare %s), %s µs CPU/req\n' \
      "$label" "$r" "$router_rps" "$router_cpu" "$bare_rps" \
      "$spc" "$(ratio "$spc" "$router_rps")" "$(cpu_of "$WORK/$label-spc-$r.txt")" \
      "$lookup" "$(ratio "$lookup" "$router_rps")" "$(ratio "$lookup" "$bare_rps")" \
      "$(cpu_of "$WORK/$label-filter-$r.txt")"
  done
  SERVED_BY=$pid wrk_run "$WORK/$label-create.txt" -s "$ROOT/bench/post.lua" "$BASE/Users"
  local rss
  rss=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$pid/status")
  stop "$pid"
  printf '  %-7s median of %s rounds: filtered lookup %s of the trivial Router handler (target >= 0.70), %s of the bare one; /ServiceProviderConfig %s\n' \
    "$label" "$ROUNDS" "$(median <"$WORK/$label-lookup.ratios")" \
    "$(median <"$WORK/$label-bare.ratios")" "$(median <"$WORK/$label-spc.ratios")"
  printf '  %-7s create %s req/s, p99 %s (target < 20ms), %s µs CPU/req, non-2xx %s; peak RSS %s MiB\n' \
    "$label" "$(rps "$WORK/$label-create.txt")" "$(p99 "$WORK/$label-create.txt")" \
    "$(cpu_of "$WORK/$label-create.txt")" "$(non2xx "$WORK/$label-create.txt")" "$rss"
}

echo "== 4. reference server ($SEED_USERS users) vs trivial axum handlers, $ROUNDS rounds"
SERVER_LINES=$(server_figures after "$BIN")
BEFORE_LINES=""
if [ -n "$BEFORE_BIN" ]; then
  BEFORE_LINES=$(server_figures before "$BEFORE_BIN")
fi

echo
if [ "$ONLY" != server ]; then
echo "load mode vs wrk (filtered lookups, $CONNECTIONS connections, $THREADS wrk threads)"
printf '  wrk          %9s req/s\n' "$WRK_LOOKUP"
printf '  load         %9s req/s   ratio %s (target >= 0.70)   CPU %s µs/request over %s requests\n' \
  "$LOOKUP_RPS" "$(ratio "$LOOKUP_RPS" "$WRK_LOOKUP")" "$LOOKUP_CPU" "$LOOKUP_REQ"
printf '  load (reqwest) %7s req/s   ratio %s                   CPU %s µs/request (reqwest pool instead of own connections)\n' \
  "$REQWEST_RPS" "$(ratio "$REQWEST_RPS" "$WRK_LOOKUP")" "$REQWEST_CPU"
printf '  load (exec)  %9s req/s   ratio %s                   CPU %s µs/request (recording transport)\n' \
  "$EXEC_RPS" "$(ratio "$EXEC_RPS" "$WRK_LOOKUP")" "$EXEC_CPU"
echo "full sync, --users $SYNC_USERS (entra)"
printf '  %s req/s, %s requests, CPU %s µs/request (target <= 50), peak RSS %s MiB (target < 150), create p99 %s ms, %s\n' \
  "$SYNC_RPS" "$SYNC_REQ" "$SYNC_CPU" "$SYNC_RSS" "$SYNC_CREATE_P99" "$SYNC_VERDICT"
fi
echo "reference server ($SEED_USERS users) vs a trivial axum handler (ratios: to the handler behind a Router, the target's baseline)"
[ -n "$BEFORE_LINES" ] && echo "$BEFORE_LINES"
echo "$SERVER_LINES"
