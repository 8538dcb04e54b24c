#!/usr/bin/env bash
# Refresh the vendored world boundaries (service/static/vendor/world-atlas/) from the npm registry
# and regenerate the page's projected shapes (service/static/world.json). Run it by hand when
# world-atlas releases; the served page and the docs pictures never download anything.
#   bash scripts/vendor_world.sh            # the version pinned below
#   bash scripts/vendor_world.sh 2.0.2      # another one (update README.md there by hand)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="${1:-2.0.2}"
TARGET="$ROOT/service/static/vendor/world-atlas"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

(cd "$WORK" && npm pack --silent "world-atlas@$VERSION" >/dev/null && tar xzf world-atlas-*.tgz)
mkdir -p "$TARGET"
# Only what titlegraph/world.py reads, with the licence and the version it reads from package.json.
for file in countries-50m.json LICENSE package.json; do
  cp "$WORK/package/$file" "$TARGET/$file"
done
cd "$ROOT"
python -m titlegraph.world
echo "world-atlas $VERSION in $TARGET; check README.md there and commit both folders"
