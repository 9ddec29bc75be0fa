#!/usr/bin/env bash
# Every workload of issue 16 in one interleaved run next to perfref
# (../shared/perfref), on SQLite and, with BENCH_PG=1, on PostgreSQL too:
#
#   dashboard   app `/` (manager)                 vs perfref /dashboard (and /dashboard_cached)
#   stock api   app GET /api/v1/stock?limit=25    vs perfref /dashboard
#   session     app POST /api/v1/sessions, 1 line vs perfref POST /consume (SYNC=FULL,
#               WRITE_MODE=single)
#   and the dashboard and session against the Django 5.2 stand-in on
#   perfref's schema (bench/django: gunicorn, 2 × cores + 1 sync workers,
#   SQLite FULL), unless BENCH_NO_DJANGO=1
#
# It builds both apps (release), loads `clinic-stock demo --large` (500
# products, 5,000 lots, 1M ledger rows) into a fresh database per backend,
# adds 20 well-stocked products for the session workload, runs wrk
# (-t2 -c32, ROUNDS rounds of WRK_DUR, every workload once per round),
# prints the table (median req/s, p50/p99, ratio to perfref: of the medians
# and the median of the per-round ratios; the app's peak RSS) and runs
# `clinic-stock check` on every database afterwards.
#
# Usage: bench/all.sh [OUTDIR]
#   ROUNDS=3 WRK_DUR=8s LEDGER_ROWS=1000000 BENCH_PG=1 (PostgreSQL as well)
#   PG_URL=postgres://postgres@127.0.0.1:5432 BENCH_SKIP_BUILD=1 APP_BIN=path
#   PERFREF_TARGET=dir (perfref's cargo target dir)
export BENCH_PASSWORD=${BENCH_PASSWORD:-demo-password}
export WRK_DUR=${WRK_DUR:-8s}
if [ -z "${APP_BIN:-}" ] && [ -n "${CARGO_TARGET_DIR:-}" ]; then
  export APP_BIN=$CARGO_TARGET_DIR/release/clinic-stock
fi
. "$(dirname "$0")/lib.sh"
OUT=${1:-$BENCH_ROOT/bench-results/all-$(date +%Y%m%d-%H%M%S)}
LEDGER_ROWS=${LEDGER_ROWS:-1000000}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PGDB="cs_bench_all_$$"
mkdir -p "$OUT"
bench_tools
bench_build_app postgres
bench_build_perfref
tmp=$(mktemp -d)
cleanup() {
  bench_stop_all
  [ -n "${BENCH_PG:-}" ] && psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
uptime | tee "$OUT/load.txt"

# load URL NAME: the large demo, checked, with its wall time.
load() {
  local url=$1 name=$2 start end
  bench_log "$name: demo --large ($LEDGER_ROWS ledger rows)"
  start=$(date +%s%N)
  "$APP_BIN" --database-url "$url" demo --large --ledger-rows "$LEDGER_ROWS" >"$OUT/demo-$name.txt"
  end=$(date +%s%N)
  echo "demo --large wall time: $(( (end - start) / 1000000 )) ms" >>"$OUT/demo-$name.txt"
  "$APP_BIN" --database-url "$url" check >>"$OUT/demo-$name.txt"
  # The load's aftermath (PostgreSQL's checkpoint of a million new rows,
  # autovacuum's first pass) is done before the rounds, not inside them.
  if [ "$name" = pg ]; then
    psql "$url" -qc 'VACUUM ANALYZE' -c 'CHECKPOINT' >/dev/null
  fi
  sync
}

# seed URL BASE NAME: a practitioner token and 20 products of 1,000,000
# units each (received through the API); writes $OUT/NAME.lua for wrk.
seed() {
  local url=$1 base=$2 name=$3 mtoken ptoken ids=() i id
  bench_user "$url" bench-nurse practitioner
  mtoken=$(bench_token "$url" manager)
  ptoken=$(bench_token "$url" bench-nurse)
  for i in $(seq 1 20); do
    id=$(curl -fsS -H "Authorization: Bearer $mtoken" -H 'Content-Type: application/json' \
      -d "{\"sku\":\"BENCH-$i\",\"name\":\"Bench serum $i\",\"category\":\"serum\",\"unit\":\"ml\",\"pack_size\":5}" \
      "$base/api/v1/products" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    curl -fsS -o /dev/null -H "Authorization: Bearer $mtoken" -H 'Content-Type: application/json' \
      -d "{\"site\":\"main\",\"location\":\"store\",\"product_id\":$id,\"lot\":\"B$i\",\"expiry\":\"$(date -d '+2 years' +%F)\",\"quantity\":1000000}" \
      "$base/api/v1/receipts"
    ids+=("$id")
  done
  printf 'token = "%s"\nproducts = {%s}\ndofile("%s/bench/session.lua")\n' \
    "$ptoken" "$(IFS=,; echo "${ids[*]}")" "$BENCH_ROOT" >"$OUT/$name.lua"
  echo "$mtoken" >"$OUT/$name.token"
}

# app_specs URL PORT NAME: starts the app, logs in, seeds; appends its wrk specs.
specs=()
app_pids=()
app_specs() {
  local url=$1 port=$2 name=$3 base cookie
  bench_start_app "$url" "$port"
  app_pids+=("$name=$BENCH_LAST_PID")
  base=http://127.0.0.1:$port
  cookie=$(bench_cookie "$base" manager)
  [ -n "$cookie" ] || { bench_log "$name: could not log in"; exit 1; }
  seed "$url" "$base" "$name"
  curl -fsS -o /dev/null -H "Cookie: $cookie" "$base/"
  curl -fsS -o /dev/null -H "Authorization: Bearer $(cat "$OUT/$name.token")" "$base/api/v1/stock?limit=25"
  specs+=(
    "${name}_dashboard|$base/|-H 'Cookie: $cookie'"
    "${name}_stock_api|$base/api/v1/stock?limit=25|-H 'Authorization: Bearer $(cat "$OUT/$name.token")'"
    "${name}_session|$base/api/v1/sessions|-s $OUT/$name.lua"
  )
}

load "sqlite://$tmp/app.db" sqlite
if [ -n "${BENCH_PG:-}" ]; then
  psql "$PG_URL/postgres" -qc "CREATE DATABASE $PGDB" >/dev/null
  load "$PG_URL/$PGDB" pg
fi
PERFREF_ENV="WRITE_MODE=single" bench_start_perfref 18080 "$tmp/perfref.db"
specs+=(
  "ref_dashboard|http://127.0.0.1:18080/dashboard|"
  "ref_dashboard_cached|http://127.0.0.1:18080/dashboard_cached|"
  "ref_consume|http://127.0.0.1:18080/consume|-s $PERFREF_DIR/bench/consume.lua"
)
# The Django 5.2 stand-in (bench/django) on its own copy of perfref's seeded
# schema: perfref seeds the file once, then gunicorn serves it. BENCH_NO_DJANGO=1
# leaves it out.
if [ -z "${BENCH_NO_DJANGO:-}" ]; then
  bench_start_perfref 18081 "$tmp/django.db"
  kill "$BENCH_LAST_PID"
  wait "$BENCH_LAST_PID" 2>/dev/null || true
  BENCH_PIDS+=("$(bash "$BENCH_ROOT/bench/django/run.sh" 18090 "$tmp/django.db")")
  bench_wait_url "http://127.0.0.1:18090/dashboard"
  specs+=(
    "dj_dashboard|http://127.0.0.1:18090/dashboard|"
    "dj_consume|http://127.0.0.1:18090/consume|-s $PERFREF_DIR/bench/consume.lua"
  )
fi
app_specs "sqlite://$tmp/app.db" 19000 sqlite
[ -n "${BENCH_PG:-}" ] && app_specs "$PG_URL/$PGDB" 19001 pg
bench_run "$OUT" "${ROUNDS:-3}" "${specs[@]}" >"$OUT/summarize.txt"
for p in "${app_pids[@]}"; do
  echo "${p%%=*} $(grep VmHWM "/proc/${p#*=}/status" | awk '{print $2}')" >>"$OUT/rss.txt"
done
uptime | tee -a "$OUT/load.txt"
bench_stop_all
BENCH_PIDS=()
"$APP_BIN" --database-url "sqlite://$tmp/app.db" check | tee "$OUT/check.txt"
[ -n "${BENCH_PG:-}" ] && "$APP_BIN" --database-url "$PG_URL/$PGDB" check | tee -a "$OUT/check.txt"
python3 "$BENCH_ROOT/bench/all_table.py" "$OUT" | tee "$OUT/table.md"
