"""API benchmark: gunicorn on loopback with the repo's config, `wrk` against four endpoints in one run.

    python bench/api.py [--seconds 10] [--connections 8] [--max-requests 200000] [--port 0]

Uses the settings of the environment (the Neo4j of TITLEGRAPH_HOME / NEO4J_URI, the models of
TITLEGRAPH_MODELS). Each endpoint gets a short warm-up, then a run bounded both in time
(`--seconds`) and in count (`--max-requests`, enforced by the wrk script). Requests rotate over
many title ids. `similar` and `audience` run twice: as served (after the warm-up each worker's
answer cache holds them) and with that cache off, so every request reads Neo4j. Prints one table and writes
`reports/bench_api.json`: requests/s, p50, p99, non-2xx count, and each endpoint's throughput
as a ratio of the trivial endpoint's (`/version`, no Neo4j) under the same gunicorn settings.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.commands import gunicorn_command, stop_gunicorn  # noqa: E402
from titlegraph.config import Settings, load_settings  # noqa: E402

TARGETS = {"similar": {"min_ratio": 0.5, "p99_ms": 25.0}, "audience": {"min_ratio": 0.3},
           "predict": {"p99_ms": 150.0}, "predict plan": {"p99_ms": 100.0}}

# wrk script: rotate over a file of request lines, stop each thread after its share of the
# request budget, and print a JSON summary (latencies in microseconds) at the end.
WRK_SCRIPT = r"""
local budget = 0
local lines, count, index, done_count = {}, 0, 0, 0
local method, body = "GET", nil
function init(args)
  for line in io.lines(args[1]) do table.insert(lines, line) end
  budget = tonumber(args[2])
  method = args[3] or "GET"
  if args[4] then local f = io.open(args[4], "r"); body = f:read("*a"); f:close() end
end
function request()
  index = index % #lines + 1
  local headers = {}
  if body then headers["Content-Type"] = "application/json" end
  return wrk.format(method, lines[index], headers, body)
end
function response(status, headers, response_body)
  done_count = done_count + 1
  if done_count >= budget then wrk.thread:stop() end
end
function done(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format('WRKJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, '
    .. '"p99_us": %d, "max_us": %d, "non2xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, non2xx,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""

PREDICT_BODY = {
    "title": "The Last Lighthouse", "type": "show",
    "summary": "A detective returns to her island home to solve a string of disappearances.",
    "genres": ["Crime TV Shows", "thriller"], "countries": ["GB"], "year": 2022,
}


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(settings: Settings, port: int, workers: int, env: dict | None = None) -> subprocess.Popen:
    """gunicorn with service/gunicorn.conf.py on 127.0.0.1:port (extra environment in `env`)."""
    command = gunicorn_command(settings.with_overrides(api_host="127.0.0.1", api_port=port,
                                                       api_workers=workers))
    log = open(settings.reports_dir / "bench_api_gunicorn.log", "w")
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})})


def get_json(url: str, timeout: float = 10.0) -> dict:
    """GET a JSON answer."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.load(response)


def wait_ready(base: str, process: subprocess.Popen, timeout: float = 120.0) -> dict:
    """Wait until /health answers 200 (Neo4j reachable), return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited; see reports/bench_api_gunicorn.log")
        try:
            return get_json(f"{base}/health", timeout=5)
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the API did not answer /health within {timeout:.0f}s")


def wait_for_workers(log: Path, workers: int, timeout: float = 120.0) -> None:
    """Wait until every worker has loaded its model: the first /health answer comes from the first
    worker up, and a worker still loading would take CPU from the measured runs."""
    deadline = time.monotonic() + timeout
    while log.read_text(errors="replace").count('"message": "model loaded"') < workers:
        if time.monotonic() > deadline:
            raise SystemExit(f"not every worker loaded its model within {timeout:.0f}s; see {log}")
        time.sleep(0.5)
    time.sleep(1.0)  # the last worker's first-request set-up


def sample_ids(base: str, count: int) -> list[str]:
    """Title ids that charted (they have comps and audiences), from several countries."""
    ids: list[str] = []
    for iso2 in ("US", "GB", "KR", "BR", "IN", "FR", "JP", "DE", "ES", "MX"):
        try:
            titles = get_json(f"{base}/v1/countries/{iso2}/titles?limit=200")["titles"]
        except OSError:
            continue
        ids += [title["id"] for title in titles if title["id"] not in ids]
        if len(ids) >= count:
            break
    if not ids:
        raise SystemExit("no charted titles found: is the graph ingested?")
    return ids[:count]


def run_wrk(base: str, paths: list[str], *, seconds: float, connections: int, budget: int,
            workdir: Path, method: str = "GET", body: dict | None = None) -> dict:
    """One bounded wrk run over `paths`; returns the parsed summary."""
    script = workdir / "rotate.lua"
    script.write_text(WRK_SCRIPT)
    lines = workdir / "paths.txt"
    lines.write_text("\n".join(paths) + "\n")
    args = [str(lines), str(max(1, budget // 2)), method]
    if body is not None:
        body_file = workdir / "body.json"
        body_file.write_text(json.dumps(body))
        args.append(str(body_file))
    command = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "5s",
               "-s", str(script), base, "--", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    line = next((row for row in result.stdout.splitlines() if row.startswith("WRKJSON ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no summary:\n{result.stdout}\n{result.stderr}")
    summary = json.loads(line.removeprefix("WRKJSON "))
    seconds_taken = summary["duration_us"] / 1e6
    return {
        "requests": summary["requests"], "seconds": round(seconds_taken, 2),
        "rps": round(summary["requests"] / seconds_taken, 1),
        "p50_ms": summary["p50_us"] / 1000, "p90_ms": summary["p90_us"] / 1000,
        "p99_ms": summary["p99_us"] / 1000, "max_ms": summary["max_us"] / 1000,
        "non2xx": summary["non2xx"], "socket_errors": summary["socket_errors"],
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per endpoint")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per endpoint")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--max-requests", type=int, default=200_000,
                        help="request budget per endpoint (high enough not to cap /version)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: the settings')")
    parser.add_argument("--port", type=int, default=0, help="API port (default: a free one)")
    parser.add_argument("--ids", type=int, default=300, help="distinct title ids to rotate over")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    settings = load_settings()
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    workers = args.workers or settings.api_workers
    results: dict[str, dict] = {}
    # Pass 1 as served: comps and audiences of existing titles come from each worker's answer
    # cache once asked (300 ids fit in it), so it measures the cache. Pass 2 turns the cache off
    # (TITLEGRAPH_ANSWER_CACHE=0): every request reads Neo4j.
    passes = [("", {}), (" uncached", {"TITLEGRAPH_ANSWER_CACHE": "0"})]
    for suffix, env in passes:
        port = args.port or free_port()
        base = f"http://127.0.0.1:{port}"
        process = start_gunicorn(settings, port, workers, env)
        try:
            health = wait_ready(base, process)
            wait_for_workers(settings.reports_dir / "bench_api_gunicorn.log", workers)
            ids = sample_ids(base, args.ids)
            runs = {
                "trivial": (["/version"], "GET", None),
                "similar": ([f"/v1/titles/{i}/similar?k=10" for i in ids], "GET", None),
                "audience": ([f"/v1/titles/{i}/audience" for i in ids], "GET", None),
                "predict": (["/v1/predict?k=10"], "POST", PREDICT_BODY),
                # With the localization plan (issue 13): goal p99 < 100 ms at 8 connections.
                "predict plan": (["/v1/predict?k=10&plan=true"], "POST", PREDICT_BODY),
            }
            if suffix:  # the trivial endpoint and predict use no cache: measured once
                runs = {name: run for name, run in runs.items() if name in ("similar", "audience")}
            else:  # predict again at light load: its latency is CPU-bound on this 2-core machine
                runs["predict 2 conn"] = runs["predict"]
                # The cached comps' goal is p99 <= 25 ms in three runs in a row: two more runs.
                runs = {name: runs[name] for name in ("trivial", "similar")} | {
                    "similar #2": runs["similar"], "similar #3": runs["similar"]} | runs
            with tempfile.TemporaryDirectory(prefix="bench-api-") as scratch:
                for name, (paths, method, body) in runs.items():
                    connections = 2 if name.endswith("2 conn") else args.connections
                    options = {"connections": connections, "workdir": Path(scratch), "method": method,
                               "body": body}
                    # Warm-up: with the cache on, ask every id about 20 times so each worker's
                    # cache holds it (the steady state of a service that has run for a while; at
                    # six times, 1 in 64 ids was still missing from a given worker's cache).
                    cached = not suffix and len(paths) > 1 and "#" not in name
                    run_wrk(base, paths, seconds=max(args.warmup, 15.0) if cached else args.warmup,
                            budget=20 * len(paths) if cached else args.max_requests, **options)
                    results[name + suffix] = run_wrk(base, paths, seconds=args.seconds,
                                                     budget=args.max_requests, **options)
                    print(f"{name + suffix:18s} {results[name + suffix]}", flush=True)
        finally:
            stop_gunicorn(process)
    trivial_rps = results["trivial"]["rps"] or 1e-9
    for result in results.values():
        result["ratio_to_trivial"] = round(result["rps"] / trivial_rps, 3)
    report = {
        "model_version": health["model"]["version"], "workers": workers, "threads_per_worker": 4,
        "connections": args.connections, "seconds": args.seconds, "max_requests": args.max_requests,
        "distinct_ids": len(ids), "results": results,
        "targets": {
            "similar_ratio_ok": results["similar"]["ratio_to_trivial"] >= TARGETS["similar"]["min_ratio"],
            "similar_p99_ok": all(results[name]["p99_ms"] <= TARGETS["similar"]["p99_ms"]
                                  for name in ("similar", "similar #2", "similar #3")),
            "similar_uncached_ratio_ok":
                results["similar uncached"]["ratio_to_trivial"] >= TARGETS["similar"]["min_ratio"],
            "similar_uncached_p99_ok": results["similar uncached"]["p99_ms"] <= TARGETS["similar"]["p99_ms"],
            "audience_uncached_ratio_ok":
                results["audience uncached"]["ratio_to_trivial"] >= TARGETS["audience"]["min_ratio"],
            "predict_p99_ok": results["predict"]["p99_ms"] < TARGETS["predict"]["p99_ms"],
            "predict_2_conn_p99_ok": results["predict 2 conn"]["p99_ms"] < TARGETS["predict"]["p99_ms"],
            "predict_plan_p99_ok": results["predict plan"]["p99_ms"] < TARGETS["predict plan"]["p99_ms"],
        },
    }
    out = settings.reports_dir / "bench_api.json"
    out.write_text(json.dumps(report, indent=1))
    print(f"\n{'endpoint':18s} {'req/s':>8s} {'p50 ms':>8s} {'p99 ms':>8s} {'non-2xx':>8s} {'ratio':>6s}")
    for name, result in results.items():
        print(f"{name:18s} {result['rps']:8.1f} {result['p50_ms']:8.2f} {result['p99_ms']:8.2f} "
              f"{result['non2xx']:8d} {result['ratio_to_trivial']:6.2f}")
    print(f"\nmodel {report['model_version']}, {workers} workers x 4 threads, "
          f"{args.connections} connections; targets {report['targets']}; written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
