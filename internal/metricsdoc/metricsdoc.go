// Package metricsdoc reads the metric tables of docs/metrics.md, so that each package's
// tests can check that what it registers and what the document lists agree.
package metricsdoc

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Row is one metric's row of a table.
type Row struct {
	Name, Type, Labels, Bounds, EmittedBy string
}

// Path returns the absolute path of docs/metrics.md in this repository.
func Path() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "docs", "metrics.md")
}

// Section returns the rows of the table under the level-two heading that starts with
// heading, keyed by metric name. The name is the backticked text of the first column.
func Section(path, heading string) (map[string]Row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open metrics doc: %w", err)
	}
	defer f.Close()
	rows := map[string]Row{}
	in, found := false, false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "## ") {
			in = strings.HasPrefix(strings.TrimPrefix(line, "## "), heading)
			found = found || in
			continue
		}
		if !in || !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 5 {
			return nil, fmt.Errorf("%s:%d: want 5 columns, have %d", path, n, len(cells))
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		name := strings.Trim(cells[0], "`")
		if strings.ContainsAny(name, "`{} ") {
			return nil, fmt.Errorf("%s:%d: first column must be one metric name in backticks, got %s", path, n, cells[0])
		}
		if _, dup := rows[name]; dup {
			return nil, fmt.Errorf("%s:%d: %s listed twice", path, n, name)
		}
		rows[name] = Row{name, cells[1], cells[2], cells[3], cells[4]}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if !found {
		return nil, fmt.Errorf("%s: no section %q", path, heading)
	}
	return rows, nil
}
