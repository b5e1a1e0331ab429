#!/bin/sh
# stack-init.sh DIR [GRAFANA_PASSWORD_FILE]: the first-start secrets of the perfwatch
# stack, made only where they are missing, so a restart keeps them and your own files
# are never replaced:
# - DIR/tls/cert.pem and DIR/tls/key.pem: a self-signed certificate (ECDSA P-256, two
#   years) for localhost, 127.0.0.1 and ::1, which config/web-config.yml serves and
#   Prometheus and Grafana trust as their CA;
# - GRAFANA_PASSWORD_FILE, when given: a random Grafana admin password.
# docker-compose.yml runs it in its init service, `make demo` before it starts anything.
# POSIX sh, as Alpine's; needs openssl.
set -eu
dir=${1:?usage: stack-init.sh DIR [GRAFANA_PASSWORD_FILE]}
umask 077
mkdir -p "$dir/tls"
# Readable folders: the certificate is for everyone, the key file itself is not.
chmod 755 "$dir/tls"
if [ ! -s "$dir/tls/cert.pem" ] || [ ! -s "$dir/tls/key.pem" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 730 \
    -subj "/CN=perfwatch" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
    -keyout "$dir/tls/key.pem.tmp" -out "$dir/tls/cert.pem.tmp" 2>/dev/null
  mv "$dir/tls/key.pem.tmp" "$dir/tls/key.pem"
  mv "$dir/tls/cert.pem.tmp" "$dir/tls/cert.pem"
  # The certificate is public: Grafana (another user in compose) reads it as its CA.
  chmod 644 "$dir/tls/cert.pem"
  echo "stack-init: made a self-signed certificate in $dir/tls"
fi
if [ $# -ge 2 ] && [ ! -s "$2" ]; then
  mkdir -p "$(dirname "$2")"
  chmod 755 "$(dirname "$2")"
  openssl rand -base64 18 | tr -d '\n' >"$2.tmp"
  # Grafana runs as its own user in compose; only its container mounts this volume.
  chmod 444 "$2.tmp"
  mv "$2.tmp" "$2"
  echo "stack-init: made a Grafana admin password in $2"
fi
