package errtrack_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/perfwatch/perfwatch/instrument/errtrack"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// shapeError is one of many error types, to test the bound on error_type.
type shapeError struct {
	shape, id int
}

func (e shapeError) Error() string {
	return fmt.Sprintf("shape %c%c failed for item %d", 'A'+rune(e.shape/26), 'A'+rune(e.shape%26), e.id)
}

// wordsError gives every report a message of its own that no normalisation merges.
type wordsError string

func (e wordsError) Error() string { return string(e) }

func TestBounds(t *testing.T) {
	tr, reg, _ := newTracker(t, errtrack.WithMaxGroups(50), errtrack.WithMaxGroupLabels(20), errtrack.WithMaxErrorTypes(5))
	ctx := context.Background()
	for i := range 500 {
		tr.Report(ctx, wordsError("failure "+strings.Repeat(string(rune('a'+i%26)), 1+i/26)+" here"))
	}
	if n := len(tr.Groups(errtrack.Query{})); n != 50 {
		t.Errorf("%d groups held, want the bound, 50", n)
	}
	if got := testutil.ToFloat64(counter(t, reg, "perfwatch_error_groups_evicted_total", "", "")); got != 450 {
		t.Errorf("evicted %v, want 450", got)
	}
	if n := testutil.CollectAndCount(reg, "perfwatch_error_group_info"); n > 20 {
		t.Errorf("%d info series, want at most 20", n)
	}
	groups := map[string]bool{}
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() != "perfwatch_error_group_events_total" {
			continue
		}
		for _, m := range mf.Metric {
			for _, l := range m.Label {
				if l.GetName() == "group" {
					groups[l.GetValue()] = true
				}
			}
		}
	}
	if len(groups) != 21 || !groups["other"] {
		t.Errorf("%d group label values (other: %v), want 20 and other", len(groups), groups["other"])
	}
	// The most recently seen groups are the ones kept.
	if g := tr.Groups(errtrack.Query{Limit: 1})[0]; !strings.Contains(g.Message, strings.Repeat(string(rune('a'+499%26)), 1+499/26)) {
		t.Errorf("most recent group %q", g.Message)
	}
	for i := range 10 {
		tr.Report(ctx, fmt.Errorf("wrapped: %w", typeN(i)))
	}
	types := map[string]bool{}
	for _, g := range tr.Groups(errtrack.Query{}) {
		types[g.Type] = true
	}
	if !types["other"] || len(types) > 5+1 {
		t.Errorf("error types %v: want at most 5 and other", types)
	}
}

type (
	t0 struct{ error }
	t1 struct{ error }
	t2 struct{ error }
	t3 struct{ error }
	t4 struct{ error }
	t5 struct{ error }
	t6 struct{ error }
)

func typeN(i int) error {
	base := fmt.Errorf("base %d", i)
	switch i % 7 {
	case 0:
		return t0{base}
	case 1:
		return t1{base}
	case 2:
		return t2{base}
	case 3:
		return t3{base}
	case 4:
		return t4{base}
	case 5:
		return t5{base}
	}
	return t6{base}
}

// A million distinct messages of a hundred shapes stay a hundred groups, and memory
// does not grow with them.
func TestManyMessages(t *testing.T) {
	n := 1_000_000
	if raceEnabled || testing.Short() {
		n = 50_000 // the race detector makes each report about ten times slower
	}
	tr, _, _ := newTracker(t)
	ctx := context.Background()
	before := heap()
	goroutines := runtime.NumGoroutine()
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 2 {
				tr.Report(ctx, shapeError{shape: i % 100, id: i})
			}
		}()
	}
	wg.Wait()
	groups := tr.Groups(errtrack.Query{})
	if len(groups) != 100 {
		t.Errorf("%d groups, want 100", len(groups))
	}
	var total uint64
	for _, g := range groups {
		total += g.Count
	}
	if total != uint64(n) {
		t.Errorf("counted %d events, want %d", total, n)
	}
	growth := int64(heap()) - int64(before)
	runtime.KeepAlive(tr) // measured with the tracker and its groups alive
	t.Logf("%d messages: heap %d KiB before, grew by %d KiB", n, before/1024, growth/1024)
	if growth > 8<<20 {
		t.Errorf("heap grew by %d MiB for %d messages: something keeps every message", growth>>20, n)
	}
	if g := runtime.NumGoroutine(); g > goroutines {
		t.Errorf("goroutines %d → %d", goroutines, g)
	}
}

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
