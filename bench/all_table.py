#!/usr/bin/env python3
"""The table of bench/all.sh: OUTDIR/<name>.r<N>.txt (wrk --latency) ->
markdown, each app workload against its perfref counterpart measured in the
same rounds: median req/s, median p50/p99, ratio of the medians and the
median of the per-round ratios; the app's peak RSS (OUTDIR/rss.txt)."""
import pathlib, re, statistics, sys

def to_ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)$", v)
    x, u = float(m.group(1)), m.group(2)
    return x / 1000 if u == "us" else x * 1000 if u == "s" else x

def parse(p):
    t = p.read_text()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    lat = {k: to_ms(v) for k, v in re.findall(r"^\s+(50|99)%\s+(\S+)", t, re.M)}
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
    tmo = re.search(r"timeout (\d+)", t)
    return dict(rps=rps, p50=lat.get("50"), p99=lat.get("99"),
                bad=int(bad.group(1)) if bad else 0, tmo=int(tmo.group(1)) if tmo else 0)

out = pathlib.Path(sys.argv[1])
runs = {}
for p in sorted(out.glob("*.r*.txt")):
    name, r = p.name[:-4].rsplit(".r", 1)
    runs.setdefault(name, {})[int(r)] = parse(p)
rss = {}
if (out / "rss.txt").exists():
    for line in (out / "rss.txt").read_text().split("\n"):
        if line.strip():
            k, v = line.split()
            rss[k] = int(v) / 1024

def med(name, key):
    return statistics.median(r[key] for r in runs[name].values())

WORKLOADS = [
    ("stock dashboard `/` (manager)", "dashboard", "ref_dashboard", "≥ 1.0×, p99 ≤ perfref's"),
    ("the same vs perfref `/dashboard_cached`", "dashboard", "ref_dashboard_cached", "stretch ≥ 0.25×"),
    ("`GET /api/v1/stock?limit=25`", "stock_api", "ref_dashboard", "≥ 1.0×"),
    ("`POST /api/v1/sessions` (1 line, FULL)", "session", "ref_consume", "≥ 1.0×, p99 ≤ 2× perfref's"),
    ("dashboard against the Django stand-in", "dashboard", "dj_dashboard", "≥ 10×"),
    ("session POST against the Django stand-in", "session", "dj_consume", "≥ 10×"),
]
print("| workload | backend | app req/s | app p50 / p99 ms | perfref | perfref req/s | perfref p50 / p99 ms "
      "| ratio (medians) | median of per-round ratios | goal | app non-2xx / timeouts |")
print("| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | ---: |")
for label, suffix, ref, goal in WORKLOADS:
    for backend in ("sqlite", "pg"):
        app = f"{backend}_{suffix}"
        if app not in runs or ref not in runs:
            continue
        common = sorted(set(runs[app]) & set(runs[ref]))
        paired = statistics.median(runs[app][r]["rps"] / runs[ref][r]["rps"] for r in common)
        a, b = med(app, "rps"), med(ref, "rps")
        bad = sum(r["bad"] for r in runs[app].values())
        tmo = sum(r["tmo"] for r in runs[app].values())
        print(f"| {label} | {'SQLite' if backend == 'sqlite' else 'PostgreSQL'} | {a:,.0f} | "
              f"{med(app, 'p50'):.1f} / {med(app, 'p99'):.1f} | `{ref.removeprefix('ref_').replace('dj_', 'Django ')}` | {b:,.0f} | "
              f"{med(ref, 'p50'):.1f} / {med(ref, 'p99'):.1f} | **{a / b:.2f}×** | {paired:.2f}× | {goal} | {bad} / {tmo} |")
print()
for k, v in sorted(rss.items()):
    print(f"Peak RSS of the app ({'SQLite' if k == 'sqlite' else 'PostgreSQL'}) after the run: {v:.1f} MB")
