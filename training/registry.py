"""Model bundles under `models/<version>/` and the atomic `current` pointer.

A bundle is written into a hidden staging folder (`models/.staging-<version>-<pid>/`), gets a
`COMPLETE` marker as its last file, and is renamed to `models/<version>/` in one `rename`.
`publish` refuses a folder without the marker.

The pointer is a relative symlink `models/current -> <version>`, replaced with `os.replace`
of a freshly made temporary symlink (rename(2) is atomic on POSIX): a reader sees the old or
the new target, never a missing or half-written pointer. A symlink rather than a pointer file
because `models/current/config.json` then works for any tool, and `ls -l` shows the version.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

COMPLETE = "COMPLETE"
CURRENT = "current"


def new_version(data_hash: str, now: datetime | None = None) -> str:
    """A sortable version name: UTC time to the second plus the start of the data hash."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%d-%H%M%S}-{data_hash[:8]}"


def unique_version(models_dir: Path, data_hash: str, now: datetime | None = None) -> str:
    """`new_version`, with a counter appended if that name is taken (two trains in one second)."""
    base = new_version(data_hash, now)
    version, counter = base, 1
    while (Path(models_dir) / version).exists():
        version, counter = f"{base}-{counter}", counter + 1
    return version


def staging_dir(models_dir: Path, version: str) -> Path:
    """A fresh hidden folder to write a bundle into (removed first if a crashed run left it)."""
    folder = models_dir / f".staging-{version}-{os.getpid()}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def finalize(staging: Path, models_dir: Path, version: str) -> Path:
    """Mark a staged bundle complete and rename it to `models/<version>/`; return that path."""
    files = sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file())
    marker = staging / COMPLETE
    marker.write_text(json.dumps({"version": version, "files": files}, indent=1))
    _fsync_dir(staging)
    target = models_dir / version
    if target.exists():
        raise FileExistsError(f"{target} already exists; versions are never overwritten")
    os.rename(staging, target)
    _fsync_dir(models_dir)
    return target


def is_complete(version_dir: Path) -> bool:
    """True when the folder holds a finished bundle (its COMPLETE marker lists files that exist)."""
    marker = version_dir / COMPLETE
    if not marker.is_file():
        return False
    files = json.loads(marker.read_text())["files"]
    return all((version_dir / name).is_file() for name in files)


def publish(models_dir: Path, version_dir: Path) -> None:
    """Point `models/current` at `version_dir` atomically (it must be a complete bundle in models_dir)."""
    version_dir = Path(version_dir)
    if version_dir.resolve().parent != Path(models_dir).resolve():
        raise ValueError(f"{version_dir} is not a folder of {models_dir}")
    if not is_complete(version_dir):
        raise ValueError(
            f"{version_dir} is not a complete bundle (no valid {COMPLETE} marker); re-run `titlegraph train`"
        )
    temporary = models_dir / f".{CURRENT}.tmp-{os.getpid()}"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    # Relative target: the models folder can be moved or mounted elsewhere.
    os.symlink(version_dir.name, temporary)
    os.replace(temporary, models_dir / CURRENT)
    _fsync_dir(models_dir)


def current_model_dir(models_dir: Path) -> Path | None:
    """The bundle `models/current` points at, or None if there is none (or it is incomplete)."""
    pointer = Path(models_dir) / CURRENT
    if not pointer.is_symlink():
        return None
    target = pointer.resolve()
    return target if target.is_dir() and is_complete(target) else None


def list_versions(models_dir: Path) -> list[str]:
    """Complete bundle versions in `models_dir`, oldest first."""
    if not Path(models_dir).is_dir():
        return []
    return sorted(
        p.name
        for p in Path(models_dir).iterdir()
        if p.is_dir() and not p.is_symlink() and not p.name.startswith(".") and is_complete(p)
    )
