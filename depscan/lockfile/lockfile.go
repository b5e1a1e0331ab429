package lockfile

import (
	"fmt"
	"io"
	"os"

	"github.com/perfwatch/perfwatch/depscan"
)

// Parser reads one file format. Parsers are plain values so that adding an
// ecosystem is one more entry in Parsers, with no registration at init time.
type Parser struct {
	// Name identifies the format in errors and reports, e.g. "go.mod", "poetry.lock".
	Name string
	// Ecosystem is the ecosystem the format's packages belong to.
	Ecosystem depscan.Ecosystem
	// Rank orders the formats of one ecosystem found in the same directory: Walk
	// keeps only the files of the highest rank, because a lockfile (rank 2) pins
	// what a manifest (rank 1) only constrains. Equal ranks are all kept.
	Rank int
	// Match reports whether a file's base name is in this format.
	Match func(base string) bool
	// Parse reads the file at path whose contents are data. It may read sibling
	// or included files through path (go.sum next to go.mod, requirements -r
	// includes), so path must name the file on disk. It sets each package's
	// Source to path (or to the included file's path); Walk makes it relative.
	Parse func(path string, data []byte) (Result, error)
}

// Result is what a parser found in one file.
type Result struct {
	Packages []depscan.Package
	// Notes are things a reader of the report should know about that are not
	// failures, such as an entry that was skipped because it names no version
	// that can be looked up.
	Notes []Note
}

// Parsers returns every format this package reads, in no particular order. A
// new ecosystem appends its parsers here (one function per ecosystem, so each
// engineer edits one line).
func Parsers() []Parser {
	var ps []Parser
	ps = append(ps, goParsers()...)
	ps = append(ps, pythonParsers()...)
	ps = append(ps, npmParsers()...)
	return ps
}

// MaxFileSize bounds the files Walk and the parsers read: real lockfiles are at
// most a few MiB, and a bound keeps a stray huge file from exhausting memory.
const MaxFileSize = 64 << 20

// readBounded reads the file at path, refusing one larger than MaxFileSize.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Stat refuses a large regular file before reading it; the limited
	// read still bounds a file that grows or reports no size, and reports
	// the error should Stat have failed for a real reason.
	if fi, err := f.Stat(); err == nil && fi.Size() > MaxFileSize {
		return nil, fmt.Errorf("%s: larger than %d MiB", path, MaxFileSize>>20)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: larger than %d MiB", path, MaxFileSize>>20)
	}
	return data, nil
}

// ParseError is a failure to read a file, located at a line when the format has
// lines; its text is "file:line: message" as compilers print it.
type ParseError struct {
	File string
	// Line is 1-based; 0 when the failure is not on a particular line.
	Line int
	Err  error
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// errorAt builds a ParseError; parsers use it so every error names file and line.
func errorAt(file string, line int, format string, args ...any) error {
	return &ParseError{File: file, Line: line, Err: fmt.Errorf(format, args...)}
}

// Note is an informational remark about one line of a file. It implements error
// so that Walk can return notes alongside failures; tell them apart with
// errors.As(err, new(*Note)).
type Note struct {
	File string
	Line int
	Text string
}

func (n *Note) Error() string {
	if n.Line > 0 {
		return fmt.Sprintf("%s:%d: note: %s", n.File, n.Line, n.Text)
	}
	return fmt.Sprintf("%s: note: %s", n.File, n.Text)
}
