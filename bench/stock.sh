#!/usr/bin/env bash
# Stock benchmark (issue 3): loads `clinic-stock demo --large` (500 products,
# 5,000 lots, 1,000,000 ledger rows) into a fresh SQLite file, then measures
# with wrk, interleaved in the same run, the app's stock dashboard (`/` as a
# manager), product list, stock list page and `GET /api/v1/stock` beside the
# reference app's `/fortunes` and `/dashboard` (../shared/perfref).
#
# Usage: bench/stock.sh [OUTDIR]     (ROUNDS=3, LEDGER_ROWS=1000000, WRK_DUR=10s)
# Prints the load time and the wrk summary (median req/s, p50/p99, ratio to
# /fortunes); OUTDIR keeps the raw wrk outputs and summary.json.
export BENCH_PASSWORD=${BENCH_PASSWORD:-demo-password}
. "$(dirname "$0")/lib.sh"
OUT=${1:-$BENCH_ROOT/bench-results/stock-$(date +%Y%m%d-%H%M%S)}
LEDGER_ROWS=${LEDGER_ROWS:-1000000}
mkdir -p "$OUT"
bench_tools
bench_build_app
bench_build_perfref
trap bench_stop_all EXIT
tmp=$(mktemp -d)
db="sqlite://$tmp/app.db"

bench_log "loading demo --large ($LEDGER_ROWS ledger rows)"
start=$(date +%s%N)
"$APP_BIN" --database-url "$db" demo --large --ledger-rows "$LEDGER_ROWS" | tee "$OUT/demo.txt"
end=$(date +%s%N)
echo "demo --large wall time: $(( (end - start) / 1000000 )) ms" | tee -a "$OUT/demo.txt"
"$APP_BIN" --database-url "$db" check | tee -a "$OUT/demo.txt"
ls -l "$tmp/app.db" | tee -a "$OUT/demo.txt"

bench_start_perfref 18080 "$tmp/perfref.db"
bench_start_app "$db" 19000
base=http://127.0.0.1:19000
cookie=$(bench_cookie "$base" manager)
token=$(bench_token "$db" manager)
[ -n "$cookie" ] || { bench_log "could not log in"; exit 1; }
for p in / /products /stock; do
  curl -fsS -o /dev/null -H "Cookie: $cookie" "$base$p" || { bench_log "$p does not answer"; exit 1; }
done
curl -fsS -o /dev/null -H "Authorization: Bearer $token" "$base/api/v1/stock"
bench_run "$OUT" "${ROUNDS:-3}" \
  "fortunes|http://127.0.0.1:18080/fortunes|" \
  "ref_dashboard|http://127.0.0.1:18080/dashboard|" \
  "app_dashboard|$base/|-H 'Cookie: $cookie'" \
  "app_products|$base/products|-H 'Cookie: $cookie'" \
  "app_stock_page|$base/stock|-H 'Cookie: $cookie'" \
  "app_stock_api|$base/api/v1/stock|-H 'Authorization: Bearer $token'" \
  | tee "$OUT/summary.txt"
python3 - "$OUT" <<'PY' | tee -a "$OUT/summary.txt"
# Ratios to perfref's /dashboard: of the medians, and the median of the
# per-round ratios (each app run against the reference run next to it).
import json, re, statistics, sys, pathlib
out = pathlib.Path(sys.argv[1])
s = json.loads((out / "summary.json").read_text())
ref = s["ref_dashboard"]["rps_median"]
def rps(name, r):
    t = (out / f"{name}.r{r}.txt").read_text()
    return float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
rounds = s["ref_dashboard"]["runs"]
for k in ("app_dashboard", "app_products", "app_stock_page", "app_stock_api"):
    paired = statistics.median(rps(k, r) / rps("ref_dashboard", r) for r in range(1, rounds + 1))
    print(f"{k}: {s[k]['rps_median']:.0f} req/s = {s[k]['rps_median']/ref:.2f} x perfref /dashboard "
          f"({ref:.0f}/s); median of per-round ratios {paired:.2f}")
PY
