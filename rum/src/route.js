// Route templates: configured patterns first, else ids folded. Never a raw URL or query.

// A numeric id, a UUID, or a long hex id (12+ hex digits, at least one of them a digit).
const ID = /^(\d+|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|(?=[a-f]*\d)[0-9a-f]{12,})$/i;

/** Folds numeric ids, UUIDs and long hex ids (12+ hex digits, at least one digit) to {id}. */
export function foldPath(path) {
  return path
    .split('/')
    .map((s) => (ID.test(s) ? '{id}' : s))
    .join('/');
}

/** Compiles patterns like "/api/items/{id}" into segment lists. */
export function compile(patterns) {
  return (patterns || []).map((p) => [p, p.split('/')]);
}

/** The first pattern whose segments match path's ("{x}" matches any non-empty segment), else null. */
export function matchPattern(path, compiled) {
  const segs = path.split('/');
  for (const [p, ps] of compiled) {
    if (ps.length !== segs.length) continue;
    let i = 0;
    while (i < ps.length && (ps[i] === segs[i] || (ps[i][0] === '{' && segs[i] !== ''))) i++;
    if (i === ps.length) return p;
  }
  return null;
}

/** The path of url (absolute or relative to base), without query and fragment. */
export function pathOf(url, base) {
  try {
    return new URL(url, base).pathname;
  } catch (e) {
    return String(url).replace(/[?#].*$/, '') || '/';
  }
}

/** The route template of url: a configured pattern, else the path with ids folded. */
export function route(url, compiled, base) {
  const p = pathOf(url, base);
  return matchPattern(p, compiled) || foldPath(p);
}
