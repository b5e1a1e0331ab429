// Package demo is perfwatch's demonstration application: a small password-manager API
// (users, folders, vault items) on SQLite, instrumented with package instrument, with
// endpoints that behave like real ones and like real problems — a slow report, a flaky
// sync, and a vault listing that runs one query per folder (an N+1) next to a variant
// with one join. A built-in traffic generator keeps dashboards and alerts fed.
//
// A small single-page app on the same API (/app/, /app/items/{id}; see PageTemplates)
// loads perfwatch's browser snippet from /rum/ when Config.RUM is set: it fetches the
// vault, filters it, shifts its layout, throws, measures its renders and navigates with
// the History API, so that every browser signal has something to show. Browser drives
// it in a headless Chromium, for the end-to-end tests and for BrowserLoad, the traffic
// generator's occasional real visits.
//
// No real cryptography happens here; secrets are random bytes, never logged or labelled.
package demo
