"""Soak: a fixed request rate against gunicorn on loopback for a while, worker memory sampled each second.

    python bench/soak.py [--seconds 60] [--rate 20] [--warmup 5] [--workers 2] [--rss-bound-mb 50]

Starts gunicorn with the repo's config on a free loopback port (settings of the environment: the
Neo4j of TITLEGRAPH_HOME / NEO4J_URI, the models of TITLEGRAPH_MODELS), sends a mix of every
read endpoint plus `POST /v1/predict` at a fixed rate (a request scheduled every 1/rate seconds,
sent late rather than dropped if the server falls behind), samples each worker's RSS every
second after a warm-up at the same rate, prints one summary line and writes
`reports/soak.json`. Exit code 1 if any request failed or a worker grew beyond the bound.
tests/reliability/test_soak.py runs the same `soak()` against the tiny test graph.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.api import PREDICT_BODY, free_port, sample_ids, start_gunicorn, wait_ready  # noqa: E402
from service.commands import stop_gunicorn  # noqa: E402
from titlegraph.config import load_settings  # noqa: E402


@dataclass
class Outcome:
    """One request: when it was sent (seconds from the start), how long it took, what came back."""

    name: str
    sent: float
    seconds: float
    status: int | None
    error: str | None = None
    code: str | None = None
    reason: str | None = None
    retry_after: str | None = None
    model_version: str | None = None
    warnings: list[str] | None = None  # warning codes of a JSON answer (e.g. graph_unavailable)


def mixed_plan(title_ids: list[str], countries: list[str],
               search: str) -> list[tuple[str, str, str, dict | None]]:
    """(name, method, path, body) of a mix over every read endpoint and predict, rotating ids."""
    plan = []
    for index, title_id in enumerate(title_ids):
        country = countries[index % len(countries)]
        plan += [
            ("version", "GET", "/version", None),
            ("title", "GET", f"/v1/titles/{title_id}", None),
            ("similar", "GET", f"/v1/titles/{title_id}/similar?k=5", None),
            ("audience", "GET", f"/v1/titles/{title_id}/audience", None),
            ("search", "GET", f"/v1/titles?q={search}&limit=5", None),
            ("country_titles", "GET", f"/v1/countries/{country}/titles?limit=10", None),
            ("predict", "POST", "/v1/predict?k=5", PREDICT_BODY),
        ]
        if index % 5 == 0:
            plan += [("health", "GET", "/health", None), ("countries", "GET", "/v1/countries", None)]
    return plan


class PacedLoad:
    """Requests from a plan at a fixed total rate, spread over threads, each outcome recorded.

    Args:
        base_url: the service, e.g. http://127.0.0.1:8000.
        plan: (name, method, path, body) tuples, sent in turn and repeated.
        rate: requests per second over all threads (default 20).
        threads: sending threads; each keeps its own connection (default 4).
        timeout: client timeout per request in seconds (default 30).
    """

    def __init__(self, base_url: str, plan: list, rate: float = 20.0, threads: int = 4,
                 timeout: float = 30.0) -> None:
        self.base_url = base_url
        self.plan = plan
        self.rate = rate
        self.threads = threads
        self.timeout = timeout
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self._ticket = itertools.count()
        self.started = 0.0

    def start(self) -> PacedLoad:
        """Start sending."""
        self.started = time.monotonic()
        self._workers = [threading.Thread(target=self._run, daemon=True) for _ in range(self.threads)]
        for worker in self._workers:
            worker.start()
        return self

    def stop(self) -> list[Outcome]:
        """Stop sending, wait for requests in flight, return every outcome."""
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=self.timeout + 5)
        return self.outcomes

    def _run(self) -> None:
        with requests.Session() as session:
            while not self._stop.is_set():
                # A shared ticket counter fixes each request's send time at start + n / rate.
                ticket = next(self._ticket)
                due = self.started + ticket / self.rate
                delay = due - time.monotonic()
                if delay > 0 and self._stop.wait(delay):
                    return
                name, method, path, body = self.plan[ticket % len(self.plan)]
                outcome = self._send(session, name, method, path, body)
                with self._lock:
                    self.outcomes.append(outcome)

    def _send(self, session: requests.Session, name: str, method: str, path: str, body) -> Outcome:
        sent = time.monotonic()
        try:
            response = session.request(method, self.base_url + path, json=body, timeout=self.timeout)
        except requests.RequestException as error:
            return Outcome(name, sent - self.started, time.monotonic() - sent, None, type(error).__name__)
        seconds = time.monotonic() - sent
        outcome = Outcome(name, sent - self.started, seconds, response.status_code,
                          retry_after=response.headers.get("Retry-After"))
        if response.headers.get("Content-Type", "").startswith("application/json"):
            try:
                payload = response.json()
            except ValueError:
                outcome.error = "invalid JSON body"
                return outcome
            if isinstance(payload, dict):
                error = payload.get("error")
                if isinstance(error, dict):
                    outcome.code, outcome.reason = error.get("code"), str(error.get("message"))[:160]
                outcome.model_version = payload.get("model_version")
                warnings = payload.get("warnings") or []
                outcome.warnings = [w.get("code") for w in warnings if isinstance(w, dict)]
        elif response.status_code >= 400:
            outcome.error = f"non-JSON {response.status_code} body"
        return outcome


def worker_rss(master_pid: int) -> dict[int, int]:
    """RSS in bytes of each gunicorn worker (the master's children)."""
    sizes = {}
    for child in psutil.Process(master_pid).children():
        try:
            sizes[child.pid] = child.memory_info().rss
        except psutil.NoSuchProcess:  # a worker that just exited
            continue
    return sizes


class RssSampler:
    """Samples worker RSS every `interval` seconds in a thread.

    Args:
        master_pid: gunicorn master process id.
        interval: seconds between samples (default 1.0).
    """

    def __init__(self, master_pid: int, interval: float = 1.0) -> None:
        self.master_pid = master_pid
        self.interval = interval
        self.samples: list[tuple[float, dict[int, int]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        started = time.monotonic()
        while True:
            self.samples.append((time.monotonic() - started, worker_rss(self.master_pid)))
            if self._stop.wait(self.interval):
                return

    def start(self) -> RssSampler:
        """Start sampling."""
        self._thread.start()
        return self

    def stop(self) -> list[tuple[float, dict[int, int]]]:
        """Take a last sample and return all of them."""
        self._stop.set()
        self._thread.join(timeout=10)
        self.samples.append((self.samples[-1][0] + self.interval if self.samples else 0.0,
                             worker_rss(self.master_pid)))
        return self.samples


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def summarize(outcomes: list[Outcome], samples: list[tuple[float, dict[int, int]]], seconds: float,
              rate: float) -> dict:
    """The figures of one soak: rate reached, errors, latency, worker RSS at start and end."""
    mb = 1024 * 1024
    statuses = Counter(str(outcome.status) if outcome.status else outcome.error for outcome in outcomes)
    failed = [outcome for outcome in outcomes if outcome.status != 200 or outcome.error]
    latencies = [outcome.seconds * 1000 for outcome in outcomes]
    first, last = samples[0][1], samples[-1][1]
    workers = {
        str(pid): {"rss_start_mb": round(first[pid] / mb, 1), "rss_end_mb": round(last[pid] / mb, 1),
                   "rss_max_mb": round(max(sample[1].get(pid, 0) for sample in samples) / mb, 1),
                   "growth_mb": round((last[pid] - first[pid]) / mb, 1)}
        for pid in sorted(first) if pid in last
    }
    return {
        "seconds": round(seconds, 1), "target_rps": rate, "requests": len(outcomes),
        "rps": round(len(outcomes) / seconds, 2) if seconds else 0.0,
        "failed": len(failed), "statuses": dict(statuses),
        "failed_examples": [asdict(outcome) for outcome in failed[:5]],
        "latency_ms": {"p50": round(statistics.median(latencies), 1) if latencies else 0.0,
                       "p99": round(_percentile(latencies, 0.99), 1),
                       "max": round(max(latencies, default=0.0), 1)},
        "by_endpoint": dict(Counter(outcome.name for outcome in outcomes)),
        "rss_samples": len(samples), "workers": workers,
        "workers_restarted": sorted(set(first) ^ set(last)),
        "max_growth_mb": max((worker["growth_mb"] for worker in workers.values()), default=0.0),
    }


def soak(base_url: str, master_pid: int, plan: list, *, seconds: float = 60.0, rate: float = 20.0,
         warmup: float = 5.0, threads: int = 4) -> dict:
    """Warm up at `rate`, then hold it for `seconds` with worker RSS sampled every second; return figures."""
    if warmup > 0:
        warm = PacedLoad(base_url, plan, rate=rate, threads=threads).start()
        time.sleep(warmup)
        warm.stop()
    sampler = RssSampler(master_pid).start()
    load = PacedLoad(base_url, plan, rate=rate, threads=threads).start()
    time.sleep(seconds)
    outcomes = load.stop()
    elapsed = time.monotonic() - load.started
    return summarize(outcomes, sampler.stop(), elapsed, rate)


def summary_line(figures: dict) -> str:
    """One line with the figures a report quotes."""
    rss = ", ".join(f"worker {pid}: {worker['rss_start_mb']} -> {worker['rss_end_mb']} MB"
                    for pid, worker in figures["workers"].items())
    return (f"soak {figures['seconds']}s at {figures['target_rps']} req/s target: {figures['requests']} "
            f"requests ({figures['rps']} req/s), {figures['failed']} failed, statuses {figures['statuses']}, "
            f"latency p50 {figures['latency_ms']['p50']} ms p99 {figures['latency_ms']['p99']} ms max "
            f"{figures['latency_ms']['max']} ms; RSS {rss}; max growth {figures['max_growth_mb']} MB")


def write_report(figures: dict, path: Path) -> Path:
    """Write the figures as JSON (folders created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=1))
    return path


def main(argv: list[str] | None = None) -> int:
    """Start gunicorn, soak it, print and write the figures."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="measured seconds")
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds at the same rate before measuring")
    parser.add_argument("--threads", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: the settings')")
    parser.add_argument("--rss-bound-mb", type=float, default=50.0, help="allowed RSS growth per worker")
    args = parser.parse_args(argv)
    settings = load_settings()
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_gunicorn(settings, port, args.workers or settings.api_workers)
    try:
        wait_ready(base, process)
        plan = mixed_plan(sample_ids(base, 50), ["US", "GB", "KR", "BR", "FR"], "stranger")
        figures = soak(base, process.pid, plan, seconds=args.seconds, rate=args.rate, warmup=args.warmup,
                       threads=args.threads)
    finally:
        stop_gunicorn(process)
    figures["rss_bound_mb"] = args.rss_bound_mb
    out = write_report(figures, settings.reports_dir / "soak.json")
    print(summary_line(figures) + f"; written to {out}")
    ok = figures["failed"] == 0 and figures["max_growth_mb"] <= args.rss_bound_mb
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
