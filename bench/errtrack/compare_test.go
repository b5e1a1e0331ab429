package errtrackbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/perfwatch/perfwatch/instrument/errtrack"
)

// discard is a sentry transport that drops every event once the client has built it,
// so the benchmark measures capturing, not sending.
type discard struct{}

func (discard) Configure(sentry.ClientOptions)        {}
func (discard) SendEvent(*sentry.Event)               {}
func (discard) Flush(time.Duration) bool              { return true }
func (discard) FlushWithContext(context.Context) bool { return true }
func (discard) Close()                                {}

func newHub(b *testing.B) *sentry.Hub {
	c, err := sentry.NewClient(sentry.ClientOptions{
		Dsn:              "http://public@127.0.0.1:1/1",
		Transport:        discard{},
		AttachStacktrace: true,
	})
	if err != nil {
		b.Fatal(err)
	}
	return sentry.NewHub(c, sentry.NewScope())
}

func newTracker(b *testing.B) *errtrack.Tracker {
	// The default bound of 1000 groups: past it each new group evicts the least recently
	// seen, the steady state of a service with many distinct errors.
	tr, err := errtrack.New(prometheus.NewRegistry(), errtrack.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		b.Fatal(err)
	}
	return tr
}

type wordsError string

func (e wordsError) Error() string { return string(e) }

// word spells i in letters, so that no two messages normalise alike.
func word(i int) string {
	var b []byte
	for {
		b = append(b, byte('a'+i%26))
		i /= 26
		if i == 0 {
			return string(b)
		}
	}
}

func distinctErrors(n int) []error {
	errs := make([]error, n)
	for i := range errs {
		errs[i] = fmt.Errorf("load profile: %w", wordsError("backend "+word(i)+" refused"))
	}
	return errs
}

// BenchmarkCapture reports one error per iteration: sentry-go's Hub.CaptureException
// (an event with its stack trace, through the client's processing, to a transport that
// drops it) against errtrack's Report of a new group and of a repeat.
func BenchmarkCapture(b *testing.B) {
	ctx := context.Background()
	repeat := fmt.Errorf("load profile: %w", errors.New("connection refused"))
	b.Run("impl=sentry-go/error=repeat", func(b *testing.B) {
		hub := newHub(b)
		b.ReportAllocs()
		for b.Loop() {
			hub.CaptureException(repeat)
		}
	})
	b.Run("impl=sentry-go/error=distinct", func(b *testing.B) {
		hub := newHub(b)
		errs := distinctErrors(1 << 18)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			hub.CaptureException(errs[i%len(errs)])
			i++
		}
	})
	b.Run("impl=errtrack/error=repeat", func(b *testing.B) {
		tr := newTracker(b)
		tr.Report(ctx, repeat)
		b.ReportAllocs()
		for b.Loop() {
			tr.Report(ctx, repeat)
		}
	})
	b.Run("impl=errtrack/error=distinct", func(b *testing.B) {
		tr := newTracker(b)
		errs := distinctErrors(1 << 18)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			tr.Report(ctx, errs[i%len(errs)])
			i++
		}
	})
}
