'use strict';
// OpenTelemetry set up the standard way, loaded before the app with
// `node --require ./otel.js server.js`: NodeSDK, the http and express
// instrumentations, and the Prometheus exporter serving /metrics on its own
// port (METRICS_PORT, default 9464 as the exporter's own default).
//
// The semantic conventions are chosen by the environment, as for any
// OpenTelemetry JS service: OTEL_SEMCONV_STABILITY_OPT_IN=http for the
// stable ones (run-node.sh sets it unless told otherwise); unset for the old
// ones (http_server_duration in milliseconds).

// No collector in the tests: traces and logs go nowhere, only metrics are
// exported (by the Prometheus reader below).
process.env.OTEL_TRACES_EXPORTER ??= 'none';
process.env.OTEL_LOGS_EXPORTER ??= 'none';
process.env.OTEL_SERVICE_NAME ??= 'perfwatch-e2e-node';

const { NodeSDK } = require('@opentelemetry/sdk-node');
const { PrometheusExporter } = require('@opentelemetry/exporter-prometheus');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express');

const metricsPort = Number(process.env.METRICS_PORT || 9464);
const metricsHost = process.env.METRICS_HOST || '127.0.0.1';

const exporter = new PrometheusExporter({ host: metricsHost, port: metricsPort }, (err) => {
  if (err) {
    console.error(`prometheus exporter: ${err}`);
    process.exit(1);
  }
});

const sdk = new NodeSDK({
  metricReader: exporter,
  instrumentations: [new HttpInstrumentation(), new ExpressInstrumentation()],
});
sdk.start();

module.exports = { sdk, metricsPort, metricsHost };
