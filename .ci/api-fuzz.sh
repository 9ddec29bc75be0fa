#!/usr/bin/env bash
# The API checked by tools nobody here wrote (issue 13): the OpenAPI document
# is validated by openapi-spec-validator, then Schemathesis runs against a
# live server on each backend (SQLite demo database; a fresh PostgreSQL
# database with the demo data) with a manager token, checking for server
# errors, responses that do not match the document and undocumented status
# codes. Afterwards `clinic-stock check` must hold on each database.
#
# Usage: .ci/api-fuzz.sh [sqlite|postgres]...   (default: both)
# Env: CS_VENV (default /tmp/cs-venv), CS_FUZZ_EXAMPLES (default 10),
#      CS_BIN (default: built here with the postgres feature).
set -euo pipefail
cd "$(dirname "$0")/.."

VALIDATOR_VERSION=0.9.0
SCHEMATHESIS_VERSION=4.32.5
VENV="${CS_VENV:-/tmp/cs-venv}"
EXAMPLES="${CS_FUZZ_EXAMPLES:-10}"
BACKENDS=("$@")
[ ${#BACKENDS[@]} -eq 0 ] && BACKENDS=(sqlite postgres)

if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION" ||
   ! "$VENV/bin/pip" show openapi-spec-validator 2>/dev/null | grep -q "Version: $VALIDATOR_VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "openapi-spec-validator==$VALIDATOR_VERSION" "schemathesis==$SCHEMATHESIS_VERSION"
fi

if [ -z "${CS_BIN:-}" ]; then
  cargo build -q --features postgres --bin clinic-stock
  CS_BIN="${CARGO_TARGET_DIR:-target}/debug/clinic-stock"
fi

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

fuzz() {
  local backend="$1" url
  case "$backend" in
    sqlite) url="sqlite://$WORK/fuzz.db" ;;
    postgres)
      local db="cs_fuzz_$$"
      psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $db" >/dev/null
      psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $db" >/dev/null
      url="postgres://postgres@127.0.0.1:5432/$db" ;;
    *) echo "unknown backend $backend" >&2; return 1 ;;
  esac
  export CLINIC_STOCK_DATABASE_URL="$url"
  "$CS_BIN" demo >/dev/null
  CLINIC_STOCK_PASSWORD="fuzz-$RANDOM-$RANDOM-password" "$CS_BIN" user add fuzzer --role manager >/dev/null
  local token port
  token="$("$CS_BIN" token create fuzzer | tail -n1)"
  port="$(free_port)"
  "$CS_BIN" serve --bind "127.0.0.1:$port" >"$WORK/serve-$backend.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 50); do
    curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
    sleep 0.2
  done
  curl -sf "http://127.0.0.1:$port/api/v1/openapi.json" >"$WORK/openapi.json"
  echo "--- $backend: openapi-spec-validator"
  "$VENV/bin/openapi-spec-validator" "$WORK/openapi.json"
  echo "--- $backend: schemathesis ($EXAMPLES examples per operation)"
  # Run from $WORK: Schemathesis keeps its cache (.schemathesis/) in the
  # current directory, never in the tree.
  (cd "$WORK" && "$VENV/bin/schemathesis" run "http://127.0.0.1:$port/api/v1/openapi.json" \
    -H "Authorization: Bearer $token" \
    --checks not_a_server_error,response_schema_conformance,status_code_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples "$EXAMPLES" --seed 13 --no-color)
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  if grep -q 'panicked' "$WORK/serve-$backend.log"; then
    echo "FAIL: the server panicked during the run ($backend)" >&2
    grep -n 'panicked' "$WORK/serve-$backend.log" >&2
    return 1
  fi
  echo "--- $backend: clinic-stock check"
  "$CS_BIN" check
  if [ "$backend" = postgres ]; then
    psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS cs_fuzz_$$" >/dev/null
  fi
}

for b in "${BACKENDS[@]}"; do fuzz "$b"; done
echo "api fuzz passed: ${BACKENDS[*]}"
