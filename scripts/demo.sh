#!/usr/bin/env bash
# make demo: the perfwatch stack as local processes, without Docker or Grafana.
# Builds perfwatch, installs Prometheus and Alertmanager when they are missing (Debian's
# packages where apt is available, otherwise the versions that docker-compose.yml pins,
# built with go), starts everything with its data under .data/demo, prints the URLs, and
# stops every process it started on Ctrl-C.
#
# Safe by default (docs/security.md): every listener binds to PERFWATCH_LISTEN_HOST
# (127.0.0.1), and every one but the demo application's API and the collector's
# DSN-keyed ingest serves TLS and asks for the
# demo password (config/web-config.yml); nothing starts with --web.enable-lifecycle or
# --web.enable-admin-api. The defaults of PERFWATCH_LISTEN_HOST,
# PERFWATCH_RETENTION_TIME and PERFWATCH_RETENTION_SIZE are docker-compose.yml's, so
# both ways of running share one place for them.
#
#   scripts/demo.sh                                  the stack
#   scripts/demo.sh prometheus-config PROMETHEUS DIR only write the Prometheus
#       configuration the demo would run with PROMETHEUS (prometheus or promtool) into DIR
set -euo pipefail
cd "$(dirname "$0")/.."

PROMETHEUS_VERSION=v0.305.0   # Prometheus 3.5.0, as docker-compose.yml's image
PROMETHEUS_RELEASE=3.5.0
ALERTMANAGER_VERSION=v0.28.1
ALERTMANAGER_RELEASE=0.28.1
DATA=.data/demo
ETC=$PWD/$DATA/etc            # the configuration the processes read, with the certificate
TOOLS=$PWD/.cache/bin
LOAD_RPS=${LOAD_RPS:-5}
ALERTMANAGER_CONFIG=${ALERTMANAGER_CONFIG:-alertmanager.yml}
export PATH="$TOOLS:/usr/local/go/bin:$PATH"

# compose_default VAR: the default docker-compose.yml gives ${VAR:-default}.
compose_default() {
  local v
  v=$(sed -n "s/.*\${$1:-\([^}]*\)}.*/\1/p" docker-compose.yml | head -n 1)
  [ -n "$v" ] || { echo "demo.sh: docker-compose.yml has no default for $1" >&2; exit 1; }
  printf '%s' "$v"
}
HOST=${PERFWATCH_LISTEN_HOST:-$(compose_default PERFWATCH_LISTEN_HOST)}
RETENTION_TIME=${PERFWATCH_RETENTION_TIME:-$(compose_default PERFWATCH_RETENTION_TIME)}
RETENTION_SIZE=${PERFWATCH_RETENTION_SIZE:-$(compose_default PERFWATCH_RETENTION_SIZE)}

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# prometheus_config <prometheus or promtool> <dir>: prometheus.yml as the given
# Prometheus reads it, with the files it names, in dir. The shipped file is Prometheus
# 3's; on 2.x the classic-histogram key is each job's scrape_classic_histograms (2.45 to
# 2.55), or absent (before 2.45, which scrapes native histograms only with
# --enable-feature=native-histograms, which the demo does not set).
prometheus_config() {
  local bin=$1 dir=$2 major minor
  read -r major minor < <("$bin" --version 2>&1 | sed -n 's/^[a-z]*, version \([0-9]*\)\.\([0-9]*\)\..*/\1 \2/p;q') || true
  [ -n "${minor:-}" ] || { echo "demo.sh: cannot read the version of $bin" >&2; return 1; }
  mkdir -p "$dir"
  if [ "$major" -ge 3 ]; then
    cp prometheus.yml "$dir/prometheus.yml"
  elif [ "$minor" -ge 45 ]; then
    sed -e '/^[[:space:]]*always_scrape_classic_histograms:/d' \
      -e 's/^\(  - job_name: .*\)$/\1\n    scrape_classic_histograms: true/' prometheus.yml >"$dir/prometheus.yml"
  else
    sed -e '/^[[:space:]]*always_scrape_classic_histograms:/d' prometheus.yml >"$dir/prometheus.yml"
  fi
  ln -sfn "$PWD/rules" "$dir/rules"
  cp config/web-config.yml config/web-password "$dir/"
  chmod 600 "$dir/web-password"
  sh config/stack-init.sh "$dir" >/dev/null
  # amtool's client configuration, with absolute paths: amtool 0.25 (Debian's) resolves
  # relative ones against the folder above the file's.
  dir=$(cd "$dir" && pwd)
  printf 'basic_auth:\n  username: perfwatch\n  password_file: %s/web-password\ntls_config:\n  ca_file: %s/tls/cert.pem\n' \
    "$dir" "$dir" >"$dir/amtool-http.yml"
  # perfwatch-anomaly's client configuration for Prometheus (--prometheus.http-config.file),
  # relative paths as in prometheus.yml: prometheus/common reads them from the file's folder.
  printf 'basic_auth:\n  username: perfwatch\n  password_file: web-password\ntls_config:\n  ca_file: tls/cert.pem\n' \
    >"$dir/anomaly-http.yml"
}

if [ "${1:-}" = prometheus-config ]; then
  prometheus_config "${2:?usage: demo.sh prometheus-config PROMETHEUS DIR}" "${3:?usage: demo.sh prometheus-config PROMETHEUS DIR}"
  exit 0
fi

mkdir -p "$DATA" "$TOOLS"

# find_cmd CMD... prints the first command that exists.
find_cmd() { for c in "$@"; do command -v "$c" >/dev/null 2>&1 && { command -v "$c"; return 0; }; done; return 1; }

ensure() { # ensure <debian package> <go module> <module version> <release> <commands...>
  local pkg=$1 mod=$2 ver=$3 release=$4 src; shift 4
  find_cmd "$@" && return 0
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    log "installing $pkg from Debian" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >&2 ||
      { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >&2; }
    # Debian starts the packaged daemon where systemd runs; the demo runs its own.
    systemctl stop "$pkg" >/dev/null 2>&1 || true
  else
    # Built from the module's source: `go install mod@version` refuses modules with
    # replace directives, which Prometheus's go.mod has. The release is stamped in, as
    # their own builds do, so that --version (read by prometheus_config) tells it.
    log "building ${mod##*/} $release with go" >&2
    src=$(GOFLAGS=-mod=mod go mod download -json "${mod%%/cmd/*}@$ver" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    (cd "$src" && GOFLAGS=-mod=mod go build -ldflags "-X github.com/prometheus/common/version.Version=$release" \
      -o "$TOOLS/${mod##*/}" "./cmd/${mod##*/cmd/}") >&2
  fi
  find_cmd "$@"
}

log "building perfwatch"
for cmd in perfwatch-exporter perfwatch-demo perfwatch-collector perfwatch-anomaly perfwatch-depscan; do go build -o "bin/$cmd" "./cmd/$cmd"; done
PROMETHEUS=$(ensure prometheus github.com/prometheus/prometheus/cmd/prometheus "$PROMETHEUS_VERSION" "$PROMETHEUS_RELEASE" prometheus)
ALERTMANAGER=$(ensure prometheus-alertmanager github.com/prometheus/alertmanager/cmd/alertmanager "$ALERTMANAGER_VERSION" "$ALERTMANAGER_RELEASE" prometheus-alertmanager alertmanager)

if ! command -v openssl >/dev/null; then # the certificate (config/stack-init.sh)
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    log "installing openssl from Debian"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssl ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssl; }
  else
    echo "demo.sh: openssl is needed for the stack's certificate; install it first" >&2
    exit 1
  fi
fi
log "writing the configuration and the certificate into $ETC"
prometheus_config "$PROMETHEUS" "$ETC"
WEB=(--web.config.file="$ETC/web-config.yml")

log "building the offline OSV database for perfwatch-depscan"
if ! scripts/depscan-db.sh "$DATA/osv" >"$DATA/depscan-db.log" 2>&1; then
  [ -d "$DATA/osv/go" ] || { cat "$DATA/depscan-db.log"; exit 1; }
  log "could not refresh it (see $DATA/depscan-db.log); using the one from the last run"
fi

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

start exporter bin/perfwatch-exporter --web.listen-address="$HOST:9110" "${WEB[@]}" --config.file=perfwatch-exporter.yml
start demo bin/perfwatch-demo --web.app-listen-address="$HOST:8080" --web.listen-address="$HOST:9111" "${WEB[@]}" \
  --db.path="$DATA/vault.db" --load.rps="$LOAD_RPS" --errors.state-file="$DATA/demo-errors.json" --load.browser-interval=30s
start collector bin/perfwatch-collector --web.listen-address="$HOST:9114" "${WEB[@]}" --ingest.listen-address="$HOST:9115" \
  --config.file=perfwatch-collector.yml --errors.state-file="$DATA/collector-errors.json"
# The sidecar reads Prometheus with the password from a file and the stack's certificate
# as its CA (anomaly-http.yml, written above): no password on its command line.
start anomaly bin/perfwatch-anomaly --web.listen-address="$HOST:9112" "${WEB[@]}" \
  --config.file=perfwatch-anomaly.yml --prometheus.url=https://localhost:9090 \
  --prometheus.http-config.file="$ETC/anomaly-http.yml" --storage.path="$DATA/anomaly"
# perfwatch itself (every module and lockfile in the repository, the sample Django +
# React project in demo/sample-project included), rescanned when a lockfile changes.
# Registry answers, the database's index and Go licences are cached in $DATA/depscan-cache.
start depscan bin/perfwatch-depscan serve --web.listen-address="$HOST:9113" "${WEB[@]}" \
  --osv.db="$DATA/osv" --scan.dir=. --cache.dir="$DATA/depscan-cache"
start alertmanager "$ALERTMANAGER" --config.file="$ALERTMANAGER_CONFIG" --storage.path="$DATA/alertmanager" \
  --web.listen-address="$HOST:9093" "${WEB[@]}" --web.external-url=https://localhost:9093 --cluster.listen-address=
start prometheus "$PROMETHEUS" --config.file="$ETC/prometheus.yml" --storage.tsdb.path="$DATA/prometheus" \
  --storage.tsdb.retention.time="$RETENTION_TIME" --storage.tsdb.retention.size="$RETENTION_SIZE" \
  --web.listen-address="$HOST:9090" "${WEB[@]}" --web.external-url=https://localhost:9090

sleep 2
for i in "${!pids[@]}"; do
  if ! kill -0 "${pids[$i]}" 2>/dev/null; then
    log "a process exited at start; its log:"
    tail -n 20 "$DATA"/*.log
    exit 1
  fi
done

cat <<TXT

perfwatch is running on $HOST (logs in $DATA/*.log; Ctrl-C stops everything).
Every address but the demo application's and the Sentry DSN's is HTTPS with the certificate
$DATA/etc/tls/cert.pem and asks for user perfwatch with the password in
$DATA/etc/web-password (config/web-password's copy):
  curl --cacert $DATA/etc/tls/cert.pem -u "perfwatch:\$(cat $DATA/etc/web-password)" https://localhost:9090/api/v1/targets

  demo application   http://localhost:8080/   (browser app with real-user monitoring: /app/)
  demo metrics       https://localhost:9111/metrics
  demo error groups  https://localhost:9111/errors/   (JSON: /api/errors/groups)
  error collector    https://localhost:9114/errors/   (Sentry DSN: http://perfwatchdemobackendkey@localhost:9115/1)
  host exporter      https://localhost:9110/metrics
  anomaly sidecar    https://localhost:9112/metrics   (recommendations: /api/v1/recommendations)
  dependency scanner https://localhost:9113/metrics   (report: /api/v1/report)
  Prometheus         https://localhost:9090/   (alerts: /alerts, targets: /targets)
  Alertmanager       https://localhost:9093/   (amtool --alertmanager.url=https://localhost:9093 --http.config.file=$DATA/etc/amtool-http.yml ...)

Dashboards need Grafana: 'docker compose up' provisions them, or import the JSON files
in dashboards/ into any Grafana with a Prometheus datasource at https://localhost:9090
(basic auth, the certificate above as its CA).
TXT
wait -n
log "a process exited; its log:"
tail -n 20 "$DATA"/*.log
