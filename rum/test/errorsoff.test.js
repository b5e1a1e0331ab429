import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeBrowser, tick } from './browser.js';

// A page that reports errors with @sentry/browser: errors: false.
const b = fakeBrowser();
globalThis.fetch = async () => new Response(null, { status: 204 });
const { init } = await import('../src/index.js');

test('errors: false sends timings but no errors', async () => {
  const rum = init({ errors: false });
  dispatchEvent(Object.assign(new Event('error'), { error: new Error('boom') }));
  dispatchEvent(Object.assign(new Event('unhandledrejection'), { reason: new Error('nope') }));
  await fetch('/api/items/1');
  await tick();
  rum.flush();
  const [s] = await b.read();
  assert.deepEqual(s.body.events.map((e) => e.t), ['nav', 'api']);
  assert.equal(s.body.events[1].status, 204);
});
