#!/usr/bin/env bash
# perf.sh — offline scan speed and memory of perfwatch-depscan against
# osv-scanner v2.5.1, in the same run on the same files (issue #16). NOT part of
# `make test`: it needs osv-scanner, writes ~600 MB under $WORK and takes minutes.
#
#   bench/depscan/perf.sh [RUNS]      (default 5 runs per tool and case)
#
# Cases: a synthetic npm export of 200,000 entries (bench/depscan/gen) with
# package-locks of 2,000 and 20,000 packages, and the real go.mod of prometheus
# v2.36.0 (175 modules) against golang.org/x/vulndb's data as an all.zip.
# Each run is timed by /usr/bin/time (wall seconds, max RSS); the table gives
# the median and the range. scanfor is the scan with osv.Load narrowed and
# indexed; "cold" is its first run, which builds the index.
set -euo pipefail
RUNS=${1:-5}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-/tmp/depscan-perf}
TOOLS=${TOOLS:-$WORK/bin}
VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018
mkdir -p "$WORK" "$TOOLS"
cd "$ROOT"
[ -x "$TOOLS/osv-scanner" ] || GOBIN=$TOOLS go install github.com/google/osv-scanner/v2/cmd/osv-scanner@v2.5.1
VULNDB=$(go mod download -json golang.org/x/vulndb@$VULNDB_VERSION | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')/data/osv
go build -o "$TOOLS/gen" ./bench/depscan/gen
go build -o "$TOOLS/layouts" ./bench/depscan/layouts
go build -o "$TOOLS/scanfor" ./bench/depscan/scanfor
go build -o "$TOOLS/perfwatch-depscan" ./cmd/perfwatch-depscan

# Inputs, generated once.
NPMDB=$WORK/npmdb
if [ ! -f "$NPMDB/osv-scanner/npm/all.zip" ]; then
  "$TOOLS/gen" npmdb -ghsa 15000 -mal 185000 -out "$NPMDB/osv-scanner/npm/all.zip"
fi
ln -sfn osv-scanner "$NPMDB/osv-scalibr" # osv-scanner v2.5.1 reads <dir>/osv-scalibr/<eco>/all.zip
for n in 2000 20000; do
  [ -f "$WORK/lock$n/package-lock.json" ] || "$TOOLS/gen" npmlock -n $n -out "$WORK/lock$n"
done
GODB=$WORK/godb
[ -f "$GODB/osv-scalibr/Go/all.zip" ] || "$TOOLS/layouts" "$VULNDB" "$WORK/govulndb" "$GODB"
mkdir -p "$WORK/gomod" && cp bench/depscan/projects/prometheus-v2.36.0/go.{mod,sum} "$WORK/gomod/"

# measure NAME CMD... : RUNS timed runs, "wall maxrss_kB" per line in $WORK/NAME.times
measure() {
  local name=$1; shift
  : > "$WORK/$name.times"
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$WORK/$name.t" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err" || true
    tail -1 "$WORK/$name.t" >> "$WORK/$name.times"
  done
  sort -n "$WORK/$name.times" | awk -v n="$name" '{w[NR]=$1; if ($2>m) m=$2} END {printf "| %-28s | %6.2f s | %5.2f–%5.2f s | %7.0f MB |\n", n, w[int((NR+1)/2)], w[1], w[NR], m/1024}'
}

echo "$(date -u +%FT%TZ) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $RUNS runs each"
echo "| case | median | range | max RSS |"
echo "| --- | --- | --- | --- |"
for c in "npm2000 $WORK/lock2000 $WORK/lock2000/package-lock.json $NPMDB" \
         "npm20000 $WORK/lock20000 $WORK/lock20000/package-lock.json $NPMDB" \
         "gomod $WORK/gomod $WORK/gomod/go.mod $GODB"; do
  set -- $c
  rm -rf "$WORK/index-$1"
  RUNS_SAVED=$RUNS; RUNS=1
  measure "$1-scanfor-cold" "$TOOLS/scanfor" "$2" "$4" "$WORK/index-$1"
  RUNS=$RUNS_SAVED
  measure "$1-scanfor" "$TOOLS/scanfor" "$2" "$4" "$WORK/index-$1"
  measure "$1-perfwatch-depscan" "$TOOLS/perfwatch-depscan" scan "$2" --osv.db="$4" --format=json
  measure "$1-osv-scanner" "$TOOLS/osv-scanner" scan source -L "$3" --format json --offline --offline-vulnerabilities --local-db-path "$4"
done
