#!/usr/bin/env bash
# compare.sh — perfwatch-depscan's Go findings against govulncheck v1.9.0
# (-scan module, -db file://) and osv-scanner v2.5.1 (offline), on the same
# go.mod/go.sum files and the same golang.org/x/vulndb data (issue #16). NOT
# part of `make test`: it needs the two tools, python3 and the Go module proxy
# (govulncheck runs `go list -m all`), and takes minutes.
#
#   bench/depscan/compare.sh            (results in $WORK, summary on stdout)
#
# Projects: bench/depscan/projects/*/ (go.mod and go.sum of old releases of
# prometheus, thanos and alertmanager, Apache-2.0) and perfwatch's own go.mod.
# Each tool's findings are normalised to the set of (module, GO id): GHSA and
# CVE ids are mapped to the GO entry that lists them as aliases.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-/tmp/depscan-compare}
TOOLS=${TOOLS:-$WORK/bin}
VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018
mkdir -p "$WORK" "$TOOLS"
cd "$ROOT"
[ -x "$TOOLS/osv-scanner" ] || GOBIN=$TOOLS go install github.com/google/osv-scanner/v2/cmd/osv-scanner@v2.5.1
[ -x "$TOOLS/govulncheck" ] || GOBIN=$TOOLS go install golang.org/x/vuln/cmd/govulncheck@v1.9.0
VULNDB=$(go mod download -json golang.org/x/vulndb@$VULNDB_VERSION | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')/data/osv
go build -o "$TOOLS/layouts" ./bench/depscan/layouts
go build -o "$TOOLS/perfwatch-depscan" ./cmd/perfwatch-depscan
rm -rf "$WORK/govulndb" "$WORK/godb"
"$TOOLS/layouts" "$VULNDB" "$WORK/govulndb" "$WORK/godb"

mkdir -p "$WORK/projects/perfwatch"
cp go.mod go.sum "$WORK/projects/perfwatch/"
for p in bench/depscan/projects/*/; do
  mkdir -p "$WORK/projects/$(basename "$p")"
  cp "$p/go.mod" "$p/go.sum" "$WORK/projects/$(basename "$p")/"
done

for dir in "$WORK"/projects/*/; do
  name=$(basename "$dir")
  # govulncheck loads packages even to scan modules: one empty package will do.
  echo "package p" > "$dir/p.go"
  gover=$(awk '$1=="toolchain"{t=$2} $1=="go"{g="go"$2} END{print (t!=""?t:g)}' "$dir/go.mod")
  "$TOOLS/perfwatch-depscan" scan "$dir" --osv.db="$VULNDB" --format=json > "$WORK/$name.depscan.json" || true
  # govulncheck takes the standard library's version from GOVERSION (else the
  # local toolchain); the go.mod's is what the other two use.
  (cd "$dir" && GOVERSION=$gover GOFLAGS=-mod=mod "$TOOLS/govulncheck" -db "file://$WORK/govulndb" -scan module -format json) > "$WORK/$name.govulncheck.json" 2> "$WORK/$name.govulncheck.err" || true
  "$TOOLS/osv-scanner" scan source -L "$dir/go.mod" --format json --offline --offline-vulnerabilities --local-db-path "$WORK/godb" > "$WORK/$name.osv-scanner.json" 2> "$WORK/$name.osv-scanner.err" || true
done

python3 - "$VULNDB" "$WORK" <<'PY'
import glob, json, os, sys
vulndb, work = sys.argv[1], sys.argv[2]
canon = {}
for f in glob.glob(os.path.join(vulndb, "*.json")):
    e = json.load(open(f))
    canon[e["id"]] = e["id"]
    for a in e.get("aliases", []):
        canon.setdefault(a, e["id"])
def go_id(*ids):
    for i in ids:
        if i in canon:
            return canon[i]
    return ids[0]
def depscan(path):
    r = json.load(open(path))
    return {(f["package"], go_id(f["id"], *(f.get("aliases") or []))) for p in r["projects"] for f in p["findings"]}
def govulncheck(path):
    out, dec, text = set(), json.JSONDecoder(), open(path).read()
    i = 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            break
        o, i = dec.raw_decode(text, i)
        f = o.get("finding")
        if f:
            out.add((f["trace"][0]["module"], f["osv"]))
    return out
def osvscanner(path):
    try:
        r = json.load(open(path))
    except ValueError:
        return set()
    return {(p["package"]["name"], go_id(v["id"], *(v.get("aliases") or []))) for res in r.get("results") or [] for p in res["packages"] for v in p.get("vulnerabilities") or []}
for d in sorted(glob.glob(os.path.join(work, "projects", "*"))):
    n = os.path.basename(d)
    ds = depscan(f"{work}/{n}.depscan.json")
    gv = govulncheck(f"{work}/{n}.govulncheck.json")
    ov = osvscanner(f"{work}/{n}.osv-scanner.json")
    std = lambda s: {x for x in s if x[0] in ("stdlib", "toolchain")}
    print(f"## {n}: depscan {len(ds)} ({len(std(ds))} stdlib/toolchain), govulncheck {len(gv)} ({len(std(gv))}), osv-scanner {len(ov)} ({len(std(ov))})")
    for label, a, b in (("depscan only vs govulncheck", ds, gv), ("govulncheck only", gv, ds), ("depscan only vs osv-scanner", ds, ov), ("osv-scanner only", ov, ds)):
        diff = sorted(a - b)
        if diff:
            mods = sorted({m for m, _ in diff})
            shown = ", ".join(f"{m} {i}" for m, i in diff[:12]) + (" …" if len(diff) > 12 else "")
            print(f"- {label}: {len(diff)} in {', '.join(mods[:8])}{' …' if len(mods) > 8 else ''}: {shown}")
PY
