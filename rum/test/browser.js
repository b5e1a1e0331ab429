// A minimal browser for init()'s tests: window (globalThis), document, location, history,
// navigator.sendBeacon recording the beacons, matchMedia. performance, PerformanceObserver
// (measure entries), Blob and Event are Node's own.

export function fakeBrowser({ href = 'https://shop.example/items/42?x=1', saveData = false, reducedData = false } = {}) {
  const g = globalThis;
  const target = new EventTarget();
  g.window = g;
  g.addEventListener = target.addEventListener.bind(target);
  g.removeEventListener = target.removeEventListener.bind(target);
  g.dispatchEvent = target.dispatchEvent.bind(target);
  const doc = new EventTarget();
  doc.visibilityState = 'visible';
  doc.prerendering = false;
  doc.wasDiscarded = false;
  g.document = doc;
  const loc = {};
  const setURL = (u) => {
    const url = new URL(u, loc.href || href);
    loc.href = url.href;
    loc.pathname = url.pathname;
  };
  setURL(href);
  g.location = loc;
  g.history = {
    pushState(state, title, url) {
      if (url !== undefined) setURL(url);
    },
    replaceState(state, title, url) {
      if (url !== undefined) setURL(url);
    },
  };
  const beacons = [];
  Object.defineProperty(g, 'navigator', {
    configurable: true,
    value: {
      connection: { saveData },
      sendBeacon(url, blob) {
        beacons.push({ url, blob });
        return true;
      },
    },
  });
  g.matchMedia = (q) => ({ matches: reducedData && q === '(prefers-reduced-data: reduce)' });
  const hide = () => {
    doc.visibilityState = 'hidden';
    doc.dispatchEvent(new Event('visibilitychange'));
  };
  const show = () => {
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
  };
  const read = async () => {
    const out = [];
    for (const b of beacons.splice(0)) {
      assertTextPlain(b.blob);
      out.push({ url: b.url, body: JSON.parse(await b.blob.text()) });
    }
    return out;
  };
  return { beacons, hide, show, read };
}

function assertTextPlain(blob) {
  if (blob.type !== 'text/plain') throw new Error('beacon Blob of type ' + blob.type);
}

export const tick = () => new Promise((r) => setTimeout(r, 5));
