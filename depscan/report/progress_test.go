package report

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a manual time source.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestProgress(t *testing.T) {
	var b bytes.Buffer
	c := &clock{t: scanTime}
	p := NewProgress(&b, true, "resolving registries")
	p.now = c.now
	step := func(d time.Duration, done, total int) {
		c.t = c.t.Add(d)
		p.Update(done, total)
	}
	step(0, 1, 2000)                   // drawn: the first
	step(50*time.Millisecond, 2, 2000) // dropped: too soon
	step(60*time.Millisecond, 123, 2000)
	step(10*time.Millisecond, 1999, 2000) // dropped
	step(time.Millisecond, 2000, 2000)    // drawn: the last count always is
	if err := p.Done(); err != nil {
		t.Fatal(err)
	}
	want := "\r resolving registries 1/2000" +
		"\r resolving registries 123/2000" +
		"\r resolving registries 2000/2000" +
		"\r" + strings.Repeat(" ", len(" resolving registries 2000/2000")) + "\r"
	if b.String() != want {
		t.Errorf("progress wrote\n%q\nwant\n%q", b.String(), want)
	}
}

// A shorter line (a new total) is padded over the longer one before it.
func TestProgressShorterLine(t *testing.T) {
	var b bytes.Buffer
	c := &clock{t: scanTime}
	p := NewProgress(&b, true, "x")
	p.now = c.now
	p.Update(100, 100)
	c.t = c.t.Add(time.Second)
	p.Update(1, 5)
	if want := "\r x 100/100\r x 1/5    "; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestProgressDisabled(t *testing.T) {
	var b bytes.Buffer
	p := NewProgress(&b, false, "resolving registries")
	p.Update(1, 2)
	p.Update(2, 2)
	if err := p.Done(); err != nil || b.Len() != 0 {
		t.Errorf("disabled progress wrote %q, %v", b.String(), err)
	}
	var nilProgress *Progress
	nilProgress.Update(1, 2)
	if err := nilProgress.Done(); err != nil {
		t.Error(err)
	}
}

func TestProgressWriteError(t *testing.T) {
	p := NewProgress(failingWriter{}, true, "x")
	p.Update(1, 1)
	if err := p.Done(); err == nil {
		t.Error("write error lost")
	}
}

// Concurrent updates (run with -race) never interleave inside a line: every
// write is one whole "\r label n/total" line.
func TestProgressConcurrent(t *testing.T) {
	var b lockedBuffer
	p := NewProgress(&b, true, "resolving registries")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				p.Update(g*500+i, 4000)
			}
		})
	}
	wg.Wait()
	p.Update(4000, 4000)
	if err := p.Done(); err != nil {
		t.Fatal(err)
	}
	for _, w := range b.writes {
		if !strings.HasPrefix(w, "\r") || strings.Count(w, "\r") > 2 {
			t.Fatalf("torn write %q", w)
		}
	}
	if n := len(b.writes); n < 2 || n > 1000 {
		t.Errorf("%d writes for 4001 updates", n)
	}
}

type lockedBuffer struct {
	mu     sync.Mutex
	writes []string
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes = append(l.writes, string(p))
	return len(p), nil
}
