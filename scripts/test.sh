#!/usr/bin/env bash
# The whole test suite against a real Neo4j: installs what is missing, then runs pytest.
# The test fixtures start the project's test Neo4j (var/test, Bolt 7688) if it is not running.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
exec python -m pytest "$@"
