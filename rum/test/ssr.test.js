import { test } from 'node:test';
import assert from 'node:assert/strict';
import { init } from '../src/index.js';

test('init outside a browser (server-side rendering) does nothing', () => {
  const rum = init({});
  assert.equal(rum.sampled, false);
  rum.flush();
});
