// fetch and XMLHttpRequest, observed without changing their behaviour.

const now = () => performance.now();

function describe(input, init) {
  let url = '';
  let method = 'GET';
  try {
    url = (input && input.url) || String(input);
    method = (init && init.method) || (input && typeof input === 'object' && input.method) || 'GET';
  } catch (e) {
    // never let observation break the call
  }
  return [String(method).toUpperCase(), url];
}

/**
 * Returns a fetch that calls orig with the same this and arguments and returns its very
 * promise; report(method, url, status, durationMs) is called when it settles (status 0 when it
 * rejects). The body is never read.
 */
export function wrapFetch(orig, report) {
  return function fetch(input, init) {
    const [m, u] = describe(input, init);
    const t0 = now();
    const p = orig.apply(this, arguments);
    if (p && p.then) {
      p.then(
        (r) => report(m, u, r && r.status, now() - t0),
        () => report(m, u, 0, now() - t0),
      );
    }
    return p;
  };
}

/**
 * Patches an XMLHttpRequest prototype's open and send to report each request on loadend
 * (status 0 for network errors and aborts). Properties, arguments and this are untouched;
 * per-request state lives in a WeakMap.
 */
export function wrapXHR(proto, report) {
  const open = proto.open;
  const send = proto.send;
  const state = new WeakMap();
  proto.open = function (method, url) {
    let s = state.get(this);
    if (!s) {
      s = {};
      state.set(this, s);
      this.addEventListener('loadend', () => {
        if (s.t !== undefined) report(s.m, s.u, this.status, now() - s.t);
        s.t = undefined;
      });
    }
    s.m = String(method).toUpperCase();
    s.u = String(url);
    s.t = undefined;
    return open.apply(this, arguments);
  };
  proto.send = function () {
    const s = state.get(this);
    if (s) s.t = now();
    return send.apply(this, arguments);
  };
}
