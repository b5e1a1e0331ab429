#!/bin/sh
# Start the django-prometheus e2e app in the foreground (exec, so SIGTERM
# reaches python directly); /metrics is on the same port.
#   run-django.sh PORT
# Runs with Debian's Python (/usr/bin/python3, with python3-django and
# python3-django-prometheus), whatever python3 is first on PATH.
# DJANGO_DB_PATH: the SQLite file (default: a fresh file under $TMPDIR).
set -eu
[ $# -ge 1 ] || { echo "usage: $0 PORT" >&2; exit 2; }
dir=$(cd "$(dirname "$0")/django" && pwd)
PY=${DJANGO_PYTHON:-/usr/bin/python3}
"$PY" -c 'import django, django_prometheus' 2>/dev/null || {
  echo "$0: $PY lacks django/django_prometheus; run: apt-get install -y python3-django python3-django-prometheus" >&2; exit 1; }
export PYTHONDONTWRITEBYTECODE=1
exec "$PY" "$dir/serve.py" "$1"
