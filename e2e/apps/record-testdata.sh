#!/bin/sh
# Re-record testdata/*.prom: start each app (and each OpenTelemetry JS line and
# semconv mode), drive traffic.sh's fixed mix, save the raw /metrics, stop it.
#   record-testdata.sh [BASE_PORT]   (default 18080; uses BASE_PORT..BASE_PORT+2)
set -eu
cd "$(dirname "$0")"
port=${1:-18080}
wait_up() { i=0; until curl -sf "$1" >/dev/null; do i=$((i + 1)); [ $i -lt 100 ] || { echo "not up: $1" >&2; exit 1; }; sleep 0.1; done; }

django() {
  ./run-django.sh $((port + 2)) >/dev/null 2>&1 & pid=$!
  wait_up "http://127.0.0.1:$((port + 2))/"
  ./traffic.sh django "http://127.0.0.1:$((port + 2))"
  sleep 0.3
  curl -s "http://127.0.0.1:$((port + 2))/metrics" > testdata/django-prometheus.prom
  kill -TERM $pid; wait $pid || true
}

node() { # app semconv out
  NODE_OTEL_APP=$1 OTEL_SEMCONV_STABILITY_OPT_IN=$2 ./run-node.sh $port $((port + 1)) >/dev/null 2>&1 & pid=$!
  wait_up "http://127.0.0.1:$port/"
  ./traffic.sh node "http://127.0.0.1:$port" "http://127.0.0.1:$((port + 1))/metrics"
  sleep 0.3
  curl -s "http://127.0.0.1:$((port + 1))/metrics" > "testdata/$3.prom"
  kill -TERM $pid; wait $pid || true
}

django
node node-otel http otel-js-0.223-stable
node node-otel "" otel-js-0.223-default
node node-otel-0.220 http otel-js-0.220-stable
node node-otel-0.220 "" otel-js-0.220-default
node node-otel-0.220 http/dup otel-js-0.220-dup
ls -l testdata
