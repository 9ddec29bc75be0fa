#!/usr/bin/env bash
# Session logging on SQLite, two builds of the app side by side with
# perfref's POST /consume in one interleaved run: APP_BIN (new) against
# OLD_BIN (e.g. the commit before a change). Prebuilt binaries only.
# Usage: APP_BIN=… OLD_BIN=… bench/sessions_ab.sh [OUTDIR]
#   (env: ROUNDS=3, WRK_CONNS=32, WRK_DUR=10s, BENCH_PRODUCTS=20;
#    PERFREF_ENV defaults to WRITE_MODE=single: issue 16's yardstick is
#    perfref's single-writer POST /consume, synchronous=FULL on both)
BENCH_SKIP_BUILD=1
. "$(dirname "$0")/lib.sh"
export PERFREF_ENV=${PERFREF_ENV:-WRITE_MODE=single}
: "${OLD_BIN:?set OLD_BIN to the other build}"
OUT=${1:-$BENCH_ROOT/bench-results/sessions-ab-$(date +%Y%m%d-%H%M%S)}
NEW_BIN=$APP_BIN
mkdir -p "$OUT"
bench_tools
bench_build_perfref
tmp=$(mktemp -d)
trap 'bench_stop_all; rm -rf "$tmp"' EXIT

# seed BIN URL BASE NAME: with that build's command line.
seed() { APP_BIN=$1 bench_seed_sessions "$2" "$3" "$4" "$OUT"; }

bench_start_perfref 18080 "$tmp/perfref.db"
APP_BIN=$NEW_BIN bench_start_app "sqlite://$tmp/new.db" 19000
seed "$NEW_BIN" "sqlite://$tmp/new.db" http://127.0.0.1:19000 app_new
APP_BIN=$OLD_BIN bench_start_app "sqlite://$tmp/old.db" 19002
seed "$OLD_BIN" "sqlite://$tmp/old.db" http://127.0.0.1:19002 app_old
echo "uptime before: $(uptime)" | tee -a "$OUT/noise.log"
bench_run "$OUT" "${ROUNDS:-3}" \
  "ref_consume|http://127.0.0.1:18080/consume|-s $PERFREF_DIR/bench/consume.lua" \
  "app_new|http://127.0.0.1:19000/api/v1/sessions|-s $OUT/app_new.lua" \
  "app_old|http://127.0.0.1:19002/api/v1/sessions|-s $OUT/app_old.lua"
python3 - "$OUT" <<'PY'
import json, sys, pathlib
s = json.loads((pathlib.Path(sys.argv[1]) / "summary.json").read_text())
ref = s["ref_consume"]["rps_median"]
for k in ("app_new", "app_old"):
    print(f"{k}: {s[k]['rps_median']:.0f}/s p99 {s[k]['p99_ms_median']:.1f} ms = {s[k]['rps_median']/ref:.2f} x perfref POST /consume ({ref:.0f}/s)")
print(f"new/old: {s['app_new']['rps_median']/s['app_old']['rps_median']:.2f}")
PY
echo "uptime after: $(uptime)" | tee -a "$OUT/noise.log"
# The ledger still adds up after the load (issue 16: `check` after every benchmark).
bench_stop_all
"$NEW_BIN" --database-url "sqlite://$tmp/new.db" check >"$OUT/check_new.txt" 2>&1 && echo "check (new): ok" || { echo "check (new) FAILED:"; cat "$OUT/check_new.txt"; }
"$OLD_BIN" --database-url "sqlite://$tmp/old.db" check >"$OUT/check_old.txt" 2>&1 && echo "check (old): ok" || { echo "check (old) FAILED:"; cat "$OUT/check_old.txt"; }
