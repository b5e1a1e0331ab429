// Package demo is perfwatch's demonstration application: a small password-manager API
// (users, folders, vault items) on SQLite, instrumented with package instrument, with
// endpoints that behave like real ones and like real problems — a slow report, a flaky
// sync, and a vault listing that runs one query per folder (an N+1) next to a variant
// with one join. A built-in traffic generator keeps dashboards and alerts fed.
//
// No real cryptography happens here; secrets are random bytes, never logged or labelled.
package demo
