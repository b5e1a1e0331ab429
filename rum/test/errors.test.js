import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorBatch, errorEvent, groupKey, hash, normalizeMessage, parseStack } from '../src/errors.js';

test('normalizeMessage folds numbers, ids, uuids and quoted strings', () => {
  assert.equal(normalizeMessage('Item 42 not found'), 'Item <n> not found');
  assert.equal(normalizeMessage('took 12.5 ms'), 'took <n> ms');
  assert.equal(normalizeMessage('user_123 failed'), 'user_<n> failed');
  assert.equal(
    normalizeMessage('vault 3f2504e0-4f89-11d3-9a0c-0305e82c3301 locked'),
    'vault <uuid> locked',
  );
  assert.equal(normalizeMessage('object deadbeef1234 gone'), 'object <id> gone');
  assert.equal(normalizeMessage(`Cannot read properties of undefined (reading 'name')`), `Cannot read properties of undefined (reading '<str>')`);
  assert.equal(normalizeMessage('Unexpected token "}" in JSON'), 'Unexpected token "<str>" in JSON');
  assert.equal(normalizeMessage('bad `x${1}`'), 'bad `<str>`');
  assert.equal(normalizeMessage(undefined), '');
  assert.equal(normalizeMessage('x'.repeat(1000)).length, 256);
  // the same error with other values normalises to the same message
  assert.equal(normalizeMessage('Item 1 of "a"'), normalizeMessage('Item 2000 of "bcd"'));
});

const chromium = `TypeError: Cannot read properties of undefined (reading 'id')
    at renderItem (https://shop.example/static/app.js?v=3:10:15)
    at Array.map (<anonymous>)
    at https://shop.example/static/app.js#frag:20:3
    at async loadItems (https://shop.example/static/app.js:30:7)
    at new Vault (https://shop.example/static/vault.js:5:1)
    at HTMLButtonElement.onclick (https://shop.example/items/1:1:2)
    at extra (https://shop.example/x.js:1:1)`;

const firefox = `renderItem@https://shop.example/static/app.js?v=3:10:15
loadItems/<@https://shop.example/static/app.js:20:3
@https://shop.example/static/app.js#x:30:7
async*loadItems@https://shop.example/static/app.js:40:1
`;

test('parseStack: Chromium', () => {
  const f = parseStack(chromium);
  assert.equal(f.length, 5);
  assert.deepEqual(f[0], { fn: 'renderItem', url: 'https://shop.example/static/app.js', line: 10, col: 15 });
  assert.deepEqual(f[1], { fn: '<anonymous>', url: 'https://shop.example/static/app.js', line: 20, col: 3 });
  assert.deepEqual(f[2], { fn: 'async loadItems', url: 'https://shop.example/static/app.js', line: 30, col: 7 });
  assert.equal(f[3].fn, 'new Vault');
  assert.deepEqual(f[4], { fn: 'HTMLButtonElement.onclick', url: 'https://shop.example/items/1', line: 1, col: 2 });
});

test('parseStack: Firefox', () => {
  const f = parseStack(firefox);
  assert.equal(f.length, 4);
  assert.deepEqual(f[0], { fn: 'renderItem', url: 'https://shop.example/static/app.js', line: 10, col: 15 });
  assert.deepEqual(f[1], { fn: 'loadItems/<', url: 'https://shop.example/static/app.js', line: 20, col: 3 });
  assert.deepEqual(f[2], { fn: '<anonymous>', url: 'https://shop.example/static/app.js', line: 30, col: 7 });
  assert.equal(f[3].fn, 'async*loadItems');
  assert.deepEqual(parseStack(undefined), []);
  assert.deepEqual(parseStack('no frames here'), []);
});

test('grouping key: stable, and different for different errors', () => {
  assert.equal(hash(''), (0x811c9dc5).toString(36));
  assert.equal(hash('perfwatch'), hash('perfwatch'));
  const frames = parseStack(chromium);
  const k = groupKey('TypeError', 'x is undefined', frames);
  assert.match(k, /^[0-9a-z]{1,7}$/);
  assert.equal(k, groupKey('TypeError', 'x is undefined', parseStack(chromium)));
  assert.notEqual(k, groupKey('RangeError', 'x is undefined', frames));
  assert.notEqual(k, groupKey('TypeError', 'y is undefined', frames));
  assert.notEqual(k, groupKey('TypeError', 'x is undefined', frames.slice(1)));
  // only the top frame counts
  assert.equal(k, groupKey('TypeError', 'x is undefined', frames.slice(0, 1)));
  // a known value (FNV-1a, checked independently), so that a change of the hash is noticed (keys group across releases)
  assert.equal(hash('TypeError\nx\n'), 'xvujhn');
});

test('errorEvent: from an Error, from ErrorEvent parts, from a non-Error', () => {
  const e = new TypeError('item 42 missing');
  e.stack = chromium;
  const ev = errorEvent(e);
  assert.equal(ev.t, 'error');
  assert.equal(ev.type, 'TypeError');
  assert.equal(ev.message, 'item <n> missing');
  assert.equal(ev.frames.length, 5);
  assert.equal(ev.count, 1);
  assert.equal(ev.key, groupKey('TypeError', 'item <n> missing', ev.frames));
  const e2 = new TypeError('item 7 missing');
  e2.stack = chromium;
  assert.equal(errorEvent(e2).key, ev.key, 'same group whatever the id');

  const x = errorEvent(null, 'Script error.', 'https://cdn.example/lib.js?x=1', 3, 4);
  assert.equal(x.type, 'Error');
  assert.deepEqual(x.frames, [{ fn: '<anonymous>', url: 'https://cdn.example/lib.js', line: 3, col: 4 }]);

  const s = errorEvent('rejected 5 times');
  assert.equal(s.message, 'rejected <n> times');
  assert.deepEqual(s.frames, []);
  class AppError extends Error {}
  const a = errorEvent(Object.assign(new AppError('boom'), { name: '' }));
  assert.equal(a.type, 'AppError');
});

test('ErrorBatch: repeats counted, not resent; counts since the last drain after a flush', () => {
  const b = new ErrorBatch(3);
  const mk = (n) => {
    const e = new Error('failed ' + n);
    e.stack = firefox;
    return errorEvent(e);
  };
  assert.equal(b.add(mk(1)), true);
  assert.equal(b.add(mk(2)), false);
  assert.equal(b.add(mk(3)), false);
  let out = b.drain();
  assert.equal(out.length, 1);
  assert.equal(out[0].count, 3);
  assert.equal(out[0].message, 'failed <n>');
  assert.deepEqual(b.drain(), [], 'nothing new, nothing sent');
  b.add(mk(4));
  out = b.drain();
  assert.equal(out.length, 1);
  assert.equal(out[0].count, 1);
  // bounded: at most 3 distinct groups per view
  const other = (m) => errorEvent(null, m);
  assert.equal(b.add(other('a')), true);
  assert.equal(b.add(other('b')), true);
  assert.equal(b.add(other('c')), false);
  assert.equal(b.drain().length, 2);
});
