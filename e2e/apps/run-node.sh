#!/bin/sh
# Start the OpenTelemetry JS express app in the foreground (exec, so SIGTERM
# reaches node directly).
#   run-node.sh PORT [METRICS_PORT]
# The app listens on 127.0.0.1:PORT; the Prometheus exporter serves /metrics on
# 127.0.0.1:METRICS_PORT (default PORT+1).
# Environment:
#   OTEL_SEMCONV_STABILITY_OPT_IN  default "http" (stable conventions); "" for the
#                                  SDK's default, "http/dup" for both.
#   NODE_OTEL_APP                  node-otel (default: OpenTelemetry JS 0.223) or
#                                  node-otel-0.220 (same app on 0.220, the last line
#                                  that still has the old conventions).
# Needs `npm ci --prefix e2e/apps/$NODE_OTEL_APP` first.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 PORT [METRICS_PORT]" >&2; exit 2; }
app=${NODE_OTEL_APP:-node-otel}
dir=$(cd "$(dirname "$0")/$app" && pwd)
[ -d "$dir/node_modules" ] || { echo "$0: $dir/node_modules missing; run: npm ci --prefix e2e/apps/$app" >&2; exit 1; }
PORT=$1
METRICS_PORT=${2:-$((PORT + 1))}
export PORT METRICS_PORT
export OTEL_SEMCONV_STABILITY_OPT_IN="${OTEL_SEMCONV_STABILITY_OPT_IN-http}"
cd "$dir"
# --preserve-symlinks: node-otel-0.220's otel.js and server.js are symlinks to
# node-otel's and must load their packages from node-otel-0.220/node_modules.
exec node --preserve-symlinks --preserve-symlinks-main --require ./otel.js server.js "$PORT"
