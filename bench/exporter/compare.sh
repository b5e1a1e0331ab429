#!/usr/bin/env bash
# Process-level comparison of perfwatch-exporter with node_exporter 1.12.1 and
# Debian's node_exporter, same collector set, alternating rounds.
# Usage: bench/exporter/compare.sh [extra flags for bench/exporter, e.g. -gzip]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$bin/perfwatch-exporter" ./cmd/perfwatch-exporter
ne112="$(go env GOPATH)/bin/node_exporter"
if ! "$ne112" --version 2>&1 | grep -q . ; then
  go install github.com/prometheus/node_exporter@v1.12.1
fi
args=(-exporter "perfwatch-exporter=$bin/perfwatch-exporter" -exporter "node_exporter-1.12.1=$ne112")
if [ -x /usr/bin/prometheus-node-exporter ]; then
  args+=(-exporter "node_exporter-1.5(debian)=/usr/bin/prometheus-node-exporter")
fi
go run ./bench/exporter "${args[@]}" "$@"
