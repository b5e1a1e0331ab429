'use strict';
// A small express application for perfwatch's end-to-end tests (issue #12).
// Start: node --require ./otel.js server.js PORT   (or PORT=... in the env)
// Routes:
//   GET  /                 index, fast
//   GET  /items            fast list
//   GET  /items/:id        route with a parameter; 404 (matched route) for an unknown id
//   POST /items            JSON body, 201
//   GET  /slow             sleeps 0.6-1.5 s, deterministic by a counter
//   GET  /flaky            500 on every 5th request (20 %), deterministic by a counter
//   GET  /boom             throws; express's error handler answers 500
//   anything else          express's default 404 (no route matched)
const express = require('express');
const { sdk, metricsPort, metricsHost } = require('./otel.js');

const port = Number(process.argv[2] || process.env.PORT || 8080);
const host = process.env.HOST || '127.0.0.1';

const items = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, name: `item ${i + 1}` }));
const slowDelays = [600, 900, 1200, 1500];
let slowCount = 0;
let flakyCount = 0;

const app = express();
app.use(express.json());

app.get('/', (req, res) => res.json({ app: 'perfwatch-e2e-node', routes: ['/items', '/items/:id', '/slow', '/flaky', '/boom'] }));
app.get('/items', (req, res) => res.json(items));
app.get('/items/:id', (req, res) => {
  const item = items.find((it) => it.id === Number(req.params.id));
  if (!item) return res.status(404).json({ error: 'no such item' });
  res.json(item);
});
app.post('/items', (req, res) => {
  const item = { id: items.length + 1, name: String((req.body && req.body.name) || 'new') };
  res.status(201).json(item);
});
app.get('/slow', (req, res) => {
  const delay = slowDelays[slowCount++ % slowDelays.length];
  setTimeout(() => res.json({ slept_ms: delay }), delay);
});
app.get('/flaky', (req, res) => {
  flakyCount++;
  if (flakyCount % 5 === 0) return res.status(500).json({ error: 'flaky failure', n: flakyCount });
  res.json({ ok: true, n: flakyCount });
});
app.get('/boom', () => {
  throw new Error('boom');
});

const server = app.listen(port, host, () => {
  console.log(`listening on http://${host}:${port}, metrics on http://${metricsHost}:${metricsPort}/metrics`);
});

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: shutting down`);
  server.close();
  server.closeAllConnections();
  const done = () => process.exit(0);
  sdk.shutdown().then(done, done);
  setTimeout(done, 2000).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
// Backstop for harnesses that signal a wrapper rather than node itself: stop
// when the parent goes away (we are re-parented).
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stop('parent exited');
}, 250).unref();
