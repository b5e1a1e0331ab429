#!/usr/bin/env bash
# Re-renders node_exporter's mixin (docs/node-mixin: alerts and recording rules) into
# third_party/node-mixin/, which e2e's TestNodeMixin loads into Prometheus. The tests
# never run this; run it by hand to move to another node_exporter commit, then update
# the commit in third_party/node-mixin/README.md and run `go test ./e2e/ -run Mixin`.
#
#   scripts/render-node-mixin.sh <node_exporter checkout or bare git dir> [commit]
#
# A checkout is rendered as it is (its HEAD is recorded when it is a git work tree);
# a bare git directory is read at commit (default HEAD). jsonnet is go-jsonnet's:
# $JSONNET, else jsonnet in PATH, else .cache/bin/jsonnet
# (go install github.com/google/go-jsonnet/cmd/jsonnet@v0.22.0). The mixin needs no
# vendored libraries (jsonnet-bundler) for its alerts and rules, only for dashboards.
set -euo pipefail
cd "$(dirname "$0")/.."

src=${1:?usage: $0 <node_exporter checkout or bare git dir> [commit]}
rev=${2:-HEAD}
out=third_party/node-mixin

jsonnet=${JSONNET:-}
if [ -z "$jsonnet" ]; then
  if command -v jsonnet >/dev/null; then jsonnet=jsonnet
  elif [ -x .cache/bin/jsonnet ]; then jsonnet=$PWD/.cache/bin/jsonnet
  else
    echo "jsonnet not found: go install github.com/google/go-jsonnet/cmd/jsonnet@v0.22.0 (or set JSONNET)" >&2
    exit 1
  fi
fi
case $jsonnet in /*) ;; *) jsonnet=$(command -v "$jsonnet") ;; esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -d "$src/docs/node-mixin" ]; then
  mixin=$src/docs/node-mixin
  commit=$(git -C "$src" rev-parse HEAD 2>/dev/null || echo unknown)
  if [ -n "$(git -C "$src" status --porcelain -- docs/node-mixin 2>/dev/null)" ]; then
    commit="$commit (with local changes)"
  fi
else
  commit=$(git --git-dir="$src" rev-parse "$rev^{commit}")
  git --git-dir="$src" archive "$commit" docs/node-mixin | tar -x -C "$tmp"
  mixin=$tmp/docs/node-mixin
fi

for f in alerts rules; do
  {
    echo "# Rendered from github.com/prometheus/node_exporter docs/node-mixin/$f.jsonnet"
    echo "# at commit $commit by scripts/render-node-mixin.sh; do not edit."
    echo "# Copyright The Prometheus Authors, Apache License 2.0 (see LICENSE and NOTICE here)."
    (cd "$mixin" && "$jsonnet" -S "$f.jsonnet")
  } >"$tmp/$f.yml"
  mv "$tmp/$f.yml" "$out/$f.yml"
done

if command -v promtool >/dev/null; then
  promtool check rules "$out/alerts.yml" "$out/rules.yml"
fi
echo "rendered $out/alerts.yml and $out/rules.yml from $commit"
