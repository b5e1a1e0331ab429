import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeBrowser } from './browser.js';

const b = fakeBrowser({ reducedData: true });
const { init } = await import('../src/index.js');

test('prefers-reduced-data: nothing sent', () => {
  const rum = init();
  assert.equal(rum.sampled, false);
  rum.flush();
  assert.equal(b.beacons.length, 0);
});
