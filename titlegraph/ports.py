"""Whether a TCP port can be listened on, and which process holds it (for one-line error messages)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

_LISTEN = "0A"  # TCP state "listen" in /proc/net/tcp


def can_listen(host: str, port: int) -> bool:
    """True when a server could bind `host:port` now (SO_REUSEADDR, as gunicorn binds)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _listening_inodes(port: int, proc: Path) -> set[str]:
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (proc / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == _LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    return inodes


def _holders(sockets: set[str], proc: Path) -> dict[int, int]:
    """pid -> parent pid of every process with one of `sockets` open (those /proc lets us read)."""
    holders = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) in sockets for fd in (entry / "fd").iterdir()):
                holders[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # gone, or not ours to read
    return holders


def port_owner(port: int, proc: Path = Path("/proc")) -> tuple[int, str] | None:
    """(pid, command line) of the process listening on TCP `port`, when /proc tells (Linux).

    Of several holders (gunicorn's master and workers share the socket) the one whose parent is
    not a holder, the master, is named.
    """
    sockets = _listening_inodes(port, proc)
    holders = _holders(sockets, proc) if sockets else {}
    if not holders:
        return None
    roots = [pid for pid, parent in holders.items() if parent not in holders]
    pid = min(roots or holders)
    try:
        command = (proc / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        command = ""
    return pid, command.strip()[:120]
