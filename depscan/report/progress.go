package report

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progressInterval bounds how often Progress redraws: ten lines a second reads as
// live, and a scan updating per package does not flood a slow terminal.
const progressInterval = 100 * time.Millisecond

// Progress draws one status line ("\r resolving registries 123/2000") on a
// terminal, redrawn at most ten times a second and erased by Done. A Progress
// made for something that is not a terminal writes nothing, so callers need not
// check. Update and Done are safe for concurrent use.
type Progress struct {
	mu      sync.Mutex
	w       io.Writer
	label   string
	enabled bool
	now     func() time.Time
	last    time.Time
	width   int // of the line on screen, to erase it
	err     error
}

// NewProgress returns a Progress writing to w with label ("resolving registries")
// before the counts; enabled is false when w is not a terminal (see IsTerminal).
func NewProgress(w io.Writer, enabled bool, label string) *Progress {
	return &Progress{w: w, label: label, enabled: enabled, now: time.Now}
}

// Update shows done of total. Calls closer together than the redraw interval are
// dropped, except the one that reaches total, so the last count is always shown.
func (p *Progress) Update(done, total int) {
	if p == nil || !p.enabled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if done < total && !p.last.IsZero() && now.Sub(p.last) < progressInterval {
		return
	}
	p.last = now
	line := fmt.Sprintf(" %s %d/%d", p.label, done, total)
	pad := ""
	if n := p.width - len(line); n > 0 {
		pad = strings.Repeat(" ", n) // a shorter line must cover the longer one
	}
	p.width = len(line)
	p.write("\r" + line + pad)
}

// Done erases the line and returns the first write error, if any: a progress line
// that could not be drawn does not fail a scan, but the caller may say so.
func (p *Progress) Done() error {
	if p == nil || !p.enabled {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.width > 0 {
		p.write("\r" + strings.Repeat(" ", p.width) + "\r")
		p.width = 0
	}
	return p.err
}

func (p *Progress) write(s string) {
	if _, err := io.WriteString(p.w, s); err != nil && p.err == nil {
		p.err = fmt.Errorf("progress line: %w", err)
	}
}
