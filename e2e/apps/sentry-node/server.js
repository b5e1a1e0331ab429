'use strict';
// A small Node HTTP app reporting its errors through @sentry/node (pinned in
// package.json) to perfwatch-collector's Sentry-compatible ingest (issue #13).
//   SENTRY_DSN=http://KEY@127.0.0.1:PORT/PROJECT node server.js APP_PORT
// Routes:
//   GET /                  ok
//   GET /orders/:id        throws a TypeError (unhandled: answered 500, captured by the SDK's handler)
//   GET /wrapped/:id       throws an Error whose cause is a RangeError (a chain of two)
//   GET /handled/:id       catches a SyntaxError and reports it with captureException
//   GET /message           captureMessage at warning level
//   GET /info              captureMessage at info level (not an error)
// Each event is flushed before the response ends, so a test need not wait.
const Sentry = require('@sentry/node');

Sentry.init({
  dsn: process.env.SENTRY_DSN,
  release: process.env.SENTRY_RELEASE || 'shop-node@2.0.1',
  environment: 'e2e',
  sendDefaultPii: true, // the ingest must drop what this sends: cookies, headers, user
  tracesSampleRate: Number(process.env.SENTRY_TRACES_SAMPLE_RATE || 0),
});

const http = require('node:http');

const port = Number(process.argv[2] || process.env.PORT || 8080);
const host = process.env.HOST || '127.0.0.1';

function lookupTotal(order) {
  return order.items.length; // order is undefined: TypeError
}

function parseLimit(s) {
  const n = Number(s);
  if (n > 100) throw new RangeError(`limit ${n} out of range`);
  return n;
}

const routes = [
  [/^\/$/, '/', () => ({ app: 'perfwatch-e2e-sentry-node' })],
  [/^\/orders\/(\d+)$/, '/orders/:id', () => ({ total: lookupTotal(undefined) })],
  [/^\/wrapped\/(\d+)$/, '/wrapped/:id', (id) => {
    try {
      parseLimit(1000 + Number(id));
    } catch (e) {
      throw new Error(`config for order ${id} unavailable`, { cause: e });
    }
  }],
  [/^\/handled\/(\d+)$/, '/handled/:id', (id) => {
    try {
      JSON.parse(`{not json ${id}`);
    } catch (e) {
      Sentry.captureException(e);
    }
    return { handled: true };
  }],
  [/^\/message$/, '/message', () => {
    Sentry.captureMessage('payment provider slow for order 1234', 'warning');
    return { message: true };
  }],
  [/^\/info$/, '/info', () => {
    Sentry.captureMessage('cache warmed', 'info');
    return { info: true };
  }],
];

const server = http.createServer(async (req, res) => {
  const pathname = req.url.split('?')[0];
  for (const [re, route, handler] of routes) {
    const m = re.exec(pathname);
    if (!m) continue;
    Sentry.getCurrentScope().setTransactionName(`${req.method} ${route}`);
    Sentry.setUser({ id: m[1] || 'anon', email: 'alice@example.com' });
    let status = 200;
    let body;
    try {
      body = handler(m[1]);
    } catch (e) {
      Sentry.withScope((scope) => {
        scope.setContext('response', { status_code: 500 });
        scope.captureException(e, { mechanism: { type: 'perfwatch-e2e', handled: false } });
      });
      status = 500;
      body = { error: 'internal error' };
    }
    await Sentry.flush(5000);
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
    return;
  }
  res.writeHead(404, { 'Content-Type': 'application/json' });
  res.end('{"error":"not found"}');
});

server.listen(port, host, () => console.log(`listening on http://${host}:${port}`));

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: shutting down`);
  server.close();
  Sentry.close(2000).finally(() => process.exit(0));
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
// Stop when the parent goes away (re-parented), as the other e2e apps do.
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) stop('parent gone'); }, 250).unref();
