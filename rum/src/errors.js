// JavaScript errors: normalised message, parsed stack, grouping key, per-view dedup.

const MAX_MSG = 256;
const MAX_FRAMES = 5;

/** Folds quoted strings, UUIDs, hex ids and numbers so that messages group. */
export function normalizeMessage(msg) {
  return String(msg == null ? '' : msg)
    .replace(/(["'`])(?:(?!\1)[^\\]|\\.)*\1/g, '$1<str>$1')
    .replace(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/gi, '<uuid>')
    .replace(/\b(?=[a-f]*\d)[0-9a-f]{8,}\b/gi, '<id>')
    .replace(/\d+(?:\.\d+)?/g, '<n>')
    .slice(0, MAX_MSG);
}

const stripURL = (u) => u.replace(/[?#].*$/, '');
// Chromium: "    at fn (url:1:2)", "    at url:1:2", "    at async fn (url:1:2)"
const CHROME = /^\s*at (?:(.+?) \()?(.+?):(\d+):(\d+)\)?\s*$/;
// Firefox and Safari: "fn@url:1:2", "@url:1:2"
const GECKO = /^\s*(.*?)@(.+?):(\d+):(\d+)\s*$/;

/** The top frames of an Error.stack, innermost first: {fn, url, line, col}. */
export function parseStack(stack) {
  const out = [];
  for (const l of String(stack || '').split('\n')) {
    const m = CHROME.exec(l) || GECKO.exec(l);
    if (!m) continue;
    out.push({
      fn: m[1] || '<anonymous>',
      url: stripURL(m[2]),
      line: +m[3],
      col: +m[4],
    });
    if (out.length === MAX_FRAMES) break;
  }
  return out;
}

/** FNV-1a 32-bit, base 36. */
export function hash(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

/** The client-side grouping key: type, normalised message and the top frame. */
export function groupKey(type, message, frames) {
  const f = frames[0];
  return hash(type + '\n' + message + '\n' + (f ? f.fn + '@' + f.url + ':' + f.line + ':' + f.col : ''));
}

/** Builds an error event from an Error-like value, or from the parts an ErrorEvent has. */
export function errorEvent(err, fallbackMsg, file, line, col) {
  let type = 'Error';
  let msg = fallbackMsg;
  let frames = [];
  if (err && typeof err === 'object') {
    type = String(err.name || (err.constructor && err.constructor.name) || type);
    msg = err.message != null ? err.message : msg;
    frames = parseStack(err.stack);
  } else if (err !== undefined && err !== null && fallbackMsg == null) {
    msg = String(err);
  }
  if (!frames.length && file) frames = [{ fn: '<anonymous>', url: stripURL(file), line: line || 0, col: col || 0 }];
  const message = normalizeMessage(msg);
  return { t: 'error', type, message, frames, key: groupKey(type, message, frames), count: 1 };
}

/**
 * Errors of one view: the first occurrence of a key is queued, repeats only count.
 * Repeats after a flush are sent at the next flush as one event with the new count.
 */
export class ErrorBatch {
  constructor(max = 20) {
    this.m = max;
    this.s = new Map(); // key -> {e: event, n: occurrences not yet sent}
  }
  /** Adds ev; returns true when it is new (queued), false for a repeat or over the bound. */
  add(ev) {
    const s = this.s.get(ev.key);
    if (s) s.n++;
    else if (this.s.size < this.m) return !!this.s.set(ev.key, { e: ev, n: 1 });
    return false;
  }
  /** The events to send now (count = occurrences since the last drain). */
  drain() {
    const out = [];
    for (const s of this.s.values()) {
      if (s.n) out.push({ ...s.e, count: s.n });
      s.n = 0;
    }
    return out;
  }
}
