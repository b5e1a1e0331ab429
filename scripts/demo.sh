#!/usr/bin/env bash
# make demo: the perfwatch stack as local processes, without Docker or Grafana.
# Builds perfwatch, installs Prometheus and Alertmanager when they are missing (Debian's
# packages where apt is available, otherwise `go install` of the versions that
# docker-compose.yml pins), starts everything with its data under .data/demo, prints the
# URLs, and stops every process it started on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

PROMETHEUS_VERSION=v0.305.0   # Prometheus 3.5.0, as docker-compose.yml's image
ALERTMANAGER_VERSION=v0.28.1
DATA=.data/demo
TOOLS=$PWD/.cache/bin
LOAD_RPS=${LOAD_RPS:-5}
ALERTMANAGER_CONFIG=${ALERTMANAGER_CONFIG:-alertmanager.yml}
mkdir -p "$DATA" "$TOOLS"
export PATH="$TOOLS:/usr/local/go/bin:$PATH"

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# find_or_install CMD... sets $found to the first command that exists, installing the
# Debian package or the Go module when none does.
find_cmd() { for c in "$@"; do command -v "$c" >/dev/null 2>&1 && { command -v "$c"; return 0; }; done; return 1; }

ensure() { # ensure <debian package> <go module@version> <commands...>
  local pkg=$1 mod=$2; shift 2
  find_cmd "$@" && return 0
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    log "installing $pkg from Debian" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >&2 ||
      { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >&2; }
    # Debian starts the packaged daemon where systemd runs; the demo runs its own.
    systemctl stop "$pkg" >/dev/null 2>&1 || true
  else
    log "installing $mod with go install" >&2
    GOBIN=$TOOLS go install "$mod" >&2
  fi
  find_cmd "$@"
}

log "building perfwatch"
for cmd in perfwatch-exporter perfwatch-demo perfwatch-collector perfwatch-anomaly; do go build -o "bin/$cmd" "./cmd/$cmd"; done
PROMETHEUS=$(ensure prometheus "github.com/prometheus/prometheus/cmd/prometheus@$PROMETHEUS_VERSION" prometheus)
ALERTMANAGER=$(ensure prometheus-alertmanager "github.com/prometheus/alertmanager/cmd/alertmanager@$ALERTMANAGER_VERSION" prometheus-alertmanager alertmanager)

pids=()
cleanup() {
  trap - INT TERM EXIT
  log "stopping"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

start() { # start <name> <command...>: output goes to .data/demo/<name>.log
  local name=$1; shift
  "$@" >"$DATA/$name.log" 2>&1 &
  pids+=($!)
}

start exporter bin/perfwatch-exporter --web.listen-address=:9110 --config.file=perfwatch-exporter.yml
start demo bin/perfwatch-demo --web.app-listen-address=:8080 --web.listen-address=:9111 \
  --db.path="$DATA/vault.db" --load.rps="$LOAD_RPS" --errors.state-file="$DATA/demo-errors.json" --load.browser-interval=30s
start collector bin/perfwatch-collector --web.listen-address=:9114 --ingest.listen-address=:9115 \
  --config.file=perfwatch-collector.yml --errors.state-file="$DATA/collector-errors.json"
start anomaly bin/perfwatch-anomaly --web.listen-address=:9112 --config.file=perfwatch-anomaly.yml \
  --prometheus.url=http://localhost:9090 --storage.path="$DATA/anomaly"
start alertmanager "$ALERTMANAGER" --config.file="$ALERTMANAGER_CONFIG" --storage.path="$DATA/alertmanager" \
  --web.listen-address=:9093 --cluster.listen-address=
start prometheus "$PROMETHEUS" --config.file=prometheus.yml --storage.tsdb.path="$DATA/prometheus" \
  --storage.tsdb.retention.time=30d --web.listen-address=:9090 --web.enable-lifecycle

sleep 2
for i in "${!pids[@]}"; do
  if ! kill -0 "${pids[$i]}" 2>/dev/null; then
    log "a process exited at start; its log:"
    tail -n 20 "$DATA"/*.log
    exit 1
  fi
done

cat <<TXT

perfwatch is running (logs in $DATA/*.log; Ctrl-C stops everything):

  demo application   http://localhost:8080/   (browser app with real-user monitoring: /app/)
  demo metrics       http://localhost:9111/metrics
  demo error groups  http://localhost:9111/errors/   (JSON: /api/errors/groups)
  error collector    http://localhost:9114/errors/   (Sentry DSN: http://perfwatchdemobackendkey@localhost:9115/1)
  host exporter      http://localhost:9110/metrics
  anomaly sidecar    http://localhost:9112/metrics   (recommendations: /api/v1/recommendations)
  Prometheus         http://localhost:9090/   (alerts: /alerts, targets: /targets)
  Alertmanager       http://localhost:9093/

Dashboards need Grafana: 'docker compose up' provisions them, or import the JSON files
in dashboards/ into any Grafana with a Prometheus datasource at http://localhost:9090.
TXT
wait -n
log "a process exited; its log:"
tail -n 20 "$DATA"/*.log
