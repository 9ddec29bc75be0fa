#!/usr/bin/env python3
"""Bearer reads under session writes: 4 threads GET /api/v1/products?limit=10
with a practitioner token while 4 threads POST /api/v1/sessions, 10 s, on a
fresh database; prints reads/s and writes/s with p50/p99 latency.

Usage: bench/reads_under_writes.py BINARY LABEL PORT
(env TB_URL=postgres://... for PostgreSQL; default a temporary SQLite file).
Stdlib only; compare two builds by running it with each binary."""
import http.client, json, os, subprocess, sys, threading, time, tempfile, uuid
bin_, label, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = tempfile.mkdtemp()
url = os.environ.get("TB_URL") or f"sqlite://{d}/b.db"
env = dict(os.environ, CLINIC_STOCK_PASSWORD="correct horse battery", RUST_LOG="warn")
for name, role in [("m", "manager"), ("p", "practitioner")]:
    subprocess.run([bin_, "--database-url", url, "user", "add", name, "--role", role], env=env, check=True, capture_output=True)
tok = {n: subprocess.run([bin_, "--database-url", url, "token", "create", n], env=env, check=True, capture_output=True, text=True).stdout.strip() for n in "mp"}
srv = subprocess.Popen([bin_, "--database-url", url, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(1.5)
def req(method, path, token, body=None, key=None, conn=None):
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    h = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    if key: h["Idempotency-Key"] = key
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    r = c.getresponse(); data = r.read()
    return r.status, data
st, data = req("POST", "/api/v1/products", tok["m"], {"sku":"B1","name":"Serum","category":"serum","unit":"ml","pack_size":5})
pid = json.loads(data)["id"]
st, _ = req("POST", "/api/v1/receipts", tok["m"], {"site":"main","location":"store","product_id":pid,"lot":"L1","expiry":"2030-01-01","quantity":1000000})
assert st == 201, st
stop = time.time() + 10
reads, writes = [], []
def reader():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.time() < stop:
        t = time.time(); s, _ = req("GET", "/api/v1/products?limit=10", tok["p"], conn=c); reads.append(time.time() - t); assert s == 200, s
def writer():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.time() < stop:
        t = time.time()
        s, _ = req("POST", "/api/v1/sessions", tok["p"], {"site":"main","client_ref":"C-1","needle_length_mm":1.5,"lines":[{"product_id":pid,"quantity":1}]}, key=uuid.uuid4().hex, conn=c)
        writes.append(time.time() - t); assert s == 201, s
ts = [threading.Thread(target=reader) for _ in range(4)] + [threading.Thread(target=writer) for _ in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
srv.terminate(); srv.wait()  # SIGTERM: a graceful stop
q = lambda xs, p: sorted(xs)[int(len(xs) * p) - 1] * 1000
print(f"{label}: reads {len(reads)/10:.0f}/s p50 {q(reads,.5):.1f} ms p99 {q(reads,.99):.1f} ms | writes {len(writes)/10:.0f}/s p50 {q(writes,.5):.1f} ms p99 {q(writes,.99):.1f} ms")
