// Package instrument is the library a Go web application imports to be measured by
// perfwatch: HTTP server middleware that times every request by route template, and
// the per-request Scope that database, cache and error instrumentation hook into.
//
// Metric names and labels follow the OpenTelemetry HTTP semantic conventions in their
// Prometheus form (http_server_request_duration_seconds{http_request_method,
// http_route, http_response_status_code}), so rules and dashboards built for perfwatch
// also work for any OpenTelemetry-instrumented service. perfwatch's docs/metrics.md
// lists every metric; docs/instrument.md describes the packages:
//
//   - instrument: the Middleware, Route and SetRoute, the Scope and Hook;
//   - instrument/gorillamux: gorilla/mux routers;
//   - instrument/sqlmon: database/sql queries per request, N+1 detection;
//   - instrument/sqlfingerprint: SQL statements without their values, per dialect;
//   - instrument/cachemon: cache hits and misses;
//   - instrument/otelexemplar (a module of its own): trace ids as exemplars.
package instrument
