"""The one place that reads the environment: everything else takes a `Settings`."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NEO4J_VERSION = "5.26.30"


def _env_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be an integer, got {raw!r}") from None


def _env_choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    raw = env.get(name) or default
    if raw not in choices:
        raise SystemExit(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def _env_path(env: Mapping[str, str], name: str, default: Path) -> Path:
    raw = env.get(name)
    return Path(raw).expanduser().resolve() if raw else default


@dataclass(frozen=True)
class Settings:
    """Typed settings; build with `load_settings()` or `Settings(...)` in tests.

    Args:
        home: working folder for runtime state (Neo4j data, models, reports). Default `var/`.
        data_dir: folder with the public Netflix files (`TITLEGRAPH_DATA`).
        models_dir: where retrains write `models/<version>/` and `current`.
        backups_dir: where `titlegraph backup` writes (`TITLEGRAPH_BACKUPS`, default `home/backups`).
        cache_dir: downloaded Neo4j jars, kept outside the clone so CI can reuse them.
        neo4j_uri: an external server; when None the project starts its own.
        neo4j_password: from `NEO4J_PASSWORD`, else a random one kept in `home/neo4j/password`.
        pretrain_catalog: titles the graph embedding learns from (`TITLEGRAPH_PRETRAIN_CATALOG`):
            `all` (default: every service's catalog) or `netflix` (the ablation without the other
            services); the audience head learns from Netflix's charts either way.
        answer_cache_entries: comps and audience answers each worker keeps
            (`TITLEGRAPH_ANSWER_CACHE`, default 20000; 0 turns the cache off, as `bench/api.py`
            does for its uncached runs).
        ingest_batch_size: rows per ingest write transaction (`TITLEGRAPH_INGEST_BATCH_SIZE`,
            default 2000); a killed ingest loses at most the batch in flight.
        affinity_min_support: charting titles (observed or expected) a genre or tag needs in a
            country before its affinity there is written (`TITLEGRAPH_AFFINITY_MIN_SUPPORT`,
            default 5, as graph/affinity.py MIN_SUPPORT).
    """

    home: Path = PROJECT_ROOT / "var"
    data_dir: Path = PROJECT_ROOT.parent / "shared" / "data"
    models_dir: Path | None = None
    backups_dir: Path | None = None
    cache_dir: Path = Path.home() / ".cache" / "titlegraph"
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: str | None = None
    neo4j_database: str = "neo4j"
    neo4j_host: str = "127.0.0.1"
    bolt_port: int = 7687
    http_port: int = 7474
    neo4j_heap: str = "2g"
    neo4j_pagecache: str = "1g"
    neo4j_start_timeout: int = 120
    java_home: str | None = None
    # Driver timeouts are chosen, not left to defaults: a request must fail fast (503)
    # rather than hang while Neo4j is away.
    neo4j_connection_timeout: float = 5.0
    neo4j_acquisition_timeout: float = 5.0
    neo4j_transaction_timeout: float = 30.0
    write_key: str | None = None
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_workers: int = 2
    max_body_bytes: int = 64 * 1024
    reload_interval: float = 2.0
    answer_cache_entries: int = 20_000
    ingest_batch_size: int = 2000
    affinity_min_support: int = 5
    # prometheus-client's multi-process folder (PROMETHEUS_MULTIPROC_DIR); service/gunicorn.conf.py
    # sets a fresh one per run so /metrics adds up all workers.
    metrics_dir: Path | None = None
    seed: int = 7
    pretrain_catalog: str = "all"

    @property
    def neo4j_home(self) -> Path:
        return self.home / "neo4j"

    @property
    def models_path(self) -> Path:
        return self.models_dir or self.home / "models"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def backups_path(self) -> Path:
        return self.backups_dir or self.home / "backups"

    @property
    def saved_titles_stash(self) -> Path:
        """Titles saved through the API, held here while `ingest --fresh` rebuilds the graph."""
        return self.home / "saved_titles.pending.json"

    @property
    def neo4j_lib_dir(self) -> Path:
        return self.cache_dir / f"neo4j-{NEO4J_VERSION}" / "lib"

    @property
    def manages_neo4j(self) -> bool:
        """True when titlegraph starts its own Neo4j (no NEO4J_URI given)."""
        return self.neo4j_uri is None

    @property
    def bolt_uri(self) -> str:
        return self.neo4j_uri or f"bolt://{self.neo4j_host}:{self.bolt_port}"

    def password(self) -> str:
        """The Neo4j password: the configured one, else one generated once and kept on disk."""
        if self.neo4j_password:
            return self.neo4j_password
        path = self.neo4j_home / "password"
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        generated = secrets.token_urlsafe(18)
        # Owner-only file: the password never lands in the repo or in a shipped config.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(generated + "\n")
        return generated

    def with_overrides(self, **changes) -> Settings:
        """A copy with some fields changed (tests and sub-commands use this)."""
        return replace(self, **changes)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read `NEO4J_*` and `TITLEGRAPH_*` variables into a `Settings`."""
    env = os.environ if env is None else env
    defaults = Settings()
    home = _env_path(env, "TITLEGRAPH_HOME", defaults.home)
    return Settings(
        home=home,
        data_dir=_env_path(env, "TITLEGRAPH_DATA", defaults.data_dir),
        models_dir=_env_path(env, "TITLEGRAPH_MODELS", home / "models"),
        backups_dir=_env_path(env, "TITLEGRAPH_BACKUPS", None),
        cache_dir=_env_path(env, "TITLEGRAPH_CACHE", defaults.cache_dir),
        neo4j_uri=env.get("NEO4J_URI") or None,
        neo4j_user=env.get("NEO4J_USER", defaults.neo4j_user),
        neo4j_password=env.get("NEO4J_PASSWORD") or None,
        neo4j_database=env.get("NEO4J_DATABASE", defaults.neo4j_database),
        neo4j_host=env.get("NEO4J_HOST", defaults.neo4j_host),
        bolt_port=_env_int(env, "NEO4J_BOLT_PORT", defaults.bolt_port),
        http_port=_env_int(env, "NEO4J_HTTP_PORT", defaults.http_port),
        neo4j_heap=env.get("NEO4J_HEAP", defaults.neo4j_heap),
        neo4j_pagecache=env.get("NEO4J_PAGECACHE", defaults.neo4j_pagecache),
        java_home=env.get("JAVA_HOME") or None,
        write_key=env.get("TITLEGRAPH_WRITE_KEY") or None,
        api_host=env.get("TITLEGRAPH_API_HOST", defaults.api_host),
        api_port=_env_int(env, "TITLEGRAPH_API_PORT", defaults.api_port),
        api_workers=_env_int(env, "TITLEGRAPH_API_WORKERS", defaults.api_workers),
        seed=_env_int(env, "TITLEGRAPH_SEED", defaults.seed),
        pretrain_catalog=_env_choice(env, "TITLEGRAPH_PRETRAIN_CATALOG", ("all", "netflix"),
                                     defaults.pretrain_catalog),
        ingest_batch_size=_env_int(env, "TITLEGRAPH_INGEST_BATCH_SIZE", defaults.ingest_batch_size),
        affinity_min_support=_env_int(env, "TITLEGRAPH_AFFINITY_MIN_SUPPORT", defaults.affinity_min_support),
        answer_cache_entries=_env_int(env, "TITLEGRAPH_ANSWER_CACHE", defaults.answer_cache_entries),
        metrics_dir=_env_path(env, "PROMETHEUS_MULTIPROC_DIR", None),
    )
