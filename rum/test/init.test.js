import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeBrowser, tick } from './browser.js';

const b = fakeBrowser();
const fetchCalls = [];
globalThis.fetch = async function (input, init) {
  fetchCalls.push([input, init]);
  if (String(input).includes('fail')) throw new TypeError('Failed to fetch');
  return new Response('{}', { status: 200 });
};
const origFetch = globalThis.fetch;
const navEntry = {
  type: 'navigate',
  startTime: 0,
  domainLookupStart: 1,
  domainLookupEnd: 3.25,
  connectStart: 3.25,
  secureConnectionStart: 5,
  connectEnd: 12,
  responseStart: 80.04,
  domInteractive: 300,
  loadEventEnd: 0,
};
const getEntriesByType = performance.getEntriesByType.bind(performance);
performance.getEntriesByType = (t) => (t === 'navigation' ? [{ ...navEntry }] : getEntriesByType(t));
const { init } = await import('../src/index.js');

const rum = init({
  pages: ['/items/{id}', '/vaults/{vault}'],
  apiRoutes: ['/api/items/{id}'],
  endpoint: '/rum/v1/beacon',
});

const KNOWN = new Set(['vital', 'error', 'api', 'nav', 'resource', 'measure']);
function checkSchema(body) {
  assert.equal(body.v, 1);
  assert.equal(typeof body.page, 'string');
  assert.ok(['navigate', 'reload', 'back_forward', 'prerender', 'restore', 'spa'].includes(body.nav), body.nav);
  assert.ok(Array.isArray(body.events) && body.events.length > 0 && body.events.length <= 100);
  for (const e of body.events) {
    assert.ok(KNOWN.has(e.t), e.t);
    assert.notEqual(e.name, 'FID');
    for (const [k, v] of Object.entries(e)) {
      if (typeof v === 'string') assert.ok(!v.includes('?') && !v.includes('secret'), `${k}=${v}`);
    }
  }
}

test('init returns one instance with flush, and wraps fetch', () => {
  assert.equal(typeof rum.flush, 'function');
  assert.equal(rum.sampled, true);
  assert.equal(init({}), rum, 'second init returns the first instance');
  assert.notEqual(globalThis.fetch, origFetch);
});

test('navigation timing is read when sent, not at init', () => {
  navEntry.loadEventEnd = 620.94;
});

test('a view: API calls, errors (deduplicated), measures; sent when hidden', async () => {
  await fetch('/api/items/7?token=secret');
  await fetch('https://api.example/api/users/3f2504e0-4f89-11d3-9a0c-0305e82c3301/vault');
  await assert.rejects(fetch('/api/fail/1'), TypeError);
  await tick();

  const err = new TypeError('item 12 is undefined');
  err.stack = 'TypeError: item 12 is undefined\n    at render (https://shop.example/app.js?v=2:1:100)';
  for (let i = 0; i < 3; i++) {
    dispatchEvent(Object.assign(new Event('error'), { error: err, message: err.message }));
  }
  dispatchEvent(Object.assign(new Event('unhandledrejection'), { reason: 'timeout after 3000 ms' }));

  performance.measure('perfwatch:ItemList', { start: 0, duration: 12.34 });
  performance.measure('other:ignored', { start: 0, duration: 1 });
  await tick();

  b.hide();
  const sent = await b.read();
  assert.equal(sent.length, 1);
  const { url, body } = sent[0];
  assert.deepEqual(body.events.filter((e) => e.t === 'nav').length, 1, 'one nav event: the page view');
  assert.deepEqual(body.events[0], { t: 'nav', dns: 2.3, connect: 8.8, tls: 7, ttfb: 80, dom_interactive: 300, load: 620.9 });
  assert.equal(url, 'https://shop.example/rum/v1/beacon');
  checkSchema(body);
  assert.equal(body.page, '/items/{id}');
  assert.equal(body.nav, 'navigate');
  const api = body.events.filter((e) => e.t === 'api');
  assert.deepEqual(
    api.map((e) => [e.method, e.route, e.status]),
    [
      ['GET', '/api/items/{id}', 200],
      ['GET', '/api/users/{id}/vault', 200],
      ['GET', '/api/fail/{id}', 0],
    ],
  );
  for (const e of api) assert.ok(e.duration >= 0);
  const errors = body.events.filter((e) => e.t === 'error');
  assert.equal(errors.length, 2);
  assert.equal(errors[0].type, 'TypeError');
  assert.equal(errors[0].message, 'item <n> is undefined');
  assert.equal(errors[0].count, 3);
  assert.deepEqual(errors[0].frames, [{ fn: 'render', url: 'https://shop.example/app.js', line: 1, col: 100 }]);
  assert.equal(errors[1].message, 'timeout after <n> ms');
  assert.equal(errors[1].count, 1);
  const m = body.events.filter((e) => e.t === 'measure');
  assert.deepEqual(m, [{ t: 'measure', name: 'ItemList', duration: 12.3 }]);

  // the beacon's own fallback request is not an API call, and nothing is sent twice
  b.hide();
  assert.deepEqual(await b.read(), []);
  b.show();
});

test('SPA: pushState to a new path sends the previous view and starts an "spa" view', async () => {
  await fetch('/api/items/1');
  await tick();
  history.pushState({}, '', '/vaults/personal?tab=2');
  let sent = await b.read();
  assert.equal(sent.length, 1);
  checkSchema(sent[0].body);
  assert.equal(sent[0].body.page, '/items/{id}');
  assert.deepEqual(sent[0].body.events.map((e) => e.t), ['api'], 'the view had sent its nav event already');
  assert.equal(sent[0].body.events[0].route, '/api/items/{id}');

  history.replaceState({}, '', '/vaults/personal?tab=3'); // same path: same view
  await fetch('/api/items/2');
  dispatchEvent(Object.assign(new Event('error'), { error: new RangeError('bad 1') }));
  await tick();
  assert.equal(b.beacons.length, 0);
  rum.flush();
  sent = await b.read();
  assert.equal(sent.length, 1);
  checkSchema(sent[0].body);
  assert.equal(sent[0].body.page, '/vaults/{vault}');
  assert.equal(sent[0].body.nav, 'spa');
  assert.deepEqual(sent[0].body.events.map((e) => e.t), ['nav', 'api', 'error']);
  assert.deepEqual(sent[0].body.events[0], { t: 'nav' }, 'an spa view has no navigation timing');

  history.pushState({}, '', '/unknown/123456');
  dispatchEvent(new Event('popstate'));
  await fetch('/api/x');
  await tick();
  dispatchEvent(new Event('pagehide'));
  sent = await b.read();
  assert.equal(sent[0].body.page, '/unknown/{id}');
  assert.deepEqual(sent[0].body.events.map((e) => e.t), ['nav', 'api']);
  // a view with nothing to report still sends its nav event once: it is a page view
  history.pushState({}, '', '/items/5');
  assert.equal(b.beacons.length, 0, 'the previous view had sent everything');
  rum.flush();
  sent = await b.read();
  assert.equal(sent.length, 1);
  assert.equal(sent[0].body.page, '/items/{id}');
  assert.deepEqual(sent[0].body.events, [{ t: 'nav' }]);
  rum.flush();
  assert.equal(b.beacons.length, 0);
});

test('more than 100 events are sent in beacons of at most 100', async () => {
  for (let i = 0; i < 230; i++) await fetch('/api/items/' + i);
  await tick();
  rum.flush();
  const sent = await b.read();
  const n = sent.map((s) => s.body.events.length);
  assert.equal(n.reduce((a, x) => a + x, 0), 230);
  assert.ok(n.every((x) => x <= 100));
  for (const s of sent) checkSchema(s.body);
});

test('fallback to fetch keepalive without credentials when sendBeacon refuses', async () => {
  navigator.sendBeacon = () => false;
  fetchCalls.length = 0;
  await fetch('/api/items/9');
  await tick();
  fetchCalls.length = 0;
  rum.flush();
  await tick();
  assert.equal(fetchCalls.length, 1);
  const [url, opts] = fetchCalls[0];
  assert.equal(url, 'https://shop.example/rum/v1/beacon');
  assert.equal(opts.method, 'POST');
  assert.equal(opts.keepalive, true);
  assert.equal(opts.credentials, 'omit');
  checkSchema(JSON.parse(opts.body));
  // and that request was not reported as an API call
  rum.flush();
  await tick();
  assert.equal(fetchCalls.length, 1);
});
