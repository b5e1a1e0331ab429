#!/usr/bin/env bash
# perf.sh — offline scan speed and memory of `perfwatch-depscan scan` against
# osv-scanner v2.5.1, in the same run on the same files (issue #16). NOT part of
# `make test`: it needs osv-scanner, writes ~600 MB under $WORK and takes minutes.
#
#   bench/depscan/perf.sh [RUNS]      (default 5 runs per tool and case;
#                                      OSV_RUNS=n gives osv-scanner fewer)
#
# Cases: a synthetic npm export of 200,000 entries (bench/depscan/gen) with
# package-locks of 2,000 and 20,000 packages, and a go.mod of 161 modules (the
# first 161 requirements of prometheus v2.36.0's, bench/depscan/testdata/projects) against
# golang.org/x/vulndb's data as an all.zip. perfwatch-depscan runs offline
# (--registry.offline, licences on, as by default) with its own --cache.dir per
# case: "cold" is the first run into an empty one (it builds the all.zip's index
# and the Go licence cache), the others are warm. Each run is timed by
# bench/depscan/timeit: median wall time, range, median CPU time, peak RSS.
# The findings of both tools are then compared (package, version, id).
#
# DEPSCAN names a perfwatch-depscan binary to measure instead of building
# ./cmd/perfwatch-depscan. PROFILE=1 also runs the command in-process under
# `go test -cpuprofile` (bench/depscan/cmdprof, laid into cmd/perfwatch-depscan by
# -overlay) on each warm case and prints where the CPU time goes.
set -euo pipefail
RUNS=${1:-5}
OSV_RUNS=${OSV_RUNS:-$RUNS}
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
go build -o "$TOOLS/timeit" ./bench/depscan/timeit
if [ -n "${DEPSCAN:-}" ]; then cp "$DEPSCAN" "$TOOLS/perfwatch-depscan"; else go build -o "$TOOLS/perfwatch-depscan" ./cmd/perfwatch-depscan; fi

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
# No tagged prometheus, thanos or alertmanager go.mod has exactly 161 requirements:
# keep the first 161 of prometheus v2.36.0's (175; go 1.17, so go.sum adds none).
mkdir -p "$WORK/gomod161"
awk -v keep=161 '
  /^require \($/ { blk = 1; print; next }
  blk && /^\)$/ { blk = 0; print; next }
  blk && NF >= 2 && $1 !~ /^\/\// { if (++n > keep) next }
  /^require [^(]/ { if (++n > keep) next }
  { print }' bench/depscan/testdata/projects/prometheus-v2.36.0/go.mod > "$WORK/gomod161/go.mod"
cp bench/depscan/testdata/projects/prometheus-v2.36.0/go.sum "$WORK/gomod161/"

CASES=("npm2000 $WORK/lock2000 $WORK/lock2000/package-lock.json $NPMDB"
       "npm20000 $WORK/lock20000 $WORK/lock20000/package-lock.json $NPMDB"
       "gomod161 $WORK/gomod161 $WORK/gomod161/go.mod $GODB")

echo "$(date -u +%FT%TZ) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $RUNS runs each ($OSV_RUNS of osv-scanner), $("$TOOLS/osv-scanner" --version | head -1)"
echo "| case | median wall | range | median CPU | max RSS |"
echo "| --- | --- | --- | --- | --- |"
for c in "${CASES[@]}"; do
  set -- $c
  cache=$WORK/cache-$1
  rm -rf "$cache"
  scan=("$TOOLS/perfwatch-depscan" scan "$2" --osv.db="$4" --format=json --cache.dir="$cache" --registry.offline)
  "$TOOLS/timeit" -n 1 -out "$WORK/$1-depscan-cold" "$1-depscan-cold" -- "${scan[@]}"
  "$TOOLS/timeit" -n "$RUNS" -out "$WORK/$1-depscan" "$1-depscan" -- "${scan[@]}"
  "$TOOLS/timeit" -n "$OSV_RUNS" -out "$WORK/$1-osv-scanner" "$1-osv-scanner" -- \
    "$TOOLS/osv-scanner" scan source -L "$3" --format json --offline --offline-vulnerabilities --local-db-path "$4"
done

# The same findings? (package, version, id), osv-scanner's aliases mapped to the
# ids depscan reports; osv-scanner leaves the Go standard library and toolchain out.
python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
v = lambda s: s[1:] if s.startswith("v") else s  # osv-scanner drops Go's "v"
for case in ("npm2000", "npm20000", "gomod161"):
    r = json.load(open(f"{work}/{case}-depscan.out"))
    fs = [f for p in r["projects"] for f in p["findings"] if f["package"] not in ("stdlib", "toolchain")]
    ds = {(f["package"], v(f["version"]), f["id"]) for f in fs}
    mine = {}
    for f in fs:
        mine.setdefault((f["package"], v(f["version"])), []).append((f["id"], {f["id"], *(f.get("aliases") or [])}))
    o = json.load(open(f"{work}/{case}-osv-scanner.out"))
    ov = set()
    for res in o.get("results") or []:
        for p in res["packages"]:
            k = (p["package"]["name"], v(p["package"]["version"]))
            for e in p.get("vulnerabilities") or []:
                names = {e["id"], *(e.get("aliases") or [])}
                same = [i for i, al in mine.get(k, ()) if al & names]
                ov.add(k + (same[0] if same else e["id"],))
    print(f"{case}: depscan {len(ds)} findings (stdlib/toolchain left out), osv-scanner {len(ov)}, "
          f"depscan only {len(ds - ov)} {sorted(ds - ov)[:3]}, osv-scanner only {len(ov - ds)} {sorted(ov - ds)[:3]}")
PY

if [ "${PROFILE:-0}" = 1 ]; then
  printf '{"Replace": {"%s": "%s"}}\n' "$ROOT/cmd/perfwatch-depscan/zz_cmdprof_test.go" \
    "$ROOT/bench/depscan/cmdprof/scan_test.go.in" > "$WORK/cmdprof-overlay.json"
  go test -overlay "$WORK/cmdprof-overlay.json" -c -o "$TOOLS/depscan-cmd.test" ./cmd/perfwatch-depscan
  for c in "${CASES[@]}"; do
    set -- $c
    DEPSCAN_BENCH_ARGS="scan $2 --osv.db=$4 --format=json --cache.dir=$WORK/cache-$1 --registry.offline" \
      "$TOOLS/depscan-cmd.test" -test.run '^$' -test.bench BenchmarkScanCommand -test.benchtime 10x \
      -test.benchmem -test.cpuprofile "$WORK/$1.cpu.prof" | grep ns/op | sed "s/^/$1: /"
    go tool pprof -top -cum -nodecount 80 "$TOOLS/depscan-cmd.test" "$WORK/$1.cpu.prof" 2>/dev/null \
      | grep -E 'Duration|perfwatch/depscan/[a-z]+\.[A-Z(]|gcBgMarkWorker' | grep -v 'func[0-9]' | head -25
  done
fi
