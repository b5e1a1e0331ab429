# Builds every perfwatch command into one small image; docker-compose.yml picks the
# command per service. The image also carries perfwatch-depscan's offline OSV database,
# made at build time by scripts/depscan-db.sh (rebuild to refresh it), and the stack's
# first-start script (config/stack-init.sh, with openssl for the certificate).
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
COPY instrument/go.mod instrument/go.sum instrument/
COPY instrument/otelexemplar/go.mod instrument/otelexemplar/go.sum instrument/otelexemplar/
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ ./cmd/...
RUN scripts/depscan-db.sh /osv

FROM alpine:3.22
RUN apk add --no-cache ca-certificates openssl
COPY --from=build /out/ /usr/local/bin/
COPY --from=build /osv/ /usr/share/perfwatch/osv/
COPY config/stack-init.sh /usr/local/bin/stack-init.sh
COPY perfwatch-exporter.yml perfwatch-collector.yml perfwatch-anomaly.yml /etc/perfwatch/
# Owned by the user the services run as, so that the volumes compose mounts here start
# out writable by it (init writes the certificate and Grafana's password into them).
RUN mkdir -p /var/lib/perfwatch /etc/perfwatch/tls /etc/perfwatch/grafana && \
    chown 65534:65534 /var/lib/perfwatch /etc/perfwatch/tls /etc/perfwatch/grafana
USER 65534:65534
ENTRYPOINT []
