#!/usr/bin/env bash
# Session logging throughput: POST /api/v1/sessions (1 line, unique
# Idempotency-Key, bearer token) with WRK_CONNS concurrent clients, on SQLite
# (synchronous=FULL, the default) and on PostgreSQL, next to perfref's
# POST /consume (SYNC=FULL) and /fortunes in the same interleaved run.
# Usage: bench/sessions.sh [OUTDIR]   (env: ROUNDS=3, WRK_CONNS=32, WRK_DUR=10s,
# BENCH_PG=postgres://postgres@127.0.0.1:5432, BENCH_NO_PG=1 to skip PostgreSQL)
. "$(dirname "$0")/lib.sh"
OUT=${1:-$BENCH_ROOT/bench-results/sessions-$(date +%Y%m%d-%H%M%S)}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
mkdir -p "$OUT"
bench_tools
if [ -z "${BENCH_NO_PG:-}" ]; then bench_build_app postgres; else bench_build_app; fi
bench_build_perfref
tmp=$(mktemp -d)
PGDB="cs_bench_$$"
cleanup() {
  bench_stop_all
  [ -z "${BENCH_NO_PG:-}" ] && psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

seed() { bench_seed_sessions "$1" "$2" "$3" "$OUT"; }

bench_start_perfref 18080 "$tmp/perfref.db"
bench_start_app "sqlite://$tmp/app.db" 19000
seed "sqlite://$tmp/app.db" http://127.0.0.1:19000 app_sqlite
specs=(
  "fortunes|http://127.0.0.1:18080/fortunes|"
  "ref_consume|http://127.0.0.1:18080/consume|-s $PERFREF_DIR/bench/consume.lua"
  "app_session_sqlite|http://127.0.0.1:19000/api/v1/sessions|-s $OUT/app_sqlite.lua"
)
if [ -z "${BENCH_NO_PG:-}" ]; then
  psql "$PG/postgres" -qc "CREATE DATABASE $PGDB" >/dev/null
  bench_start_app "$PG/$PGDB" 19001
  seed "$PG/$PGDB" http://127.0.0.1:19001 app_pg
  specs+=("app_session_pg|http://127.0.0.1:19001/api/v1/sessions|-s $OUT/app_pg.lua")
fi
bench_run "$OUT" "${ROUNDS:-3}" "${specs[@]}"
python3 - "$OUT" <<'PY'
# Ratios to perfref's POST /consume: of the medians, and the median of the
# per-round ratios (each app run against the reference run next to it).
import json, re, statistics, sys, pathlib
out = pathlib.Path(sys.argv[1])
s = json.loads((out / "summary.json").read_text())
ref = s["ref_consume"]["rps_median"]
def rps(name, r):
    t = (out / f"{name}.r{r}.txt").read_text()
    return float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
rounds = s["ref_consume"]["runs"]
for k in ("app_session_sqlite", "app_session_pg"):
    if k in s:
        paired = statistics.median(rps(k, r) / rps("ref_consume", r) for r in range(1, rounds + 1))
        print(f"{k}: {s[k]['rps_median']:.0f} sessions/s = {s[k]['rps_median']/ref:.2f} x perfref POST /consume "
              f"({ref:.0f}/s); median of per-round ratios {paired:.2f}")
PY
