#!/usr/bin/env bash
# Import benchmark: a clinic of 500 products and 5,000 lots (10 lots each,
# spread over two locations) is written as CSV files, then imported with the
# release binary into a fresh database: suppliers, products, then the
# 5,000-row opening stock file, each timed (wall clock, `ROUNDS` rounds, a
# fresh database each round), then the same stock file again (all rows
# unchanged). On SQLite, and on PostgreSQL unless BENCH_NO_PG=1
# (`BENCH_PG`, default postgres://postgres@127.0.0.1:5432).
# Usage: bench/import.sh [OUTDIR]    Results: BENCHMARKS.md ("Import").
. "$(dirname "$0")/lib.sh"

OUT=${1:-$(mktemp -d /tmp/cs-bench-import.XXXX)}
ROUNDS=${ROUNDS:-3}
BENCH_PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
mkdir -p "$OUT"

backend=postgres
[ -n "${BENCH_NO_PG:-}" ] && backend=sqlite
bench_build_app "$backend"
[ -x "$APP_BIN" ] || { bench_log "no clinic-stock binary at $APP_BIN"; exit 1; }

bench_log "writing the files into $OUT"
printf 'name,email,lead_time_days\n' >"$OUT/suppliers.csv"
for s in $(seq 1 10); do printf 'Supplier %02d,orders%02d@example.com,%d\n' "$s" "$s" $((5 + s)) >>"$OUT/suppliers.csv"; done
awk 'BEGIN {
  print "sku,name,category,unit,pack_size,needle_length_mm,gtin,supplier,unit_cost,min_level,max_level"
  split("roller cartridge anesthetic serum spf disposable other", cat, " ")
  for (i = 1; i <= 500; i++) {
    c = cat[(i % 7) + 1]; unit = "each"; needle = ""; pack = 10
    if (c == "roller" || c == "cartridge") needle = sprintf("%.2f", 0.25 + (i % 10) * 0.25)
    if (c == "anesthetic") { unit = "g"; pack = 30 }
    if (c == "serum") { unit = "ml"; pack = 5 }
    printf "P-%04d,Product %04d,%s,%s,%d,%s,,Supplier %02d,%d.%02d,%d,%d\n", i, i, c, unit, pack, needle, (i % 10) + 1, 1 + i % 40, i % 100, 10, 40
  }
}' >"$OUT/products.csv"
awk 'BEGIN {
  print "sku;lot;expiry;quantity;location"
  for (i = 1; i <= 500; i++) for (l = 1; l <= 10; l++)
    printf "P-%04d;L%04d-%02d;%02d/%02d/%d;%d;%s\n", i, i, l, 1 + (i + l) % 28, 1 + (i * l) % 12, 2028 + l % 3, 5 + (i * l) % 50, (l % 2 ? "store" : "room-1")
}' >"$OUT/stock.csv"
printf 'site,code,name\nmain,room-1,Treatment room 1\n' >"$OUT/locations.csv"
wc -l "$OUT"/*.csv >&2

secs() { python3 -c 'import sys,time; print(f"{time.time():.3f}")'; }

run_round() { # url
  local url=$1 t0 t1
  set -e
  "$APP_BIN" --database-url "$url" import locations "$OUT/locations.csv" >/dev/null
  "$APP_BIN" --database-url "$url" import suppliers "$OUT/suppliers.csv" >/dev/null
  t0=$(secs); "$APP_BIN" --database-url "$url" import products "$OUT/products.csv" >/dev/null; t1=$(secs)
  local products=$(python3 -c "print(f'{$t1-$t0:.2f}')")
  t0=$(secs); "$APP_BIN" --database-url "$url" import stock "$OUT/stock.csv" | head -1 >&2; t1=$(secs)
  local stock=$(python3 -c "print(f'{$t1-$t0:.2f}')")
  t0=$(secs); "$APP_BIN" --database-url "$url" import stock "$OUT/stock.csv" | head -1 >&2; t1=$(secs)
  local again=$(python3 -c "print(f'{$t1-$t0:.2f}')")
  "$APP_BIN" --database-url "$url" check | tail -1 >&2
  echo "products ${products}s  stock ${stock}s  stock again ${again}s"
}

for r in $(seq 1 "$ROUNDS"); do
  rm -f "$OUT"/bench.db*
  echo "sqlite round $r: $(run_round "sqlite://$OUT/bench.db")"
  if [ "$backend" = postgres ]; then
    db="cs_bench_import_$$"
    psql "$BENCH_PG/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null
    psql "$BENCH_PG/postgres" -qc "CREATE DATABASE $db" >/dev/null
    echo "postgres round $r: $(run_round "$BENCH_PG/$db")"
    psql "$BENCH_PG/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null
  fi
done
