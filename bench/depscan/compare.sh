#!/usr/bin/env bash
# compare.sh — perfwatch-depscan's Go findings against govulncheck v1.9.0
# (-db file://) and osv-scanner v2.5.1 (offline), on the same projects and the
# same golang.org/x/vulndb data (issue #16). NOT part of `make test`: it needs
# the two tools, python3 and the Go module proxy (govulncheck loads packages),
# and takes minutes.
#
#   bench/depscan/compare.sh [SRC...]     (results in $WORK, summary on stdout)
#
# Projects: bench/depscan/testdata/projects/*/ (go.mod and go.sum of old releases of
# prometheus, thanos and alertmanager, Apache-2.0) and perfwatch's own go.mod;
# govulncheck runs -scan module on them with one empty package beside the go.mod.
# Each SRC is a Go source checkout (a module's whole tree, scanned in place; its
# modules are downloaded first). On those, govulncheck runs twice: -scan module,
# which v1.9.0 accepts without package patterns only and so loads the package in
# the root directory and its imports; and -scan package ./..., whose module-level
# findings cover the modules of every package of the tree (for this GOOS/GOARCH,
# without tests). depscan's and osv-scanner's are the root project's go.mod.
# Each tool's findings are normalised to the set of (module, GO id): GHSA and
# CVE ids are mapped to the GO entry that lists them as aliases. For a SRC, each
# finding that only depscan reports is put in one class, from `go list -deps` and
# `go mod why -m`: stdlib/toolchain, a module only tests use, one only other
# platforms or build tags use, one no package needs, or (unexplained) a module
# that is built.
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
# DEPSCAN names a perfwatch-depscan binary to compare instead of building one.
if [ -n "${DEPSCAN:-}" ]; then cp "$DEPSCAN" "$TOOLS/perfwatch-depscan"; else go build -o "$TOOLS/perfwatch-depscan" ./cmd/perfwatch-depscan; fi
rm -rf "$WORK/govulndb" "$WORK/godb"
"$TOOLS/layouts" "$VULNDB" "$WORK/govulndb" "$WORK/godb"

mkdir -p "$WORK/projects/perfwatch"
cp go.mod go.sum "$WORK/projects/perfwatch/"
for p in bench/depscan/testdata/projects/*/; do
  mkdir -p "$WORK/projects/$(basename "$p")"
  cp "$p/go.mod" "$p/go.sum" "$WORK/projects/$(basename "$p")/"
done

# Source checkouts: listed in $WORK/sources (name and directory), modules downloaded.
: > "$WORK/sources"
for src in "$@"; do
  src=$(cd "$src" && pwd)
  [ -f "$src/go.mod" ] || { echo "compare.sh: $src has no go.mod" >&2; exit 1; }
  name=src-$(basename "$src")
  echo "$name $src" >> "$WORK/sources"
  (cd "$src" && GOTOOLCHAIN=local GOFLAGS= go mod download)
done
while read -r name src; do
  gover=$(awk '$1=="toolchain"{t=$2} $1=="go"{g="go"$2} END{print (t!=""?t:g)}' "$src/go.mod")
  mkdir -p "$WORK/$name.d"
  "$TOOLS/perfwatch-depscan" scan "$src" --osv.db="$VULNDB" --format=json > "$WORK/$name.depscan.json" || true
  (cd "$src" && GOTOOLCHAIN=local GOFLAGS= GOVERSION=$gover "$TOOLS/govulncheck" -db "file://$WORK/govulndb" -scan module -format json) > "$WORK/$name.govulncheck-module.json" 2> "$WORK/$name.govulncheck-module.err" || true
  (cd "$src" && GOTOOLCHAIN=local GOFLAGS= GOVERSION=$gover "$TOOLS/govulncheck" -db "file://$WORK/govulndb" -scan package -format json ./...) > "$WORK/$name.govulncheck.json" 2> "$WORK/$name.govulncheck.err" || true
  "$TOOLS/osv-scanner" scan source -L "$src/go.mod" --format json --offline --offline-vulnerabilities --local-db-path "$WORK/godb" > "$WORK/$name.osv-scanner.json" 2> "$WORK/$name.osv-scanner.err" || true
  # What the differences are explained by: the modules of the packages built
  # (without and with tests) and every module of the build list.
  (cd "$src" && GOTOOLCHAIN=local GOFLAGS= go list -e -deps -f '{{with .Module}}{{if not .Main}}{{if .Replace}}{{.Replace.Path}}{{else}}{{.Path}}{{end}}{{end}}{{end}}' ./... | sort -u) > "$WORK/$name.d/build.mods"
  (cd "$src" && GOTOOLCHAIN=local GOFLAGS= go list -e -deps -test -f '{{with .Module}}{{if not .Main}}{{if .Replace}}{{.Replace.Path}}{{else}}{{.Path}}{{end}}{{end}}{{end}}' ./... | sort -u) > "$WORK/$name.d/test.mods"
done < "$WORK/sources"

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
import glob, json, os, subprocess, sys
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
    # The root project only: a source tree may hold other go.mod files (examples,
    # tools) and npm lockfiles, which the other tools are not given.
    r = json.load(open(path))
    ps = [p for p in r["projects"] if p.get("name") == "."] or r["projects"]
    return {(f["package"], go_id(f["id"], *(f.get("aliases") or []))) for p in ps for f in p["findings"]}
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
def lines(path):
    try:
        return {l.strip() for l in open(path) if l.strip()}
    except OSError:
        return set()
def why_needed(src, mods):
    # go mod why -m considers every package of "all" under every build tag and
    # its tests: a module it says the main module needs is needed elsewhere.
    if not mods:
        return set()
    out = subprocess.run(["go", "mod", "why", "-m", *sorted(mods)], cwd=src, capture_output=True, text=True,
                         env={**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": ""}).stdout
    needed, cur = set(), None
    for l in out.splitlines():
        if l.startswith("# "):
            cur = l[2:].strip()
        elif cur and l.strip() and not l.startswith("("):
            needed.add(cur)
    return needed
def classify(name, src, ds, gv):
    build, test = lines(f"{work}/{name}.d/build.mods"), lines(f"{work}/{name}.d/test.mods")
    only = ds - gv
    cls = {}
    for m, i in only:
        if m in ("stdlib", "toolchain"):
            cls[(m, i)] = m
        elif m in build:
            cls[(m, i)] = "UNEXPLAINED (module built)"
        elif m in test:
            cls[(m, i)] = "tests only"
    rest = {m for m, i in only if (m, i) not in cls}
    needed = why_needed(src, rest)
    for m, i in only:
        if (m, i) not in cls:
            cls[(m, i)] = "other platforms/tags" if m in needed else "needed by no package"
    return cls
def osvscanner(path):
    try:
        r = json.load(open(path))
    except ValueError:
        return set()
    return {(p["package"]["name"], go_id(v["id"], *(v.get("aliases") or []))) for res in r.get("results") or [] for p in res["packages"] for v in p.get("vulnerabilities") or []}
sources = dict(l.split(None, 1) for l in open(os.path.join(work, "sources")).read().splitlines() if l.strip())
def show(label, diff):
    if diff:
        mods = sorted({m for m, _ in diff})
        shown = ", ".join(f"{m} {i}" for m, i in sorted(diff)[:12]) + (" …" if len(diff) > 12 else "")
        print(f"- {label}: {len(diff)} in {', '.join(mods[:8])}{' …' if len(mods) > 8 else ''}: {shown}")
std = lambda s: {x for x in s if x[0] in ("stdlib", "toolchain")}
for n, src in sorted(sources.items()):
    ds = depscan(f"{work}/{n}.depscan.json")
    gm = govulncheck(f"{work}/{n}.govulncheck-module.json")
    gv = govulncheck(f"{work}/{n}.govulncheck.json")
    ov = osvscanner(f"{work}/{n}.osv-scanner.json")
    merr = open(f"{work}/{n}.govulncheck-module.err").read().strip().splitlines()
    print(f"## {n} (source): depscan {len(ds)} ({len(std(ds))} stdlib/toolchain), "
          f"govulncheck -scan package ./... {len(gv)} ({len(std(gv))}), "
          f"govulncheck -scan module {len(gm)} ({len(std(gm))}{'; ' + merr[0] if merr and not gm else ''}), "
          f"osv-scanner {len(ov)} ({len(std(ov))})")
    cls = classify(n, src, ds, gv)
    byc = {}
    for k, c in cls.items():
        byc.setdefault(c, set()).add(k)
    for c in sorted(byc):
        show(f"depscan only vs govulncheck ./..., {c}", byc[c])
    show("govulncheck ./... only", gv - ds)
    show("govulncheck -scan module only (not in ./...)", gm - gv)
    show("depscan only vs osv-scanner", ds - ov)
    show("osv-scanner only", ov - ds)
for d in sorted(glob.glob(os.path.join(work, "projects", "*"))):
    n = os.path.basename(d)
    ds = depscan(f"{work}/{n}.depscan.json")
    gv = govulncheck(f"{work}/{n}.govulncheck.json")
    ov = osvscanner(f"{work}/{n}.osv-scanner.json")
    print(f"## {n}: depscan {len(ds)} ({len(std(ds))} stdlib/toolchain), govulncheck {len(gv)} ({len(std(gv))}), osv-scanner {len(ov)} ({len(std(ov))})")
    for label, a, b in (("depscan only vs govulncheck", ds, gv), ("govulncheck only", gv, ds), ("depscan only vs osv-scanner", ds, ov), ("osv-scanner only", ov, ds)):
        show(label, a - b)
PY
