// Package errtrack captures an application's errors and panics, groups repeats of the
// same error into one group with a stable id, and exposes what it sees as Prometheus
// metrics with bounded labels, a JSON API and a small HTML page.
//
// A Tracker is a Hook of instrument's Middleware, so that errors reported while a
// request is served carry its method, route template and final status:
//
//	tracker, _ := errtrack.New(reg, errtrack.WithStateFile("/var/lib/app/errors.json"))
//	mw, _ := instrument.New(reg, instrument.WithHook(tracker))
//	http.ListenAndServe(":8080", mw.Handler(tracker.Recover(mux)))
//
// Report records a handled error, Recover turns a handler's panic into a 500 and an
// event, and Handler wraps a log/slog handler so that error records carrying an error
// attribute become events. Everything is scrubbed of secrets (passwords, tokens, card
// numbers, e-mail addresses) before it is stored, logged or exposed.
package errtrack
