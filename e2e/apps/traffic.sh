#!/bin/sh
# Drive a fixed mix of traffic at one of the e2e apps (the mix behind testdata/*.prom).
#   traffic.sh django BASE_URL            e.g. http://127.0.0.1:8000
#   traffic.sh node BASE_URL METRICS_URL  e.g. http://127.0.0.1:8080 http://127.0.0.1:8081/metrics
set -eu
kind=$1 base=$2
get() { curl -s -o /dev/null "$@"; }
rep() { n=$1; shift; i=0; while [ $i -lt "$n" ]; do get "$@"; i=$((i + 1)); done; }

case $kind in
django)
  rep 5 "$base/"
  rep 10 "$base/items/"
  rep 3 -X POST -d name=posted "$base/items/"
  for id in 1 2 3 4 5; do get "$base/items/$id/"; done
  rep 3 "$base/items/999/"                 # Http404 raised in a matched view
  rep 5 "$base/items/with-category/"       # N+1
  for i in 1 2 3 4; do get "$base/slow/" & done; wait
  rep 10 "$base/flaky/"                    # 2 of 10 raise -> 500
  rep 5 "$base/cached/a/"                  # 1 miss, 4 hits
  rep 3 "$base/cached/b/"                  # 1 miss, 2 hits
  rep 3 "$base/no/such/path"               # no view matched -> 404
  rep 2 "$base/items"                      # APPEND_SLASH redirect (301)
  get -I "$base/items/"                    # HEAD
  get -X FOO "$base/"                      # non-standard method
  rep 2 "$base/metrics"                    # scrapes, to see whether they count as traffic
  ;;
node)
  metrics=$3
  rep 5 "$base/"
  rep 10 "$base/items"
  rep 3 -X POST -H 'content-type: application/json' -d '{"name":"posted"}' "$base/items"
  for id in 1 2 3 4 5; do get "$base/items/$id"; done
  rep 3 "$base/items/999"                  # 404 from a matched route
  for i in 1 2 3 4; do get "$base/slow" & done; wait
  rep 10 "$base/flaky"                     # 2 of 10 -> 500
  rep 2 "$base/boom"                       # thrown error -> 500 from express's handler
  rep 3 "$base/no/such/path"               # no route matched -> 404
  get -I "$base/items"                     # HEAD
  get -X FOO "$base/"                      # non-standard method
  rep 2 "$metrics"                         # scrapes, to see whether they count as traffic
  ;;
*) echo "usage: $0 django|node BASE_URL [METRICS_URL]" >&2; exit 2 ;;
esac
