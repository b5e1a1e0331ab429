package errtrack_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/perfwatch/perfwatch/instrument/errtrack"
	"github.com/prometheus/client_golang/prometheus"
)

func benchTracker(b *testing.B) *errtrack.Tracker {
	tr, err := errtrack.New(prometheus.NewRegistry(), errtrack.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		errtrack.WithMaxGroups(1<<20), errtrack.WithMaxGroupLabels(200))
	if err != nil {
		b.Fatal(err)
	}
	return tr
}

// BenchmarkReport measures Report: "repeat" is the hot path, an error reported again
// from the same place (its cached program-counter hash finds the group); "new_group"
// is an error never seen, with everything that takes: stack symbolisation, scrubbing,
// normalisation, the fingerprint hash and a new group.
func BenchmarkReport(b *testing.B) {
	ctx := context.Background()
	b.Run("repeat", func(b *testing.B) {
		tr := benchTracker(b)
		err := fmt.Errorf("load profile: %w", errors.New("connection refused"))
		tr.Report(ctx, err)
		b.ReportAllocs()
		for b.Loop() {
			tr.Report(ctx, err)
		}
	})
	b.Run("new_group", func(b *testing.B) {
		tr := benchTracker(b)
		errs := make([]error, 0, 1<<16)
		for i := range cap(errs) {
			errs = append(errs, fmt.Errorf("load profile: %w", wordsError(fmt.Sprintf("backend %s refused", word(i)))))
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			tr.Report(ctx, errs[i%len(errs)])
			i++
		}
	})
}

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
