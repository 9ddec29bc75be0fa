#!/usr/bin/env bash
# Shared benchmark plumbing: build the app and the reference app (perfref),
# start both, log in, and run interleaved wrk rounds so that the app's figures
# can be reported as ratios to perfref measured in the same run.
# Source it from a bench script:  . "$(dirname "$0")/lib.sh"
set -euo pipefail

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PERFREF_DIR=${PERFREF_DIR:-$(cd "$BENCH_ROOT/.." && pwd)/shared/perfref}
# A git worktree one level further down (/work/wt/NAME) finds it one more up.
[ -d "$PERFREF_DIR" ] || PERFREF_DIR=$(cd "$BENCH_ROOT/../.." && pwd)/shared/perfref
PERFREF_TARGET=${PERFREF_TARGET:-/tmp/perfref-target}
PERFREF_BIN="$PERFREF_TARGET/release/perfref"
APP_BIN=${APP_BIN:-$BENCH_ROOT/target/release/clinic-stock}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNS=${WRK_CONNS:-32}
WRK_DUR=${WRK_DUR:-10s}
BENCH_PASSWORD=${BENCH_PASSWORD:-bench-password-1}
BENCH_PIDS=()

bench_log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }

# wrk (and /usr/bin/time for CPU accounting) from Debian when missing.
bench_tools() {
  if ! command -v wrk >/dev/null || [ ! -x /usr/bin/time ]; then
    bench_log "installing wrk and time"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk time >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk time >/dev/null; }
  fi
}

# Release build of the app; pass "postgres" to include the PostgreSQL backend.
# BENCH_SKIP_BUILD=1 with APP_BIN=path uses an existing binary.
bench_build_app() {
  if [ -n "${BENCH_SKIP_BUILD:-}" ]; then bench_log "using $APP_BIN as built"; return 0; fi
  local feats=()
  [ "${1:-}" = postgres ] && feats=(--features postgres)
  bench_log "building clinic-stock (release ${feats[*]:-sqlite})"
  (cd "$BENCH_ROOT" && cargo build --release --quiet "${feats[@]}")
}

bench_build_perfref() {
  if [ ! -x "$PERFREF_BIN" ]; then
    bench_log "building perfref from $PERFREF_DIR"
    # From perfref's own folder, so that our .cargo/config.toml (SQLite
    # flags) does not apply to the reference.
    (cd "$PERFREF_DIR" && CARGO_TARGET_DIR="$PERFREF_TARGET" cargo build --release --quiet)
  fi
}

# Waits until URL answers (max 120 s).
bench_wait_url() {
  local url=$1
  for _ in $(seq 1 240); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.5
  done
  bench_log "timed out waiting for $url"; return 1
}

# Starts perfref on PORT with its database at DBPATH (seeded on first start);
# its pid is left in BENCH_LAST_PID (call directly, not in a subshell).
bench_start_perfref() {
  local port=$1 db=$2
  # PERFREF_ENV: more settings, e.g. "WRITE_MODE=single".
  env ${PERFREF_ENV:-} DB_PATH="$db" BIND="127.0.0.1:$port" SYNC="${PERFREF_SYNC:-FULL}" "$PERFREF_BIN" >"$db.log" 2>&1 &
  BENCH_LAST_PID=$!
  BENCH_PIDS+=("$BENCH_LAST_PID")
  bench_wait_url "http://127.0.0.1:$port/fortunes"
}

# Starts the app on PORT against DBURL; pid in BENCH_LAST_PID.
bench_start_app() {
  local url=$1 port=$2
  CLINIC_STOCK_DATABASE_URL="$url" CLINIC_STOCK_BIND="127.0.0.1:$port" RUST_LOG=warn \
    "$APP_BIN" serve >"/tmp/clinic-stock-bench-$port.log" 2>&1 &
  BENCH_LAST_PID=$!
  BENCH_PIDS+=("$BENCH_LAST_PID")
  bench_wait_url "http://127.0.0.1:$port/health"
}

bench_stop_all() {
  for p in "${BENCH_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}

# Creates a user (ignores "exists") with BENCH_PASSWORD.
bench_user() {
  local url=$1 name=$2 role=$3
  CLINIC_STOCK_PASSWORD="$BENCH_PASSWORD" "$APP_BIN" --database-url "$url" user add "$name" --role "$role" >/dev/null 2>&1 || true
}

bench_token() {
  local url=$1 name=$2
  "$APP_BIN" --database-url "$url" token create "$name"
}

# Logs in through the form; prints the Cookie header value for wrk.
bench_cookie() {
  local base=$1 name=$2 jar
  jar=$(mktemp)
  local csrf
  csrf=$(curl -fsS -c "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)
  curl -fsS -o /dev/null -b "$jar" -c "$jar" \
    --data-urlencode "csrf=$csrf" --data-urlencode "username=$name" --data-urlencode "password=$BENCH_PASSWORD" \
    "$base/login"
  awk '$6=="cs_session"{print "cs_session=" $7}' "$jar"
  rm -f "$jar"
}

# bench_run OUTDIR ROUNDS SPEC...   SPEC = "name|url|extra wrk args (may be empty)"
# Every round runs every spec once after a 3 s warm-up each, interleaved, so
# machine noise hits all alike; perfref's summarize.py prints medians and
# ratios to the spec named "fortunes".
bench_run() {
  local out=$1 rounds=$2; shift 2
  local specs=("$@") s name url extra
  mkdir -p "$out"
  { echo "# $(date -Is) wrk -t$WRK_THREADS -c$WRK_CONNS -d$WRK_DUR rounds=$rounds"; printf '%s\n' "${specs[@]}" | cut -d'|' -f1,2; } >>"$out/noise.log"
  for s in "${specs[@]}"; do
    IFS='|' read -r name url extra <<<"$s"
    eval "wrk -t$WRK_THREADS -c$WRK_CONNS -d3s $extra '$url'" >/dev/null
  done
  for r in $(seq 1 "$rounds"); do
    for s in "${specs[@]}"; do
      IFS='|' read -r name url extra <<<"$s"
      bench_log "round $r $name"
      echo "$(date +%T) r$r $name loadavg=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/noise.log"
      eval "wrk -t$WRK_THREADS -c$WRK_CONNS -d$WRK_DUR --latency $extra '$url'" >"$out/$name.r$r.txt"
    done
  done
  python3 "$PERFREF_DIR/bench/summarize.py" "$out"
}

# bench_seed_sessions URL BASE NAME OUT: a manager and a practitioner,
# BENCH_PRODUCTS (20) serums with 1,000,000 ml each received through the API
# (APP_BIN's command line creates the users); writes OUT/NAME.lua for
# bench/session.lua with the practitioner's token and the product ids.
bench_seed_sessions() {
  local url=$1 base=$2 name=$3 out=$4 mtoken ptoken ids=() i id
  bench_user "$url" bench-manager manager
  bench_user "$url" bench-nurse practitioner
  mtoken=$(bench_token "$url" bench-manager)
  ptoken=$(bench_token "$url" bench-nurse)
  for i in $(seq 1 "${BENCH_PRODUCTS:-20}"); do
    id=$(curl -fsS -H "Authorization: Bearer $mtoken" -H 'Content-Type: application/json' \
      -d "{\"sku\":\"BENCH-$i\",\"name\":\"Bench serum $i\",\"category\":\"serum\",\"unit\":\"ml\",\"pack_size\":5}" \
      "$base/api/v1/products" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    curl -fsS -o /dev/null -H "Authorization: Bearer $mtoken" -H 'Content-Type: application/json' \
      -d "{\"site\":\"main\",\"location\":\"store\",\"product_id\":$id,\"lot\":\"B$i\",\"expiry\":\"$(date -d '+2 years' +%F)\",\"quantity\":1000000}" \
      "$base/api/v1/receipts"
    ids+=("$id")
  done
  local list
  list=$(IFS=,; echo "${ids[*]}")
  printf 'token = "%s"\nproducts = {%s}\ndofile("%s/bench/session.lua")\n' "$ptoken" "$list" "$BENCH_ROOT" >"$out/$name.lua"
}
