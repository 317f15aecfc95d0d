#!/usr/bin/env bash
# Load benchmark of the embedded reference SCIM server (not a test; run it by hand).
#
# What it does:
#   1. cargo build --release, then starts the server standalone on 127.0.0.1:$PORT with
#      $SEED_USERS seeded users under /scim/v2. It prefers
#      `./target/release/scim-harness serve` when its --help lists --seed-users, else the
#      reference server's own example binary (`--example serve`).
#   2. Measures with wrk over loopback ($THREADS threads, $CONNECTIONS connections,
#      $DURATION each):
#        filter  GET /Users?filter=userName eq "seed-user-054321@example.test"
#        create  POST /Users with unique userNames            (bench/post.lua)
#        patch   PATCH replace title on 100 seeded users      (bench/patch.lua)
#      printing requests/s and latency p50/p99 for each.
#   3. Prints the server's start-up (seeding) time and peak RSS (VmHWM from
#      /proc/PID/status) with the seeded users, and again at the end (the create run adds
#      users), then stops it.
#
# Targets (2 cores, 100 000 users): >= 20 000 filtered lookups/s, peak RSS < 400 MiB.
#
# Usage: bench/load.sh            (environment overrides: PORT TOKEN SEED_USERS DURATION
#                                  THREADS CONNECTIONS)
# Needs wrk and curl; as root the script installs wrk with apt-get when it is missing.
set -euo pipefail

cd "$(dirname "$0")/.."
PORT=${PORT:-18080}
TOKEN=${TOKEN:-bench}
SEED_USERS=${SEED_USERS:-100000}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
BASE="http://127.0.0.1:${PORT}/scim/v2"
AUTH="Authorization: Bearer ${TOKEN}"
WORK=$(mktemp -d)
SERVER_PID=""

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
  else
    echo "load.sh: wrk is not installed (apt-get install wrk)" >&2
    exit 1
  fi
fi
command -v curl >/dev/null || { echo "load.sh: curl is required" >&2; exit 1; }

echo "== building (release)"
if ! cargo build --release --quiet; then
  echo "warning: the workspace release build failed; falling back to the example server" >&2
fi
if ./target/release/scim-harness serve --help 2>/dev/null | grep -q -- '--seed-users'; then
  SERVER=(./target/release/scim-harness serve --port "$PORT" --token "$TOKEN"
          --seed-users "$SEED_USERS" --base-path /scim/v2)
else
  cargo build --release --quiet -p scim-reference-server --example serve
  SERVER=(./target/release/examples/serve --port "$PORT" --token "$TOKEN"
          --seed-users "$SEED_USERS" --base-path /scim/v2)
fi

echo "== starting: ${SERVER[*]}"
start_ns=$(date +%s%N)
"${SERVER[@]}" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do
  if curl -fsS -o /dev/null "$BASE/ServiceProviderConfig" 2>/dev/null; then break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.1
done
ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
rss_after_seed=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
echo "ready after ${ready_ms} ms with ${SEED_USERS} users; RSS $((rss_after_seed / 1024)) MiB"

# 100 seeded user ids for the PATCH run.
curl -fsS -H "$AUTH" "$BASE/Users?filter=userName%20sw%20%22seed-user-0000%22&count=100&attributes=id" \
  | grep -o '"id":"[^"]*"' | cut -d'"' -f4 >"$WORK/ids"
[ -s "$WORK/ids" ] || { echo "load.sh: found no seeded users to patch" >&2; exit 1; }

summary() { # name, wrk output file
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' "$2")
  p50=$(awk '$1 == "50%" {print $2}' "$2")
  p99=$(awk '$1 == "99%" {print $2}' "$2")
  errors=$(grep -E 'Non-2xx|Socket errors' "$2" | tr '\n' ' ' || true)
  printf '%-8s %10s req/s   p50 %-9s p99 %-9s %s\n' "$1" "$rps" "$p50" "$p99" "$errors"
}

WRK=(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "$AUTH")
echo "== wrk ${THREADS} threads, ${CONNECTIONS} connections, ${DURATION} per run"
"${WRK[@]}" "$BASE/Users?filter=userName%20eq%20%22seed-user-054321%40example.test%22" >"$WORK/filter.txt"
# Read before the create run adds users: the peak while the store holds the seeded users.
peak_seeded=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
"${WRK[@]}" -s bench/post.lua "$BASE/Users" >"$WORK/create.txt"
"${WRK[@]}" -s bench/patch.lua "$BASE/Users" -- "$WORK/ids" >"$WORK/patch.txt"

echo
summary filter "$WORK/filter.txt"
summary create "$WORK/create.txt"
summary patch "$WORK/patch.txt"
peak=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
users=$(curl -fsS -H "$AUTH" "$BASE/Users?count=0" | grep -o '"totalResults":[0-9]*' | cut -d: -f2)
echo "peak RSS (VmHWM) with ${SEED_USERS} users: $((peak_seeded / 1024)) MiB"
echo "peak RSS (VmHWM) at the end, ${users} users after the create run: $((peak / 1024)) MiB"
