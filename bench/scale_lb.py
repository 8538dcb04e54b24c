"""Two service instances behind HAProxy on this machine: do requests spread, and does a retrain
reach both?

    python bench/scale_lb.py [--workers 1] [--seconds 5] [--connections 4] [--swap-timeout 90]

Two gunicorn runs of the service (each `--workers` workers) on two loopback ports read the same
Neo4j (the settings of the environment, read only) and the same models folder: a temporary copy
of the bundle `current` of TITLEGRAPH_MODELS, so nothing is written where the settings point.
HAProxy (Debian's package; `apt-get install -y haproxy`) runs deploy/haproxy/local.cfg in front
of them. The run then
  1. times `/version` and `similar` straight to one instance and through the balancer (wrk),
  2. counts the `similar` requests each instance answered, from each instance's own /metrics,
  3. publishes a copy of the bundle as a new model version in the shared folder (a new
     `current`, as `titlegraph train` does) while a paced load runs through the balancer, and
     times until each instance's /version reports it, counting failed requests meanwhile,
  4. reads each worker's memory (RSS and USS: the model is loaded once per worker).
Prints the figures and one summary line; writes var/reports/scale_lb.json of this checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import requests
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api import free_port, run_wrk, sample_ids  # noqa: E402
from bench.soak import PacedLoad  # noqa: E402
from service.commands import gunicorn_command, stop_gunicorn  # noqa: E402
from titlegraph.config import load_settings  # noqa: E402
from training import registry  # noqa: E402

HAPROXY_CONFIG = ROOT / "deploy" / "haproxy" / "local.cfg"
REPORT = ROOT / "var" / "reports" / "scale_lb.json"
SIMILAR_RULE = "/v1/titles/<title_id>/similar"
MODEL_LOADED = '"message": "model loaded"'


@dataclass
class Instance:
    """One gunicorn run of the service on a loopback port."""

    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[psutil.Process]:
        """The gunicorn workers (children of the master)."""
        return psutil.Process(self.process.pid).children()

    def stop(self) -> None:
        """Stop gunicorn (SIGTERM, then SIGKILL if it hangs)."""
        if self.process.poll() is None:
            stop_gunicorn(self.process)


def start_instance(name: str, env: dict[str, str], workers: int, log_path: Path) -> Instance:
    """gunicorn with service/gunicorn.conf.py on a free loopback port, settings from `env`."""
    settings = load_settings(env).with_overrides(api_host="127.0.0.1", api_port=free_port(),
                                                 api_workers=workers)
    # Each instance gets its own metrics folder (gunicorn.conf.py makes a fresh one when unset),
    # so /metrics counts that instance's requests only.
    env = {key: value for key, value in env.items() if key != "PROMETHEUS_MULTIPROC_DIR"}
    with open(log_path, "w") as log:
        process = subprocess.Popen(gunicorn_command(settings), cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    return Instance(name, settings.api_port, process, log_path)


def wait_ready(instances: list[Instance], workers: int, timeout: float = 600.0) -> None:
    """Wait until every worker of every instance has loaded its model and /version answers."""
    deadline = time.monotonic() + timeout
    for instance in instances:
        while instance.log_path.read_text(errors="replace").count(MODEL_LOADED) < workers:
            if instance.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{instance.name} did not load its model; see {instance.log_path}:\n"
                                   f"{instance.log_path.read_text(errors='replace')[-2000:]}")
            time.sleep(0.3)
        wait_http(f"{instance.url}/version", deadline)


def wait_http(url: str, deadline: float) -> dict:
    """Poll `url` until it answers 200; return its JSON."""
    while True:
        try:
            response = requests.get(url, timeout=2)
            if response.ok:
                return response.json()
        except requests.RequestException:  # not listening yet
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer 200 in time")
        time.sleep(0.2)


def start_haproxy(instances: list[Instance], log_path: Path, config: Path = HAPROXY_CONFIG):
    """HAProxy in the foreground with `config`, in front of the two instances; returns (process, url)."""
    port = free_port()
    env = {**os.environ, "TITLEGRAPH_LB_BIND": f"127.0.0.1:{port}",
           "TITLEGRAPH_LB_API1": f"127.0.0.1:{instances[0].port}",
           "TITLEGRAPH_LB_API2": f"127.0.0.1:{instances[1].port}"}
    checked = subprocess.run(["haproxy", "-c", "-f", str(config)], env=env, capture_output=True, text=True)
    if checked.returncode != 0:
        raise RuntimeError(f"haproxy refuses {config}:\n{checked.stdout}{checked.stderr}")
    with open(log_path, "w") as log:
        process = subprocess.Popen(["haproxy", "-db", "-f", str(config)], env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/version", time.monotonic() + 30)
    # Both servers pass their first health check (inter 1s, rise 1) before any count starts.
    time.sleep(2.5)
    return process, url


def stop_all(balancer: subprocess.Popen | None, instances: list[Instance]) -> None:
    """Stop the balancer first (no request reaches a stopping instance), then the instances."""
    if balancer is not None:
        balancer.terminate()
        balancer.wait(timeout=10)
    for instance in instances:
        instance.stop()


def answered(instance: Instance, rule: str = SIMILAR_RULE) -> int:
    """Requests to the URL rule `rule` the instance answered, from its own /metrics."""
    text = requests.get(f"{instance.url}/metrics", timeout=10).text
    total = 0.0
    for family in text_string_to_metric_families(text):
        if family.name == "titlegraph_http_requests":
            total += sum(sample.value for sample in family.samples
                         if sample.name.endswith("_total") and sample.labels.get("endpoint") == rule)
    return int(total)


def copy_current(source_models: Path, models_dir: Path) -> str:
    """Copy the bundle `current` of `source_models` into `models_dir` and publish it there."""
    bundle = registry.current_model_dir(source_models)
    if bundle is None:
        raise SystemExit(f"no current model in {source_models}; run `titlegraph train` first")
    target = shutil.copytree(bundle, models_dir / bundle.name)
    registry.publish(models_dir, target)
    return bundle.name


def publish_copy(models_dir: Path) -> str:
    """Publish a copy of the current bundle as a new version (a retrain's stand-in); its name."""
    bundle = registry.current_model_dir(models_dir)
    config = json.loads((bundle / "config.json").read_text())
    version = registry.unique_version(models_dir, config["data_hash"])
    staging = registry.staging_dir(models_dir, version)
    shutil.copytree(bundle, staging, dirs_exist_ok=True,
                    ignore=lambda folder, names: [registry.COMPLETE] if Path(folder) == bundle else [])
    # The version is named in the bundle's config and in its audience head's (they must agree).
    for path in (staging / "config.json", staging / "heads" / "audience" / "config.json"):
        if path.is_file():
            document = json.loads(path.read_text())
            document["version"] = version
            path.write_text(json.dumps(document, indent=1))
    registry.publish(models_dir, registry.finalize(staging, models_dir, version))
    return version


def versions_served(instance: Instance, workers: int) -> set:
    """The model versions the instance's workers answer /version with (fresh connections, so
    the master hands them to different workers)."""
    return {requests.get(f"{instance.url}/version", headers={"Connection": "close"},
                         timeout=10).json()["model_version"] for _ in range(4 * workers)}


def wait_for_version(instances: list[Instance], version: str, workers: int, timeout: float) -> dict:
    """Seconds from now until each instance serves only `version` (None for one that did not)."""
    started = time.monotonic()
    reached: dict[str, float | None] = {instance.name: None for instance in instances}
    while time.monotonic() - started < timeout and None in reached.values():
        for instance in instances:
            if reached[instance.name] is None and versions_served(instance, workers) == {version}:
                reached[instance.name] = round(time.monotonic() - started, 2)
        time.sleep(0.2)
    return reached


def worker_memory(instance: Instance) -> list[dict]:
    """RSS and USS (memory only this worker holds) of each worker, in MiB."""
    rows = []
    for worker in instance.workers():
        info = worker.memory_full_info()
        rows.append({"pid": worker.pid, "rss_mib": round(info.rss / 2**20, 1),
                     "uss_mib": round(info.uss / 2**20, 1)})
    return rows


def timed_runs(instances: list[Instance], lb_url: str, lb_pid: int, ids: list[str], args,
               scratch: Path) -> dict:
    """wrk: /version and similar straight to the first instance, then through the balancer, with
    the `similar` requests each instance answered through the balancer counted from its /metrics."""
    paths = {"version": ["/version"], "similar": [f"/v1/titles/{i}/similar?k=10" for i in ids]}
    lb_process = psutil.Process(lb_pid)
    options = {"seconds": args.seconds, "connections": args.connections, "budget": args.max_requests,
               "workdir": scratch}
    runs: dict[str, dict] = {}
    for name, endpoint_paths in paths.items():
        # Warm-up through the balancer: both instances' answer caches hold the ids, as in service.
        run_wrk(lb_url, endpoint_paths, seconds=2, connections=args.connections,
                budget=4 * len(endpoint_paths), workdir=scratch)
        runs[f"{name} direct"] = run_wrk(instances[0].url, endpoint_paths, **options)
        before = [answered(instance) for instance in instances]
        lb_cpu = sum(lb_process.cpu_times()[:2])
        runs[f"{name} via lb"] = run_wrk(lb_url, endpoint_paths, **options)
        lb_cpu = sum(lb_process.cpu_times()[:2]) - lb_cpu
        runs[f"{name} via lb"]["lb_cpu_ms_per_request"] = round(1000 * lb_cpu / max(
            runs[f"{name} via lb"]["requests"], 1), 4)
        if name == "similar":
            runs[f"{name} via lb"]["per_instance"] = {
                instance.name: answered(instance) - start
                for instance, start in zip(instances, before, strict=True)}
    for name, result in runs.items():
        print(f"{name:16s} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:6.2f} ms  "
              f"p99 {result['p99_ms']:6.2f} ms  non-2xx {result['non2xx']}", flush=True)
    return runs


def retrain_reach(instances: list[Instance], lb_url: str, models_dir: Path, ids: list[str], args) -> dict:
    """Publish a new version under a paced load through the balancer; time its arrival everywhere."""
    plan = [("similar", "GET", f"/v1/titles/{i}/similar?k=10", None) for i in ids[:20]]
    plan.append(("version", "GET", "/version", None))
    load = PacedLoad(lb_url, plan, rate=args.swap_rate, threads=4).start()
    time.sleep(1.0)
    version = publish_copy(models_dir)
    reached = wait_for_version(instances, version, args.workers, args.swap_timeout)
    lb_versions = {requests.get(f"{lb_url}/version", timeout=10).json()["model_version"]
                   for _ in range(8)}
    outcomes = load.stop()
    failed = [o for o in outcomes if o.status is None or o.status >= 500]
    print(f"new version {version}: served by {reached} s after publishing; through the balancer "
          f"{sorted(lb_versions)}; {len(outcomes)} requests meanwhile, {len(failed)} failed", flush=True)
    return {"version": version, "seconds_to_serve": reached, "lb_versions": sorted(lb_versions),
            "requests_during_swap": len(outcomes), "failed_during_swap": len(failed)}


def main(argv: list[str] | None = None) -> int:
    """Run the two instances and the balancer, measure, print, write the report."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers per instance")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per wrk run")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--max-requests", type=int, default=5000, help="request budget per wrk run")
    parser.add_argument("--ids", type=int, default=200, help="distinct title ids for `similar`")
    parser.add_argument("--swap-rate", type=float, default=20.0, help="requests/s during the swap")
    parser.add_argument("--swap-timeout", type=float, default=120.0)
    parser.add_argument("--out", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    for tool in ("haproxy", "wrk"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing: apt-get install -y {tool}")
    settings = load_settings()
    with tempfile.TemporaryDirectory(prefix="scale-lb-") as scratch_name:
        scratch = Path(scratch_name)
        models_dir = scratch / "models"
        models_dir.mkdir()
        first_version = copy_current(settings.models_path, models_dir)
        env = {**os.environ, "TITLEGRAPH_MODELS": str(models_dir)}
        instances: list[Instance] = []
        lb = None
        try:
            instances = [start_instance(f"api{n}", env, args.workers, scratch / f"api{n}.log")
                         for n in (1, 2)]
            wait_ready(instances, args.workers)
            lb, lb_url = start_haproxy(instances, scratch / "haproxy.log")
            ids = sample_ids(lb_url, args.ids)
            runs = timed_runs(instances, lb_url, lb.pid, ids, args, scratch)
            memory = {instance.name: worker_memory(instance) for instance in instances}
            swap = retrain_reach(instances, lb_url, models_dir, ids, args)
        finally:
            stop_all(lb, instances)
    report = {"instances": 2, "workers_per_instance": args.workers, "connections": args.connections,
              "seconds": args.seconds, "first_version": first_version, "runs": runs,
              "worker_memory": memory, "swap": swap}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print(summary_line(report))
    return 0 if swap["failed_during_swap"] == 0 and None not in swap["seconds_to_serve"].values() else 1


def summary_line(report: dict) -> str:
    """One line: spread, balancer overhead, swap time, failures, worker memory."""
    counts = report["runs"]["similar via lb"]["per_instance"]
    total = max(sum(counts.values()), 1)
    spread = " / ".join(f"{name} {count} ({100 * count / total:.0f}%)" for name, count in counts.items())
    overhead = (report["runs"]["version via lb"]["p50_ms"] - report["runs"]["version direct"]["p50_ms"])
    rss = [w["rss_mib"] for workers in report["worker_memory"].values() for w in workers]
    swap = report["swap"]
    seconds = swap["seconds_to_serve"]
    reach = (f"new model on both instances {max(seconds.values()):.1f}s after publishing"
             if None not in seconds.values() else f"new model NOT on every instance: {seconds}")
    return (f"scale_lb: similar via haproxy spread {spread}; /version p50 +{overhead:.2f} ms through "
            f"the balancer; {reach}, {swap['failed_during_swap']} of {swap['requests_during_swap']} "
            f"requests failed meanwhile; worker RSS {min(rss):.0f}-{max(rss):.0f} MiB")


if __name__ == "__main__":
    sys.exit(main())
