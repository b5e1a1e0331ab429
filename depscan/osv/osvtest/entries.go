package osvtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/perfwatch/perfwatch/depscan/osv"
)

// ReadDir decodes every *.json file directly in dir as one OSV entry, for a
// server's entries. It returns the entries that decode and, when some file does
// not, an error naming each such file, so a test decides whether bad files are
// expected (depscan/osv's testdata has two on purpose).
func ReadDir(dir string) ([]*osv.Vulnerability, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	sort.Strings(paths)
	vulns := make([]*osv.Vulnerability, 0, len(paths))
	var errs []error
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("read %s: %w", p, err))
			continue
		}
		v := new(osv.Vulnerability)
		if err := json.Unmarshal(data, v); err != nil {
			errs = append(errs, fmt.Errorf("decode %s: %w", p, err))
			continue
		}
		vulns = append(vulns, v)
	}
	return vulns, errors.Join(errs...)
}
