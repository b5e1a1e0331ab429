#!/usr/bin/env bash
# The scaling figures of docs/scaling.md: one Prometheus scraping the demo's series
# multiplied by bench/scaling/copies, alone or remote-writing to VictoriaMetrics.
#
#   bench/scaling/run.sh COPIES [local|remote] [SECONDS]
#
# It builds perfwatch-demo and copies, starts the demo with traffic, COPIES copies of its
# /metrics, Prometheus (Debian's, scrape interval 1 s; --storage.tsdb.min/max-block-duration
# of 2 m, so that blocks are cut within the run and their size per sample can be read)
# and, for "remote", VictoriaMetrics from .cache/bin (make victoriametrics); lets it run
# SECONDS (default 300) and prints samples/s ingested, CPU, scrape health, remote-write
# lag and bytes per sample on disk. Everything listens on 127.0.0.1; data and logs go
# to .cache/scaling/.
set -euo pipefail
cd "$(dirname "$0")/../.."
copies=${1:?usage: run.sh COPIES [local|remote] [SECONDS]}
mode=${2:-local}
secs=${3:-300}
work=.cache/scaling/$mode-$copies
rm -rf "$work" && mkdir -p "$work/bin"
go build -o "$work/bin/perfwatch-demo" ./cmd/perfwatch-demo
go build -o "$work/bin/copies" ./bench/scaling/copies

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

"$work/bin/perfwatch-demo" --web.app-listen-address=127.0.0.1:19180 --web.listen-address=127.0.0.1:19181 \
  --load.rps=40 --load.fault-share=0.1 >"$work/demo.log" 2>&1 & pids+=($!)
sleep 2
"$work/bin/copies" --web.listen-address=127.0.0.1:19190 --upstream.url=http://127.0.0.1:19181/metrics \
  --copies="$copies" >"$work/copies.log" 2>&1 & pids+=($!)

targets=$(for i in $(seq 0 $((copies - 1))); do printf '{"targets":["127.0.0.1:19190"],"labels":{"__metrics_path__":"/copy/%d/metrics","job":"copies","instance":"copy-%d"}},' "$i" "$i"; done)
echo "[${targets%,}]" >"$work/targets.json"
cat >"$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: prometheus
    static_configs: [{targets: ['127.0.0.1:19090']}]
  - job_name: copies
    file_sd_configs: [{files: ['$PWD/$work/targets.json']}]
YAML
if [ "$mode" = remote ]; then
  vm=${VICTORIA_METRICS_BIN:-.cache/bin/victoria-metrics}
  "$vm" -storageDataPath="$work/victoria-data" -httpListenAddr=127.0.0.1:18428 -retentionPeriod=1d \
    -loggerLevel=WARN >"$work/victoria-metrics.log" 2>&1 & pids+=($!)
  cat >>"$work/prometheus.yml" <<YAML
  - job_name: victoria-metrics
    static_configs: [{targets: ['127.0.0.1:18428']}]
remote_write:
  - url: http://127.0.0.1:18428/api/v1/write
YAML
fi
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prometheus-data" \
  --web.listen-address=127.0.0.1:19090 --storage.tsdb.min-block-duration=2m --storage.tsdb.max-block-duration=2m \
  --log.level=warn >"$work/prometheus.log" 2>&1 & pids+=($!)

q() { # an instant PromQL query on Prometheus (or $2), the first value
  curl -sfg "${2:-http://127.0.0.1:19090}/api/v1/query" --data-urlencode "query=$1" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")'
}
echo "running $copies copies ($mode) for ${secs}s ..."
sleep "$secs"
echo "copies:                    $copies"
echo "series in the head:        $(q 'prometheus_tsdb_head_series')"
echo "samples per copy scrape:   $(q 'avg(scrape_samples_scraped{job="copies"})')"
echo "samples/s appended (1m):   $(q 'rate(prometheus_tsdb_head_samples_appended_total[1m])')"
echo "Prometheus CPU (cores,1m): $(q 'rate(process_cpu_seconds_total{job="prometheus"}[1m])')"
echo "Prometheus RSS (bytes):    $(q 'process_resident_memory_bytes{job="prometheus"}')"
echo "copies up (of $copies):      $(q 'sum(up{job="copies"})')"
echo "scrape duration p99 (s):   $(q 'quantile(0.99, scrape_duration_seconds{job="copies"})')"
echo "interval p99 (s, want 1):  $(q 'max(prometheus_target_interval_length_seconds{quantile="0.99"})')"
echo "system load (1m):          $(cut -d' ' -f1 /proc/loadavg)"
# Bytes per sample in the compacted blocks (the head and WAL excluded).
python3 - "$work/prometheus-data" <<'PY'
import json, os, sys
root = sys.argv[1]; size = samples = 0
for d in os.listdir(root):
    meta = os.path.join(root, d, "meta.json")
    if not os.path.exists(meta):
        continue
    samples += json.load(open(meta))["stats"]["numSamples"]
    for dp, _, fs in os.walk(os.path.join(root, d)):
        size += sum(os.path.getsize(os.path.join(dp, f)) for f in fs)
print("Prometheus blocks:         %d bytes, %d samples, %s bytes/sample" % (size, samples, "%.2f" % (size / samples) if samples else "n/a"))
PY
if [ "$mode" = remote ]; then
  vmurl=http://127.0.0.1:18428
  echo "remote-write lag (s):      $(q 'max(prometheus_remote_storage_highest_timestamp_in_seconds) - ignoring(remote_name, url) group_right max(prometheus_remote_storage_queue_highest_sent_timestamp_seconds)')"
  echo "samples pending:           $(q 'sum(prometheus_remote_storage_samples_pending)')"
  echo "samples failed (total):    $(q 'sum(prometheus_remote_storage_samples_failed_total)')"
  echo "VM rows/s inserted (1m):   $(q 'sum(rate(vm_rows_inserted_total[1m]))')"
  echo "VM CPU (cores,1m):         $(q 'rate(process_cpu_seconds_total{job="victoria-metrics"}[1m])')"
  echo "VM RSS (bytes):            $(q 'process_resident_memory_bytes{job="victoria-metrics"}')"
  curl -sf "$vmurl/internal/force_flush" >/dev/null
  sleep 3 # two scrapes of VictoriaMetrics after the flush
  echo "VM bytes/sample on disk:   $(q 'sum(vm_data_size_bytes{type=~"storage/.*"}) / sum(vm_rows{type=~"storage/.*"})')"
  echo "VM data dir (du):          $(du -sb "$work/victoria-data" | cut -f1) bytes"
fi
