"""CPU milliseconds per request by endpoint, split between the service's gunicorn workers and
Neo4j: the unit costs that docs/scaling.md multiplies out.

    python bench/cost.py [--requests 600] [--connections 4] [--workers 2]

Runs the service as bench/api.py does (gunicorn with the repo's config, wrk rotating over charted
title ids, the answer cache on, then off) and reads the CPU time (user + system) of the gunicorn
processes and of the Neo4j server (the process listening on the Bolt port) before and after a
fixed number of requests per endpoint. CPU time, unlike requests per second, barely depends on
what else runs on the machine. Neo4j's own background work (and other clients of a shared
server) is measured over an idle window first and subtracted. Writes var/reports/bench_cost.json
of this checkout; uses the settings of the environment (Neo4j read only).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api import PREDICT_BODY, run_wrk, sample_ids  # noqa: E402
from bench.scale_lb import start_instance, wait_ready  # noqa: E402
from titlegraph.config import load_settings  # noqa: E402

REPORT = ROOT / "var" / "reports" / "bench_cost.json"
IDLE_SECONDS = 5.0


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """User plus system CPU seconds of these processes so far."""
    return sum(sum(process.cpu_times()[:2]) for process in processes)


def listener(port: int) -> psutil.Process:
    """The process listening on a local TCP port (the Neo4j server on its Bolt port)."""
    for connection in psutil.net_connections(kind="tcp"):
        if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port and connection.pid:
            return psutil.Process(connection.pid)
    raise SystemExit(f"no process listens on port {port}: is Neo4j running (and are you root)?")


def neo4j_idle_rate(neo4j: psutil.Process, seconds: float = IDLE_SECONDS) -> float:
    """Neo4j's CPU seconds per second while this benchmark sends nothing."""
    before = cpu_seconds([neo4j])
    time.sleep(seconds)
    return (cpu_seconds([neo4j]) - before) / seconds


def measure(name: str, base: str, run: tuple, service: list[psutil.Process], neo4j: psutil.Process,
            args, scratch: Path) -> dict:
    """One endpoint: warm-up, then a bounded wrk run with CPU read around it."""
    paths, method, body = run
    options = {"connections": args.connections, "workdir": scratch, "method": method, "body": body}
    # Warm-up: each id asked about four times, so with the cache on every worker holds it.
    run_wrk(base, paths, seconds=30, budget=4 * len(paths) if len(paths) > 1 else 50, **options)
    idle = neo4j_idle_rate(neo4j)
    service_before, neo4j_before = cpu_seconds(service), cpu_seconds([neo4j])
    result = run_wrk(base, paths, seconds=60, budget=args.requests, **options)
    service_cpu = cpu_seconds(service) - service_before
    neo4j_cpu = max(cpu_seconds([neo4j]) - neo4j_before - idle * result["seconds"], 0.0)
    requests = max(result["requests"], 1)
    row = {"requests": result["requests"], "non2xx": result["non2xx"], "p50_ms": result["p50_ms"],
           "api_cpu_ms": round(1000 * service_cpu / requests, 2),
           "neo4j_cpu_ms": round(1000 * neo4j_cpu / requests, 2),
           "neo4j_idle_cpu_per_s": round(idle, 3)}
    print(f"{name:18s} {row['requests']:6d} requests  API {row['api_cpu_ms']:6.2f} CPU ms  "
          f"Neo4j {row['neo4j_cpu_ms']:6.2f} CPU ms  (Neo4j idle {idle:.2f} CPU s/s)", flush=True)
    return row


def endpoint_runs(ids: list[str], cached: bool) -> dict[str, tuple]:
    """The requests of one pass: every endpoint with the cache on; the cached ones again with it off."""
    runs = {
        "version": (["/version"], "GET", None),
        "similar": ([f"/v1/titles/{i}/similar?k=10" for i in ids], "GET", None),
        "audience": ([f"/v1/titles/{i}/audience" for i in ids], "GET", None),
        "predict": (["/v1/predict?k=10"], "POST", PREDICT_BODY),
    }
    if cached:
        return runs
    return {f"{name} uncached": run for name, run in runs.items() if name in ("similar", "audience")}


def main(argv: list[str] | None = None) -> int:
    """Both passes; print the table and write the report."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=600, help="measured requests per endpoint")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ids", type=int, default=200)
    parser.add_argument("--out", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    settings = load_settings()
    neo4j = listener(urlparse(settings.bolt_uri).port or 7687)
    rows: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-cost-") as scratch_name:
        scratch = Path(scratch_name)
        for cached in (True, False):
            env = {**os.environ, "TITLEGRAPH_ANSWER_CACHE": os.environ.get("TITLEGRAPH_ANSWER_CACHE", "")
                   if cached else "0"}
            instance = start_instance("api", env, args.workers, scratch / f"gunicorn-{cached}.log")
            try:
                wait_ready([instance], args.workers)
                service = [psutil.Process(instance.process.pid), *instance.workers()]
                ids = sample_ids(instance.url, args.ids)
                for name, run in endpoint_runs(ids, cached).items():
                    rows[name] = measure(name, instance.url, run, service, neo4j, args, scratch)
            finally:
                instance.stop()
    report = {"workers": args.workers, "connections": args.connections, "requests": args.requests,
              "distinct_ids": args.ids, "cpu_count": os.cpu_count(), "results": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    total = {name: row["api_cpu_ms"] + row["neo4j_cpu_ms"] for name, row in rows.items()}
    print("bench cost: CPU ms per request (API + Neo4j): "
          + ", ".join(f"{name} {ms:.1f}" for name, ms in total.items()) + f"; written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
