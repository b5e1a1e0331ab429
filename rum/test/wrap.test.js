import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wrapFetch, wrapXHR } from '../src/wrap.js';

const tick = () => new Promise((r) => setTimeout(r, 0));

test('fetch wrapper returns the very promise and Response, with this and arguments kept', async () => {
  const res = new Response('body stays unread', { status: 201 });
  const calls = [];
  let promise;
  const fake = function (...args) {
    calls.push({ self: this, args });
    promise = Promise.resolve(res);
    return promise;
  };
  const reports = [];
  const wrapped = wrapFetch(fake, (...a) => reports.push(a));
  const self = { name: 'window' };
  const init = { method: 'post', signal: null };
  const p = wrapped.call(self, '/api/items/1?q=secret', init, 'extra');
  assert.equal(p, promise, 'the same promise object');
  const r = await p;
  assert.equal(r, res, 'the same Response');
  assert.equal(r.bodyUsed, false, 'the body is never consumed');
  assert.equal(await r.text(), 'body stays unread');
  assert.equal(calls[0].self, self);
  assert.deepEqual(calls[0].args, ['/api/items/1?q=secret', init, 'extra']);
  assert.equal(calls[0].args[1], init, 'the same init object');
  await tick();
  assert.equal(reports.length, 1);
  const [method, url, status, duration] = reports[0];
  assert.equal(method, 'POST');
  assert.equal(url, '/api/items/1?q=secret');
  assert.equal(status, 201);
  assert.ok(duration >= 0);
});

test('fetch wrapper rejects with the same error and reports status 0', async () => {
  const err = new TypeError('Failed to fetch');
  const abort = new DOMException('The operation was aborted.', 'AbortError');
  for (const e of [err, abort]) {
    const reports = [];
    const wrapped = wrapFetch(() => Promise.reject(e), (...a) => reports.push(a));
    await assert.rejects(wrapped(new Request('https://x.example/api/a')), (got) => got === e);
    await tick();
    assert.deepEqual(reports.map((r) => [r[0], r[1], r[2]]), [['GET', 'https://x.example/api/a', 0]]);
  }
});

test('fetch wrapper: synchronous throws go through; Request and URL inputs described', async () => {
  const boom = new TypeError('bad init');
  const wrapped = wrapFetch(() => {
    throw boom;
  }, () => assert.fail('no report for a call that never started'));
  assert.throws(() => wrapped('/x'), (e) => e === boom);

  const reports = [];
  const ok = wrapFetch(async () => new Response(null, { status: 404 }), (...a) => reports.push(a));
  await ok(new Request('https://x.example/api/b', { method: 'DELETE' }));
  await ok(new URL('https://x.example/api/c'));
  await tick();
  assert.deepEqual(reports.map((r) => r.slice(0, 3)), [
    ['DELETE', 'https://x.example/api/b', 404],
    ['GET', 'https://x.example/api/c', 404],
  ]);
});

test('fetch wrapper: a streamed body passes through untouched', async () => {
  const stream = new ReadableStream({
    start(c) {
      c.enqueue(new TextEncoder().encode('chunk1'));
      c.enqueue(new TextEncoder().encode('chunk2'));
      c.close();
    },
  });
  const res = new Response(stream);
  const wrapped = wrapFetch(async () => res, () => {});
  const r = await wrapped('/s');
  assert.equal(r.body, stream);
  assert.equal(await r.text(), 'chunk1chunk2');
});

// A minimal XMLHttpRequest: open, send, events.
class FakeXHR {
  constructor() {
    this.l = {};
    this.status = 0;
  }
  addEventListener(t, f) {
    (this.l[t] ||= []).push(f);
  }
  open(method, url, async) {
    this.opened = [method, url, async, this];
    return 'open-result';
  }
  send(body) {
    this.sent = [body, this];
    return 'send-result';
  }
  finish(status) {
    this.status = status;
    for (const f of this.l.loadend || []) f();
  }
}

test('XHR wrapper keeps this, arguments and results, and reports on loadend', () => {
  const proto = FakeXHR.prototype;
  const reports = [];
  wrapXHR(proto, (...a) => reports.push(a));
  const x = new FakeXHR();
  assert.equal(x.open('get', '/api/items/7?x=1', true), 'open-result');
  assert.deepEqual(x.opened, ['get', '/api/items/7?x=1', true, x]);
  assert.equal(x.send('payload'), 'send-result');
  assert.deepEqual(x.sent, ['payload', x]);
  assert.deepEqual(Object.keys(x).sort(), ['l', 'opened', 'sent', 'status'], 'no property added');
  x.finish(200);
  assert.deepEqual(reports.map((r) => r.slice(0, 3)), [['GET', '/api/items/7?x=1', 200]]);
  // reused for an aborted request: one listener, status 0
  x.open('POST', '/api/items');
  x.send();
  x.finish(0);
  assert.equal(x.l.loadend.length, 1);
  assert.deepEqual(reports[1].slice(0, 3), ['POST', '/api/items', 0]);
  // opened but never sent: nothing reported
  x.open('GET', '/never');
  x.finish(0);
  assert.equal(reports.length, 2);
});
