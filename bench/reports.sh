#!/usr/bin/env bash
# Reorder and usage reports at two history sizes, side by side with perfref.
#
#   bench/reports.sh [OUTDIR]
#
# For each size in SIZES (default "200000 2000000" ledger rows) it loads
# `clinic-stock demo --large --ledger-rows N` into a fresh database, starts
# the app and perfref, then
#   1. times single requests with curl (LATENCY_N each, median and max wall
#      time, and the server's CPU time per request):
#      the reorder report and the usage report, HTML page and JSON API;
#   2. runs interleaved wrk rounds (ROUNDS, default 3) of perfref /fortunes and
#      /reorder and the four app endpoints, and prints req/s ratios to
#      /fortunes (perfref's bench/summarize.py); then again at the
#      concurrency of a few managers (LOW_CONNS, default 2, wrk -t2 -c2);
#   3. saves the query plans the reports use (EXPLAIN QUERY PLAN on SQLite,
#      EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL) into OUTDIR/plans-N.txt.
# BACKEND=postgres runs the app on PostgreSQL (PG_ADMIN_URL, default
# postgres://postgres@127.0.0.1:5432; a database per size is created and
# dropped). Environment as in bench/lib.sh (WRK_*, BENCH_SKIP_BUILD, APP_BIN).
. "$(dirname "$0")/lib.sh"
OUT=${1:-$BENCH_ROOT/bench-results/reports-$(date +%Y%m%d-%H%M%S)}
SIZES=${SIZES:-"200000 2000000"}
ROUNDS=${ROUNDS:-3}
LATENCY_N=${LATENCY_N:-15}
BACKEND=${BACKEND:-sqlite}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432}
APP_PORT=${APP_PORT:-19100}
REF_PORT=${REF_PORT:-18100}
mkdir -p "$OUT"
bench_tools
if [ "$BACKEND" = postgres ]; then bench_build_app postgres; else bench_build_app; fi
bench_build_perfref
trap bench_stop_all EXIT
tmp=$(mktemp -d)
bench_start_perfref "$REF_PORT" "$tmp/perfref.db"
ref_pid=$BENCH_LAST_PID
REF=http://127.0.0.1:$REF_PORT
APP=http://127.0.0.1:$APP_PORT

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# LATENCY_N sequential requests: median and max wall time, and the server's
# CPU time per request (from /proc/PID/stat, immune to other load on the
# machine): latency NAME PID URL HEADER
latency() {
  local name=$1 pid=$2 url=$3 header=$4 before after hz
  hz=$(getconf CLK_TCK)
  curl -fsS -o /dev/null -H "$header" "$url"   # warm-up (and fail loudly on an error status)
  before=$(cpu_ticks "$pid")
  for _ in $(seq 1 "$LATENCY_N"); do
    curl -fsS -o /dev/null -w '%{time_total}\n' -H "$header" "$url"
  done | sort -n | awk -v n="$name" '{a[NR]=$1*1000} END {printf "%-20s median %7.1f ms  max %7.1f ms", n, a[int((NR+1)/2)], a[NR]}'
  after=$(cpu_ticks "$pid")
  awk -v t=$((after - before)) -v hz="$hz" -v n="$LATENCY_N" 'BEGIN {printf "  server CPU %6.1f ms/request  (%d requests)\n", t * 1000 / hz / n, n}'
}

plans_sqlite() {
  local db=$1 from today
  today=$(date -u +%F); from=$(date -u -d '90 days ago' +%F)
  sqlite3 "$db" <<SQL
.print '-- reorder and usage: consume/void rows streamed from the window (db::usage::stream_consumption; usage runs it once per week)'
EXPLAIN QUERY PLAN SELECT product_id, delta FROM ledger INDEXED BY ledger_site_kind_time WHERE site_id = 1 AND kind IN ('consume', 'void') AND occurred_at >= '$from 00:00:00' AND occurred_at < '$today 00:00:00';
.print '-- without INDEXED BY, the planner would choose:'
EXPLAIN QUERY PLAN SELECT product_id, delta FROM ledger WHERE site_id = 1 AND kind IN ('consume', 'void') AND occurred_at >= '$from 00:00:00' AND occurred_at < '$today 00:00:00';
.print '-- and a GROUP BY in SQL would add a temporary b-tree over every window row:'
EXPLAIN QUERY PLAN SELECT product_id, SUM(delta) FROM ledger INDEXED BY ledger_site_kind_time WHERE site_id = 1 AND kind IN ('consume', 'void') AND occurred_at >= '$from 00:00:00' AND occurred_at < '$today 00:00:00' GROUP BY product_id;
.print '-- reorder: usable lots (db::reports::usable_lots)'
EXPLAIN QUERY PLAN SELECT balances.product_id, lots.use_by, balances.quantity FROM balances INNER JOIN lots ON lots.id = balances.lot_id WHERE balances.site_id = 1 AND balances.quantity > 0 AND lots.quarantined = 0 AND lots.use_by >= '$today';
.print '-- reorder: open order lines (db::reports::open_order_lines)'
EXPLAIN QUERY PLAN SELECT l.product_id, o.status, l.packs, l.pack_size, l.received_quantity FROM purchase_order_lines l INNER JOIN purchase_orders o ON o.id = l.purchase_order_id WHERE o.site_id = 1 AND o.status IN ('draft', 'sent', 'partial');
.print '-- usage: sessions of a day (db::usage::stream_sessions)'
EXPLAIN QUERY PLAN SELECT s.id, s.protocol_id, s.indication, s.practitioner_id, s.needle_length FROM treatment_sessions s INDEXED BY treatment_sessions_report WHERE s.site_id = 1 AND s.performed_at >= '$from 00:00:00' AND s.performed_at < '$today 00:00:00' AND s.voided_at IS NULL;
.print '-- usage: the lines of those sessions (db::usage::stream_session_lines)'
EXPLAIN QUERY PLAN SELECT l.session_id, l.product_id, l.quantity FROM treatment_sessions s INDEXED BY treatment_sessions_report JOIN session_lines l INDEXED BY session_lines_report ON l.session_id = s.id WHERE s.site_id = 1 AND s.performed_at >= '$from 00:00:00' AND s.performed_at < '$today 00:00:00' AND s.voided_at IS NULL;
.print '-- usage: waste (db::reports::waste_by_day)'
EXPLAIN QUERY PLAN SELECT CAST(CAST(julianday(occurred_at) - julianday('$from') AS INTEGER) AS INTEGER) AS day, product_id, reason, SUM(delta) FROM ledger WHERE site_id = 1 AND kind = 'adjust' AND occurred_at >= '$from 00:00:00' AND occurred_at < '$today 00:00:00' AND reason IN ('expired', 'damaged', 'waste') GROUP BY 1, product_id, reason;
.print '-- consume/void rows in the 90-day window, in a 9-day window, in the whole ledger; sessions in the 90 days'
SELECT count(*) FROM ledger INDEXED BY ledger_site_kind_time WHERE site_id = 1 AND kind IN ('consume', 'void') AND occurred_at >= '$from 00:00:00' AND occurred_at < '$today 00:00:00';
SELECT count(*) FROM ledger INDEXED BY ledger_site_kind_time WHERE site_id = 1 AND kind IN ('consume', 'void') AND occurred_at >= '$(date -u -d '9 days ago' +%F) 00:00:00' AND occurred_at < '$today 00:00:00';
SELECT count(*) FROM ledger;
SELECT count(*) FROM treatment_sessions WHERE site_id = 1 AND performed_at >= '$from 00:00:00';
SQL
}

plans_pg() {
  local url=$1 from today
  today=$(date -u +%F); from=$(date -u -d '90 days ago' +%F)
  psql -q "$url" <<SQL
VACUUM ANALYZE;
\echo '-- reorder: consumption in the window (db::usage::consumption_by_bucket, one bucket)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT CAST(0 AS INTEGER), product_id, CAST(SUM(delta) AS BIGINT) FROM ledger WHERE site_id = 1 AND kind IN ('consume', 'void') AND occurred_at >= '$from' AND occurred_at < '$today' GROUP BY 1, 2;
\echo '-- usage: consumption per week and product (db::usage::consumption_by_bucket)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT CAST((CAST(occurred_at AS DATE) - DATE '$from') / 7 AS INTEGER), product_id, CAST(SUM(delta) AS BIGINT) FROM ledger WHERE site_id = 1 AND kind IN ('consume', 'void') AND occurred_at >= '$from' AND occurred_at < '$today' GROUP BY 1, 2;
\echo '-- usage: sessions per day and group (db::usage::session_sums)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT CAST((CAST(performed_at AS DATE) - DATE '$from') AS INTEGER), protocol_id, indication, practitioner_id, needle_length, COUNT(*) FROM treatment_sessions WHERE site_id = 1 AND performed_at >= '$from' AND performed_at < '$today' AND voided_at IS NULL GROUP BY 1, 2, 3, 4, 5;
\echo '-- usage: what their lines used (db::usage::session_sums, LATERAL by session)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT s.protocol_id, s.indication, s.practitioner_id, l.product_id, CAST(SUM(l.quantity) AS BIGINT) FROM treatment_sessions s CROSS JOIN LATERAL (SELECT sl.product_id, sl.quantity FROM session_lines sl WHERE sl.session_id = s.id OFFSET 0) l WHERE s.site_id = 1 AND s.performed_at >= '$from' AND s.performed_at < '$today' AND s.voided_at IS NULL GROUP BY 1, 2, 3, 4;
\echo '-- reorder: usable lots'
EXPLAIN (ANALYZE, COSTS OFF) SELECT balances.product_id, lots.use_by, balances.quantity FROM balances INNER JOIN lots ON lots.id = balances.lot_id WHERE balances.site_id = 1 AND balances.quantity > 0 AND NOT lots.quarantined AND lots.use_by >= '$today';
SELECT count(*) AS ledger_rows FROM ledger;
SQL
}

for n in $SIZES; do
  bench_log "=== $n ledger rows ($BACKEND) ==="
  if [ "$BACKEND" = postgres ]; then
    dbname="cs_bench_reports_$n"
    psql -q "$PG_ADMIN_URL/postgres" -c "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" -c "CREATE DATABASE $dbname"
    url="$PG_ADMIN_URL/$dbname"
  else
    url="sqlite://$tmp/app-$n.db"
  fi
  start=$(date +%s)
  "$APP_BIN" --database-url "$url" demo --large --ledger-rows "$n" | tee "$OUT/demo-$n.txt"
  bench_log "demo loaded in $(( $(date +%s) - start )) s"
  bench_user "$url" benchmgr manager
  token=$(bench_token "$url" benchmgr)
  if [ "$BACKEND" = postgres ]; then plans_pg "$url" >"$OUT/plans-$n.txt" 2>&1; else plans_sqlite "${url#sqlite://}" >"$OUT/plans-$n.txt" 2>&1; fi
  bench_start_app "$url" "$APP_PORT"
  app_pid=$BENCH_LAST_PID
  cookie=$(bench_cookie "$APP" benchmgr)
  {
    echo "# $n ledger rows, $BACKEND, $(date -Is), sequential requests (after one warm-up)"
    latency ref_fortunes "$ref_pid" "$REF/fortunes" "X-Bench: 1"
    latency ref_reorder "$ref_pid" "$REF/reorder" "X-Bench: 1"
    latency app_reorder_html "$app_pid" "$APP/reports/reorder" "Cookie: $cookie"
    latency app_reorder_api "$app_pid" "$APP/api/v1/reports/reorder" "Authorization: Bearer $token"
    latency app_reorder_csv "$app_pid" "$APP/reports/reorder.csv" "Cookie: $cookie"
    latency app_usage_html "$app_pid" "$APP/reports/usage" "Cookie: $cookie"
    latency app_usage_api "$app_pid" "$APP/api/v1/reports/usage" "Authorization: Bearer $token"
    # Short windows: at 2,000,000 rows a 9-day window holds about as many rows
    # as a 90-day window at 200,000: equal figures mean the cost follows the
    # rows in the window, not the history around it.
    latency app_reorder_api_w9 "$app_pid" "$APP/api/v1/reports/reorder?window=9" "Authorization: Bearer $token"
    latency app_usage_api_9d "$app_pid" "$APP/api/v1/reports/usage?from=$(date -u -d '8 days ago' +%F)" "Authorization: Bearer $token"
  } | tee "$OUT/latency-$n.txt"
  bench_run "$OUT/wrk-$n" "$ROUNDS" \
    "fortunes|$REF/fortunes|" \
    "ref_reorder|$REF/reorder|" \
    "app_reorder_html|$APP/reports/reorder|-H 'Cookie: $cookie'" \
    "app_reorder_api|$APP/api/v1/reports/reorder|-H 'Authorization: Bearer $token'" \
    "app_usage_html|$APP/reports/usage|-H 'Cookie: $cookie'" \
    "app_usage_api|$APP/api/v1/reports/usage|-H 'Authorization: Bearer $token'" \
    | tee "$OUT/summary-$n.txt"
  # The same at the concurrency of a few managers (reports are not hammered).
  WRK_CONNS=${LOW_CONNS:-2} bench_run "$OUT/wrk-$n-c${LOW_CONNS:-2}" "$ROUNDS" \
    "fortunes|$REF/fortunes|" \
    "ref_reorder|$REF/reorder|" \
    "app_reorder_api|$APP/api/v1/reports/reorder|-H 'Authorization: Bearer $token'" \
    "app_usage_api|$APP/api/v1/reports/usage|-H 'Authorization: Bearer $token'" \
    | tee "$OUT/summary-$n-c${LOW_CONNS:-2}.txt"
  kill "$app_pid" 2>/dev/null || true
  wait "$app_pid" 2>/dev/null || true
  if [ "$BACKEND" = postgres ]; then
    psql -q "$PG_ADMIN_URL/postgres" -c "DROP DATABASE IF EXISTS $dbname WITH (FORCE)"
  fi
done
bench_log "results in $OUT"
