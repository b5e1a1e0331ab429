// Command layouts turns a directory of OSV entries (golang.org/x/vulndb's
// data/osv) into the two offline layouts the comparison tools read:
//
//   - govulncheck's -db file:// layout of go.dev/doc/security/vuln/database#api:
//     index/db.json, index/modules.json, index/vulns.json and ID/<id>.json;
//   - osv-scanner v2.5.1's --local-db-path layout, <dir>/osv-scalibr/Go/all.zip
//     (osv-scalibr's osvlocal matcher; older releases read <dir>/osv-scanner/).
//
// Usage: layouts SRC GOVULNDB OSVDB
package main

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/semver"
)

type entry struct {
	ID       string   `json:"id"`
	Modified string   `json:"modified"`
	Aliases  []string `json:"aliases"`
	Affected []struct {
		Package struct {
			Name string `json:"name"`
		} `json:"package"`
		Ranges []struct {
			Type   string `json:"type"`
			Events []struct {
				Introduced string `json:"introduced"`
				Fixed      string `json:"fixed"`
			} `json:"events"`
		} `json:"ranges"`
	} `json:"affected"`
}

func less(a, b string) bool { return semver.Compare("v"+a, "v"+b) < 0 }

// latestFix is the modules index's "fixed": the highest fixed version of the
// SEMVER ranges, none when a later introduced re-opens it, as the database's
// own index generator writes it.
func latestFix(e *entry, i int) string {
	fixed := ""
	for _, r := range e.Affected[i].Ranges {
		if r.Type != "SEMVER" {
			continue
		}
		for _, ev := range r.Events {
			if ev.Fixed != "" && less(fixed, ev.Fixed) {
				fixed = ev.Fixed
			}
		}
		for _, ev := range r.Events {
			if ev.Introduced != "" && ev.Introduced != "0" && less(fixed, ev.Introduced) {
				fixed = ""
				break
			}
		}
	}
	return fixed
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: layouts SRC GOVULNDB OSVDB")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "layouts:", err)
		os.Exit(1)
	}
}

func run(src, govulndb, osvdb string) error {
	files, err := filepath.Glob(filepath.Join(src, "*.json"))
	if err != nil {
		return err
	}
	for _, d := range []string{filepath.Join(govulndb, "ID"), filepath.Join(govulndb, "index"), filepath.Join(osvdb, "osv-scalibr", "Go")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	zf, err := os.Create(filepath.Join(osvdb, "osv-scalibr", "Go", "all.zip"))
	if err != nil {
		return err
	}
	zw := zip.NewWriter(zf)
	type vuln struct {
		ID       string `json:"id"`
		Modified string `json:"modified"`
		Fixed    string `json:"fixed,omitempty"`
	}
	type module struct {
		Path  string `json:"path"`
		Vulns []vuln `json:"vulns"`
	}
	type vulnMeta struct {
		ID       string   `json:"id"`
		Modified string   `json:"modified"`
		Aliases  []string `json:"aliases,omitempty"`
	}
	modules := map[string]*module{}
	var vulns []vulnMeta
	latest := ""
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var e entry
		if err := json.Unmarshal(data, &e); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if err := os.WriteFile(filepath.Join(govulndb, "ID", e.ID+".json"), data, 0o644); err != nil {
			return err
		}
		w, err := zw.Create(e.ID + ".json")
		if err != nil {
			return err
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
		if e.Modified > latest {
			latest = e.Modified
		}
		vulns = append(vulns, vulnMeta{e.ID, e.Modified, e.Aliases})
		for i, a := range e.Affected {
			m := modules[a.Package.Name]
			if m == nil {
				m = &module{Path: a.Package.Name}
				modules[a.Package.Name] = m
			}
			m.Vulns = append(m.Vulns, vuln{e.ID, e.Modified, latestFix(&e, i)})
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := zf.Close(); err != nil {
		return err
	}
	var mods []*module
	for _, m := range modules {
		mods = append(mods, m)
	}
	sort.Slice(mods, func(i, j int) bool { return mods[i].Path < mods[j].Path })
	write := func(name string, v any) error {
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(govulndb, "index", name), data, 0o644)
	}
	if err := write("db.json", map[string]string{"modified": latest}); err != nil {
		return err
	}
	if err := write("modules.json", mods); err != nil {
		return err
	}
	if err := write("vulns.json", vulns); err != nil {
		return err
	}
	fmt.Printf("%d entries, %d modules, latest %s\n", len(files), len(mods), strings.TrimSpace(latest))
	return nil
}
