#!/usr/bin/env bash
# Install what the backend end-to-end apps under e2e/apps need (issue #12):
#   Debian: python3-django (3.2) and python3-django-prometheus (2.2.0), for
#           Debian's /usr/bin/python3 (pulls python3-prometheus-client 0.16.0;
#           SQLite is Python's built-in sqlite3); python3-sentry-sdk (1.9.10) for
#           e2e/apps/sentry-django (issue #13)
#   npm:    the pinned OpenTelemetry JS apps, and @sentry/node for
#           e2e/apps/sentry-node (issue #13), from their committed lockfiles
# Idempotent: skips what is already there. Needs root for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! /usr/bin/python3 -c 'import django, django_prometheus, sentry_sdk' 2>/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  pkgs=(python3-django python3-django-prometheus python3-sentry-sdk)
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null; }
fi

for app in node-otel node-otel-0.220 sentry-node; do
  dir=e2e/apps/$app
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
  fi
done
