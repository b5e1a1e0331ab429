// perfwatch RUM: web vitals, JavaScript errors, API timings, navigation, resources and
// render times, sent in batches per view (docs/rum.md, beacon version 1).
import { onCLS, onFCP, onINP, onLCP, onTTFB } from 'web-vitals';
import { compile, route } from './route.js';
import { ErrorBatch, errorEvent } from './errors.js';
import { wrapFetch, wrapXHR } from './wrap.js';

const MAX_EVENTS = 100;
const r1 = (x) => Math.round(x * 10) / 10;
let instance;

/**
 * Starts monitoring once per page; later calls return the same object.
 * Options: endpoint, sampleRate (0-1), pages, apiRoutes, measurePrefix, errors.
 * Returns {flush(), sampled}.
 */
export function init(o = {}) {
  if (instance) return instance;
  if (typeof window === 'undefined') return { flush() {}, sampled: false }; // server-side rendering
  const w = window;
  const d = document;
  const n = navigator;
  const perf = performance;
  const loc = location;
  const rate = o.sampleRate == null ? 1 : +o.sampleRate;
  const conn = n.connection;
  const off =
    !(Math.random() < rate) ||
    (conn && conn.saveData) ||
    w.matchMedia('(prefers-reduced-data: reduce)').matches;
  instance = { flush() {}, sampled: !off };
  if (off) return instance;

  const endpoint = new URL(o.endpoint || '/rum/v1/beacon', loc.href).href;
  const prefix = o.measurePrefix == null ? 'perfwatch:' : o.measurePrefix;
  const pages = compile(o.pages);
  const apis = compile(o.apiRoutes);
  const errorsOn = o.errors !== false;
  const origFetch = w.fetch;

  const send = (view, events) => {
    for (let i = 0; i < events.length; i += MAX_EVENTS) {
      const body = JSON.stringify({ v: 1, page: view.page, nav: view.nav, events: events.slice(i, i + MAX_EVENTS) });
      if (!(n.sendBeacon && n.sendBeacon(endpoint, new Blob([body], { type: 'text/plain' }))) && origFetch) {
        origFetch
          .call(w, endpoint, {
            method: 'POST',
            body,
            keepalive: true,
            credentials: 'omit',
          })
          .catch(() => {});
      }
    }
  };

  const newView = (nav) => ({ page: route(loc.href, pages), nav, ev: [], errs: new ErrorBatch(), res: {}, hard: nav !== 'spa' });
  let path = loc.pathname;
  let entry = perf.getEntriesByType('navigation')[0];
  let view = newView(
    d.wasDiscarded
      ? 'restore'
      : d.prerendering || (entry && entry.activationStart > 0)
        ? 'prerender'
        : (entry && entry.type) || 'navigate',
  );
  let hard = view;
  const vitals = new Map(); // metric id -> {view, name, value, sent}

  const navEvent = () => {
    // read again: the entry is a snapshot, and the load event may have ended since init
    const e = entry && perf.getEntriesByType('navigation')[0];
    if (!e || !(e.responseStart > 0)) return null;
    const t = { t: 'nav' };
    const put = (k, to, from) => e[to] > 0 && (!from || e[from] > 0) && (t[k] = r1(e[to] - (from ? e[from] : 0)));
    t.dns = r1(e.domainLookupEnd - e.domainLookupStart);
    t.connect = r1(e.connectEnd - e.connectStart);
    put('tls', 'connectEnd', 'secureConnectionStart');
    t.ttfb = r1(Math.max(0, e.responseStart - (e.activationStart || 0)));
    put('dom_interactive', 'domInteractive');
    put('load', 'loadEventEnd');
    return t;
  };

  // Sends what v has gathered; vitals only when final (hidden, pagehide, flush()).
  const sendView = (v, final) => {
    const ev = v.ev;
    v.ev = [];
    // Exactly one nav event per view, in its first beacon: the ingest counts page views by it.
    if (!v.navSent) {
      v.navSent = true;
      ev.unshift((v.hard && navEvent()) || { t: 'nav' });
    }
    if (final) {
      for (const m of vitals.values()) {
        if (m.view === v && !m.sent) {
          m.sent = true;
          ev.push({ t: 'vital', name: m.name, value: m.name === 'CLS' ? m.value : r1(m.value) });
        }
      }
    }
    for (const k in v.res) {
      const r = v.res[k];
      ev.push({ t: 'resource', initiator: k, count: r.count, bytes: r.bytes, duration: r1(r.duration) });
    }
    v.res = {};
    ev.push(...v.errs.drain());
    if (ev.length) send(v, ev);
  };

  const push = (e) => {
    view.ev.push(e);
    if (view.ev.length >= MAX_EVENTS) sendView(view);
  };

  const flush = () => {
    if (hard !== view) sendView(hard, true);
    sendView(view, true);
  };
  instance.flush = flush;

  // Web vitals: the latest value of each metric, attributed to its hard navigation's view.
  const vital = (m) => {
    let r = vitals.get(m.id);
    if (!r) vitals.set(m.id, (r = { view: hard, name: m.name }));
    if (!r.sent) r.value = m.value;
  };
  const opts = { reportAllChanges: true };
  onLCP(vital, opts);
  onINP(vital, opts);
  onCLS(vital, opts);
  onFCP(vital, opts);
  onTTFB(vital, opts);

  // API timings.
  const api = (method, url, status, duration) => {
    if (String(url).startsWith(endpoint)) return;
    push({ t: 'api', method, route: route(url, apis, loc.href), status: status || 0, duration: r1(duration) });
  };
  if (origFetch) w.fetch = wrapFetch(origFetch, api);
  if (w.XMLHttpRequest) wrapXHR(w.XMLHttpRequest.prototype, api);

  // Resources and render measures.
  const observe = (type, cb) => {
    try {
      new PerformanceObserver((l) => l.getEntries().forEach(cb)).observe({ type, buffered: true });
    } catch (e) {
      // unsupported entry type
    }
  };
  observe('resource', (e) => {
    if (e.name.startsWith(endpoint)) return;
    const k = e.initiatorType || 'other';
    const r = view.res[k] || (view.res[k] = { count: 0, bytes: 0, duration: 0 });
    r.count++;
    r.bytes += e.transferSize || 0;
    r.duration += Math.max(0, e.duration);
  });
  observe('measure', (e) => {
    if (e.name.startsWith(prefix)) push({ t: 'measure', name: e.name.slice(prefix.length), duration: r1(e.duration) });
  });

  // JavaScript errors.
  if (errorsOn) {
    w.addEventListener('error', (e) => {
      view.errs.add(errorEvent(e.error, e.message, e.filename, e.lineno, e.colno));
    });
    w.addEventListener('unhandledrejection', (e) => {
      const r = e.reason;
      view.errs.add(r && r.stack ? errorEvent(r) : errorEvent(null, String(r)));
    });
  }

  // Single-page applications: a new path through the History API is a new view.
  const onRoute = () => {
    if (loc.pathname === path) return;
    path = loc.pathname;
    sendView(view);
    view = newView('spa');
  };
  const h = w.history;
  ['pushState', 'replaceState'].forEach((k) => {
    const f = h[k];
    h[k] = function () {
      const r = f.apply(this, arguments);
      onRoute();
      return r;
    };
  });
  w.addEventListener('popstate', onRoute);

  // Transport: when the page is hidden or unloaded; a back/forward cache restore is a new view.
  d.addEventListener('visibilitychange', () => d.visibilityState === 'hidden' && flush());
  w.addEventListener('pagehide', flush);
  w.addEventListener('pageshow', (e) => {
    if (e.persisted) {
      flush();
      entry = null;
      hard = view = newView('back_forward');
    }
  });
  return instance;
}
