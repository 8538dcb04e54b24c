"""The project's own Neo4j 5.26 Community server: install from Maven Central, start, stop, status.

Maven Central serves Neo4j as jars, not as the distribution tarball, so `install` resolves
`neo4j-server/pom.xml` into one lib/ folder and `start` runs the same entry point the
distribution's `neo4j console` runs (`org.neo4j.server.CommunityEntryPoint`).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from graph.driver import create_driver
from titlegraph.config import NEO4J_VERSION, PROJECT_ROOT, Settings
from titlegraph.errors import UserError
from titlegraph.ports import port_owner

POM = PROJECT_ROOT / "neo4j-server" / "pom.xml"
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"


class ServerError(UserError, RuntimeError):
    """Neo4j could not be installed, started or stopped; the message says what to check."""


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    bolt_uri: str
    browser_url: str
    home: Path


def _log(message: str) -> None:
    print(f"[neo4j] {message}", file=sys.stderr, flush=True)


def is_installed(settings: Settings) -> bool:
    """True when the Neo4j jars are in the cache folder."""
    lib = settings.neo4j_lib_dir
    return lib.is_dir() and any(lib.glob(f"neo4j-{NEO4J_VERSION}.jar"))


def install(settings: Settings) -> Path:
    """Resolve the Neo4j jars with Maven into the cache (once); return the lib folder."""
    lib = settings.neo4j_lib_dir
    if is_installed(settings):
        return lib
    if shutil.which("mvn") is None:
        raise ServerError("Maven (mvn) is needed to fetch Neo4j from Maven Central: apt-get install maven")
    lib.parent.mkdir(parents=True, exist_ok=True)
    _log(f"resolving Neo4j {NEO4J_VERSION} from Maven Central into {lib} ...")
    # Resolve into a scratch folder and rename, so an interrupted download never looks installed.
    scratch = Path(tempfile.mkdtemp(prefix="lib-", dir=lib.parent))
    command = [
        "mvn", "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
        f"-DoutputDirectory={scratch}", "-DincludeScope=runtime",
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        shutil.rmtree(scratch, ignore_errors=True)
        output = result.stdout[-3000:] + result.stderr[-3000:]
        raise ServerError(f"mvn failed ({result.returncode}):\n{output}")
    if lib.exists():
        shutil.rmtree(lib)
    scratch.rename(lib)
    _log(f"installed {len(list(lib.glob('*.jar')))} jars")
    return lib


def _config_text(settings: Settings) -> str:
    host = settings.neo4j_host
    return "\n".join([
        "# Written by titlegraph (graph/server.py) on every start; edit the settings, not this file.",
        f"server.default_listen_address={host}",
        f"server.default_advertised_address={host}",
        f"server.bolt.listen_address={host}:{settings.bolt_port}",
        f"server.http.listen_address={host}:{settings.http_port}",
        "server.https.enabled=false",
        "dbms.security.auth_enabled=true",
        f"server.memory.pagecache.size={settings.neo4j_pagecache}",
        # Keep transaction logs small: the graph can always be rebuilt by `titlegraph ingest`.
        "db.tx_log.rotation.retention_policy=2 files",
        "dbms.usage_report.enabled=false",
        "",
    ])


def _pid_file(settings: Settings) -> Path:
    return settings.neo4j_home / "run" / "neo4j.pid"


def _read_pid(settings: Settings) -> int | None:
    try:
        pid = int(_pid_file(settings).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def _port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _java_command(settings: Settings, main_class: str, *args: str) -> list[str]:
    java = str(Path(settings.java_home) / "bin" / "java") if settings.java_home else "java"
    if shutil.which(java) is None:
        raise ServerError(f"{java} not found: install Java 17 (apt-get install openjdk-17-jre-headless) "
                          "or set JAVA_HOME")
    return [
        java, f"-Xms{settings.neo4j_heap}", f"-Xmx{settings.neo4j_heap}",
        "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError", "-Dfile.encoding=UTF-8",
        "-cp", f"{settings.neo4j_lib_dir}/*", main_class, *args,
    ]


def _java_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env["NEO4J_HOME"] = str(settings.neo4j_home)
    env["NEO4J_CONF"] = str(settings.neo4j_home / "conf")
    return env


def _set_initial_password(settings: Settings) -> None:
    """Set the password before the first start, so the server never runs with neo4j/neo4j."""
    if (settings.neo4j_home / "data" / "dbms" / "auth.ini").exists():
        return
    # "--" ends the options: a password may begin with "-" (token_urlsafe gives one in 64 times,
    # and NEO4J_PASSWORD is the user's), which the admin tool would otherwise read as an option.
    _admin(settings, "dbms", "set-initial-password", "--", settings.password())


def _admin(settings: Settings, *args: str) -> None:
    """Run `neo4j-admin <args>` (the admin tool's class) on the project's home; ServerError if it fails."""
    command = _java_command(settings, ADMIN_TOOL, *args)
    command[1:3] = ["-Xms64m", "-Xmx512m"]
    result = subprocess.run(command, env=_java_env(settings), capture_output=True, text=True)
    if result.returncode != 0:
        output = (result.stderr.strip() or result.stdout.strip())[-2000:]
        raise ServerError(f"neo4j-admin {' '.join(args[:2])} failed ({result.returncode}): {output}")


def dump_database(settings: Settings, folder: Path) -> Path:
    """`neo4j-admin database dump` of the database into `folder`; Neo4j must be stopped (Community)."""
    _require_stopped(settings, "dump")
    folder.mkdir(parents=True, exist_ok=True)
    _admin(settings, "database", "dump", settings.neo4j_database, f"--to-path={folder}")
    return folder / f"{settings.neo4j_database}.dump"


def load_database(settings: Settings, folder: Path) -> None:
    """`neo4j-admin database load` of the dump in `folder`, replacing the database; Neo4j must be stopped."""
    _require_stopped(settings, "load")
    _admin(settings, "database", "load", settings.neo4j_database, f"--from-path={folder}",
           "--overwrite-destination=true")


def _require_stopped(settings: Settings, action: str) -> None:
    if not settings.manages_neo4j:
        raise ServerError(f"NEO4J_URI is set ({settings.neo4j_uri}): titlegraph can {action} only its own "
                          "Neo4j; use that server's neo4j-admin")
    if status(settings).running:
        raise ServerError(f"Neo4j is running: Community can {action} a database only while the server "
                          "is stopped (`titlegraph neo4j stop`)")


def _spawn_detached(command: list[str], env: dict[str, str], log_path: Path, cwd: Path) -> int:
    """Start `command` in its own session through a shell that exits at once; return its pid.

    The server must outlive this process (the CLI returns while Neo4j keeps running), so no
    Popen object is kept for it: the shell backgrounds it and prints its pid.
    """
    script = 'log="$1"; shift; "$@" >>"$log" 2>&1 </dev/null & echo $!'
    result = subprocess.run(["sh", "-c", script, "sh", str(log_path), *command], env=env, cwd=cwd,
                            capture_output=True, text=True, check=True, start_new_session=True)
    return int(result.stdout.strip())


def status(settings: Settings) -> ServerStatus:
    """Whether the project's Neo4j runs, and where to reach it."""
    pid = _read_pid(settings)
    running = pid is not None and _port_open(settings.neo4j_host, settings.bolt_port)
    return ServerStatus(
        running=running,
        pid=pid,
        bolt_uri=settings.bolt_uri,
        browser_url=f"http://{settings.neo4j_host}:{settings.http_port}/browser/",
        home=settings.neo4j_home,
    )


def _wait_ready(settings: Settings, process_pid: int) -> None:
    deadline = time.monotonic() + settings.neo4j_start_timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            os.kill(process_pid, 0)
        except ProcessLookupError:
            raise ServerError(f"Neo4j exited during start; see {settings.neo4j_home / 'logs'}") from None
        if _port_open(settings.neo4j_host, settings.bolt_port):
            try:
                create_driver(settings).close()
                return
            except Exception as error:  # not ready yet: the database may still be starting
                last_error = error
        time.sleep(0.5)
    raise ServerError(f"Neo4j not ready after {settings.neo4j_start_timeout}s: {last_error}")


def start(settings: Settings) -> ServerStatus:
    """Start the project's Neo4j (install first if needed) and wait until Bolt answers."""
    if not settings.manages_neo4j:
        raise ServerError(
            f"NEO4J_URI is set ({settings.neo4j_uri}): titlegraph uses that server and starts none")
    current = status(settings)
    if current.running:
        _log(f"already running (pid {current.pid}) at {current.bolt_uri}")
        return current
    for port, variable in ((settings.bolt_port, "NEO4J_BOLT_PORT"), (settings.http_port, "NEO4J_HTTP_PORT")):
        if _port_open(settings.neo4j_host, port):
            owner = port_owner(port)
            by = f"pid {owner[0]} ({owner[1]})" if owner else "another process"
            raise ServerError(f"port {port} (Neo4j's {variable}) is taken by {by}: stop it or set {variable}")
    install(settings)
    home = settings.neo4j_home
    for sub in ("conf", "data", "logs", "run", "plugins", "import"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    (home / "conf" / "neo4j.conf").write_text(_config_text(settings))
    _set_initial_password(settings)
    pid = _spawn_detached(
        _java_command(settings, ENTRY_POINT, f"--home-dir={home}", f"--config-dir={home / 'conf'}"),
        env=_java_env(settings), log_path=home / "logs" / "console.log", cwd=home,
    )
    _pid_file(settings).write_text(f"{pid}\n")
    _log(f"starting Neo4j {NEO4J_VERSION} (pid {pid}), home {home}")
    started = time.monotonic()
    try:
        _wait_ready(settings, pid)
    except ServerError:
        stop(settings)
        raise
    _log(f"ready in {time.monotonic() - started:.1f}s: bolt {settings.bolt_uri}, "
         f"browser http://{settings.neo4j_host}:{settings.http_port}/browser/")
    return status(settings)


def stop(settings: Settings, timeout: float = 60.0) -> bool:
    """Stop the project's Neo4j cleanly (SIGTERM, then SIGKILL after `timeout`); True if it ran."""
    pid = _read_pid(settings)
    if pid is None:
        _pid_file(settings).unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        _log(f"no clean stop after {timeout}s; killing pid {pid}")
        os.kill(pid, signal.SIGKILL)
    _pid_file(settings).unlink(missing_ok=True)
    _log(f"stopped (pid {pid})")
    return True
