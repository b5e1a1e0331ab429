#!/usr/bin/env bash
# depscan-db.sh DIR: assembles an offline OSV database for perfwatch-depscan in DIR.
#
# - Go: the Go vulnerability database (golang.org/x/vulndb, CC-BY-4.0) at a pinned
#   version, through the Go module proxy, so it needs nothing but `go`.
# - PyPI and npm: with DEPSCAN_DOWNLOAD=1, the full OSV exports
#   (https://osv-vulnerabilities.storage.googleapis.com/<ecosystem>/all.zip) in
#   osv-scanner v2's --local-db-path layout, DIR/osv-scalibr/<ecosystem>/all.zip, so both
#   tools can share them; otherwise (and where that host cannot be reached) the real
#   entries committed for the sample project (demo/sample-project/osv).
# Rerunning replaces what it wrote; nothing else in DIR is touched.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: scripts/depscan-db.sh DIR}
VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018
export PATH="/usr/local/go/bin:$PATH"
mkdir -p "$dir"

src=$(GOFLAGS=-mod=mod go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$src/data/osv" ] || { echo "depscan-db: no data/osv in golang.org/x/vulndb@$VULNDB_VERSION ($src)" >&2; exit 1; }
rm -rf "$dir/go"
mkdir -p "$dir/go"
cp "$src"/data/osv/*.json "$dir/go/"
chmod -R u+w "$dir/go"

for eco in PyPI npm; do
  if [ "${DEPSCAN_DOWNLOAD:-0}" = 1 ]; then
    mkdir -p "$dir/osv-scalibr/$eco"
    if curl -fsS --max-time 300 -o "$dir/osv-scalibr/$eco/all.zip.tmp" \
      "https://osv-vulnerabilities.storage.googleapis.com/$eco/all.zip"; then
      mv "$dir/osv-scalibr/$eco/all.zip.tmp" "$dir/osv-scalibr/$eco/all.zip"
      rm -rf "$dir/sample-$eco"
      continue
    fi
    rm -f "$dir/osv-scalibr/$eco/all.zip.tmp"
    echo "depscan-db: $eco export unreachable; using the sample project's entries" >&2
  fi
  rm -rf "$dir/sample-$eco"
  if [ -d "demo/sample-project/osv/$eco" ]; then cp -r "demo/sample-project/osv/$eco" "$dir/sample-$eco"; fi
done
echo "depscan-db: $(find "$dir" -name '*.json' | wc -l) entries and $(find "$dir" -name all.zip | wc -l) exports in $dir"
