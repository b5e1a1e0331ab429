// Package errtrackbench compares instrument/errtrack with sentry-go, the reference Go
// error tracker, in one benchmark run: `go test -bench . ./bench/errtrack`. It lives in
// the root module so that instrument's own module does not require sentry-go.
package errtrackbench
