# Builds every perfwatch command into one small image; docker-compose.yml picks the
# command per service.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
COPY instrument/go.mod instrument/go.sum instrument/
COPY instrument/otelexemplar/go.mod instrument/otelexemplar/go.sum instrument/otelexemplar/
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ ./cmd/...

FROM alpine:3.22
RUN apk add --no-cache ca-certificates
COPY --from=build /out/ /usr/local/bin/
COPY perfwatch-exporter.yml perfwatch-collector.yml perfwatch-anomaly.yml /etc/perfwatch/
RUN mkdir -p /var/lib/perfwatch && chown 65534:65534 /var/lib/perfwatch
USER 65534:65534
ENTRYPOINT []
