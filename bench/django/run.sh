#!/usr/bin/env bash
# Starts the Django 5.2 stand-in of issue 16 on perfref's schema:
#   bench/django/run.sh PORT DB_PATH
# DB_PATH must already hold perfref's seeded database (start perfref once on
# it). Installs the pinned requirements into a venv outside the tree
# (DJANGO_VENV, /tmp/cs-django-venv) on first use; serves with gunicorn,
# GUNICORN_WORKERS sync workers (2 × cores + 1, gunicorn's advice), SYNC
# (FULL) as perfref's. Prints the gunicorn master's pid.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
port=$1 db=$2
venv=${DJANGO_VENV:-/tmp/cs-django-venv}
if ! "$venv/bin/python" -c 'import django, gunicorn' 2>/dev/null \
  || ! cmp -s "$here/requirements.txt" "$venv/requirements.txt"; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q -r "$here/requirements.txt" >&2
  cp "$here/requirements.txt" "$venv/requirements.txt"
fi
workers=${GUNICORN_WORKERS:-$(( $(nproc) * 2 + 1 ))}
cd "$here"
DB_PATH="$db" SYNC="${SYNC:-FULL}" DJANGO_SETTINGS_MODULE=standin.settings \
  "$venv/bin/gunicorn" --workers "$workers" --bind "127.0.0.1:$port" \
  --log-level warning standin.wsgi:application >"$db.django.log" 2>&1 &
echo $!
