#!/bin/bash
# Audit API timings on a SQLite database with 200,000 audit rows (debug build).
set -e
export DB
BIN=${BIN:-target/debug/clinic-stock}
DB=${DB:-/tmp/audit-bench.db}
rm -f $DB $DB-wal $DB-shm
export CLINIC_STOCK_PASSWORD=benchmark-password
$BIN --database-url sqlite://$DB user add boss --role admin >/dev/null
TOKEN=$($BIN --database-url sqlite://$DB token create boss)
python3 - <<'PY'
import sqlite3, random, datetime
c = sqlite3.connect(__import__("os").environ["DB"])
now = datetime.datetime.utcnow()
rows = []
for i in range(200_000):
    at = (now - datetime.timedelta(minutes=200_000 - i)).strftime("%Y-%m-%d %H:%M:%S")
    e = random.choice(["product", "order", "user", "lot"])
    rows.append((at, None, random.choice(["ann", "bob", "cid", "dee"]), random.choice(["create", "update"]), e, str(random.randint(1, 2000)), "bench row", '{"name":["a","b"]}'))
c.executemany("INSERT INTO audit_log (at, actor_id, actor_name, action, entity, entity_id, summary, changes) VALUES (?,?,?,?,?,?,?,?)", rows)
c.commit()
print("rows", c.execute("select count(*) from audit_log").fetchone()[0])
PY
$BIN --database-url sqlite://$DB serve --bind 127.0.0.1:18099 >/dev/null 2>&1 &
PID=$!
sleep 2
for q in "limit=100" "entity=product&entity_id=42" "actor=ann&limit=100" "action=update&entity=order&limit=100" "from=$(date -u -d '-2 days' +%F)" "limit=100&offset=150000"; do
  best=999
  for i in 1 2 3 4 5; do
    t=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:18099/api/v1/audit?$q")
    best=$(python3 -c "print(min($best, $t))")
  done
  echo "GET /api/v1/audit?$q  best of 5: ${best}s"
done
kill $PID
