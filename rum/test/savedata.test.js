import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeBrowser } from './browser.js';

const b = fakeBrowser({ saveData: true });
const f = async () => new Response('');
globalThis.fetch = f;
const { init } = await import('../src/index.js');

test('Save-Data: nothing wrapped, nothing sent, whatever the sample rate', async () => {
  const rum = init({ sampleRate: 1 });
  assert.equal(rum.sampled, false);
  assert.equal(globalThis.fetch, f);
  rum.flush();
  b.hide();
  assert.equal(b.beacons.length, 0);
});
