#!/usr/bin/env bash
# The main job: Neo4j up, data ingested, model trained if none exists, API serving on
# 127.0.0.1:8000 with a ready-to-paste example query printed.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
exec python -m titlegraph demo "$@"
