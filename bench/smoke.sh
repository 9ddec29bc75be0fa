#!/usr/bin/env bash
# Smoke benchmark of the shared plumbing: the app's /health and login page
# against perfref's /fortunes and /static. Usage: bench/smoke.sh [OUTDIR]
. "$(dirname "$0")/lib.sh"
OUT=${1:-$BENCH_ROOT/bench-results/smoke-$(date +%Y%m%d-%H%M%S)}
bench_tools
bench_build_app
bench_build_perfref
trap bench_stop_all EXIT
tmp=$(mktemp -d)
bench_start_perfref 18080 "$tmp/perfref.db"
bench_start_app "sqlite://$tmp/app.db" 19000
bench_run "$OUT" "${ROUNDS:-1}" \
  "fortunes|http://127.0.0.1:18080/fortunes|" \
  "ref_static|http://127.0.0.1:18080/static|" \
  "app_health|http://127.0.0.1:19000/health|" \
  "app_login|http://127.0.0.1:19000/login|"
