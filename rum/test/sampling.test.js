import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeBrowser, tick } from './browser.js';

// Each test file runs in its own process: one page load here, sampled out.
const b = fakeBrowser();
const f = async () => new Response('');
globalThis.fetch = f;
const { init } = await import('../src/index.js');

test('sampleRate 0: nothing wrapped, nothing sent', async () => {
  const rum = init({ sampleRate: 0 });
  assert.equal(rum.sampled, false);
  assert.equal(globalThis.fetch, f);
  await fetch('/api/x');
  performance.measure('perfwatch:X', { start: 0, duration: 1 });
  await tick();
  rum.flush();
  b.hide();
  assert.equal(b.beacons.length, 0);
});
