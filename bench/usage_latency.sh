#!/usr/bin/env bash
# The usage report's latency alone (issue 16 item 4), without perfref or wrk:
# for each size in SIZES (default "200000 2000000" ledger rows) loads
# `clinic-stock demo --large --ledger-rows N` into a fresh database (kept with
# KEEP=1 and reused when it exists), then times LATENCY_N (15) sequential
# `GET /api/v1/reports/usage` after one warm-up, default (90-day) and 9-day
# windows, printing median, p90 and max ms and the machine's load.
#
#   BACKEND=sqlite|postgres APP_BIN=... BENCH_SKIP_BUILD=1 bench/usage_latency.sh [OUTDIR]
#
# On PostgreSQL the database is VACUUM ANALYZEd after the load (as
# bench/reports.sh does), so that index-only scans are index-only.
. "$(dirname "$0")/lib.sh"
OUT=${1:-$BENCH_ROOT/bench-results/usage-$(date +%Y%m%d-%H%M%S)}
SIZES=${SIZES:-"200000 2000000"}
LATENCY_N=${LATENCY_N:-15}
BACKEND=${BACKEND:-sqlite}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432}
APP_PORT=${APP_PORT:-19110}
DB_DIR=${DB_DIR:-/tmp/cs-usage-bench}
mkdir -p "$OUT" "$DB_DIR"
if [ "$BACKEND" = postgres ]; then bench_build_app postgres; else bench_build_app; fi
trap bench_stop_all EXIT
APP=http://127.0.0.1:$APP_PORT

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# latency NAME PID URL TOKEN: median / p90 / max wall time of LATENCY_N
# requests, and the server's CPU time per request (from /proc/PID/stat: less
# sensitive to other load on a shared machine than wall time).
latency() {
  local name=$1 pid=$2 url=$3 token=$4 before after first
  # The first request computes the window's daily digests (none stored yet).
  first=$(curl -fsS -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" "$url")
  awk -v n="$name" -v t="$first" 'BEGIN {printf "%-16s first %7.1f ms (digests computed and stored)\n", n, t * 1000}'
  before=$(cpu_ticks "$pid")
  for _ in $(seq 1 "$LATENCY_N"); do
    curl -fsS -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$url"
  done | sort -n | awk -v n="$name" '{a[NR]=$1*1000} END {
    p90 = int(NR * 0.9 + 0.999); if (p90 > NR) p90 = NR;
    printf "%-16s median %7.1f ms  p90 %7.1f ms  max %7.1f ms", n, a[int((NR+1)/2)], a[p90], a[NR]}'
  after=$(cpu_ticks "$pid")
  awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$LATENCY_N" \
    'BEGIN {printf "  server CPU %6.1f ms/request\n", t * 1000 / hz / n}'
}

for n in $SIZES; do
  bench_log "=== $n ledger rows ($BACKEND) ==="
  if [ "$BACKEND" = postgres ]; then
    dbname="cs_bench_usage_$n"
    url="$PG_ADMIN_URL/$dbname"
    if [ -z "${KEEP:-}" ] || ! psql -q "$PG_ADMIN_URL/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$dbname'" | grep -q 1; then
      psql -q "$PG_ADMIN_URL/postgres" -c "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" -c "CREATE DATABASE $dbname"
      "$APP_BIN" --database-url "$url" demo --large --ledger-rows "$n" | tee "$OUT/demo-$n.txt"
      psql -q "$url" -c "VACUUM ANALYZE"
    fi
  else
    db="$DB_DIR/app-$n.db"
    url="sqlite://$db"
    if [ -z "${KEEP:-}" ] || [ ! -f "$db" ]; then
      rm -f "$db" "$db-wal" "$db-shm"
      "$APP_BIN" --database-url "$url" demo --large --ledger-rows "$n" | tee "$OUT/demo-$n.txt"
    fi
  fi
  bench_user "$url" benchmgr manager
  token=$(bench_token "$url" benchmgr)
  # Every window starts without stored digests: its first request is the
  # report from the tables (what every request cost before the digests).
  clear_digests() {
    if [ "$BACKEND" = postgres ]; then psql -q "$url" -c "DELETE FROM usage_days"
    else sqlite3 "$db" "DELETE FROM usage_days"; fi
  }
  bench_start_app "$url" "$APP_PORT"
  app_pid=$BENCH_LAST_PID
  {
    echo "# $n ledger rows, $BACKEND, $(date -Is), load: $(cut -d' ' -f1-3 /proc/loadavg)"
    clear_digests
    latency usage_api_90d "$app_pid" "$APP/api/v1/reports/usage" "$token"
    clear_digests
    latency usage_api_9d "$app_pid" "$APP/api/v1/reports/usage?from=$(date -u -d '8 days ago' +%F)" "$token"
    echo "# done $(date -Is), load: $(cut -d' ' -f1-3 /proc/loadavg)"
  } | tee "$OUT/latency-$BACKEND-$n.txt"
  kill "$app_pid" 2>/dev/null || true
  wait "$app_pid" 2>/dev/null || true
  if [ "$BACKEND" = postgres ] && [ -z "${KEEP:-}" ]; then
    psql -q "$PG_ADMIN_URL/postgres" -c "DROP DATABASE IF EXISTS $dbname WITH (FORCE)"
  fi
done
bench_log "results in $OUT"
