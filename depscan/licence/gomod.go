package licence

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/github/go-spdx/v2/spdxexp/spdxlicenses"
	"github.com/google/licensecheck"
	"golang.org/x/mod/module"
)

// The reasons GoModule finds no licence; each means health.LicenceUnknown, and
// the error's text is the note for the report.
var (
	ErrNotInModCache = errors.New("not in the module cache; run go mod download")
	ErrNoLicenceFile = errors.New("no licence file at the module's root")
	ErrUnrecognised  = fmt.Errorf("licence text not recognised (licensecheck covers less than %d%%)", CoverageThreshold)
)

// CoverageThreshold is the share of a licence file's words, in percent, that
// licensecheck must attribute to known licences for the file to count, as
// pkg.go.dev decides whether a module's licence is redistributable: a file with
// much unrecognised text may add or take away rights, so it is unknown.
const CoverageThreshold = 75

// maxLicenceFile bounds what is read of one file; licence texts are tens of kB.
const maxLicenceFile = 1 << 20

// ModCache returns the module cache directory: $GOMODCACHE, else what
// `go env GOMODCACHE` says.
func ModCache(ctx context.Context) (string, error) {
	if d := os.Getenv("GOMODCACHE"); d != "" {
		return d, nil
	}
	out, err := exec.CommandContext(ctx, "go", "env", "GOMODCACHE").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMODCACHE: %w", err)
	}
	d := strings.TrimSpace(string(out))
	if d == "" {
		return "", errors.New("go env GOMODCACHE: empty")
	}
	return d, nil
}

// GoModule detects the licence of a Go module version from the licence files at
// the root of its directory in the module cache (LICENSE, COPYING, NOTICE and
// the like: see isLicenceFile), scanned with github.com/google/licensecheck. It
// returns the SPDX expression (the licences of all files joined with AND) and
// the files it came from, comma-separated. The stdlib and toolchain
// pseudo-packages are BSD-3-Clause. A module that is not downloaded gives
// ErrNotInModCache, one without a licence file ErrNoLicenceFile, and one with a
// licence file licensecheck does not cover to CoverageThreshold ErrUnrecognised
// (wrapped, naming the file); every error means the licence is unknown.
func GoModule(ctx context.Context, modCache, path, version string) (expr, file string, err error) {
	if path == "stdlib" || path == "toolchain" {
		return "BSD-3-Clause", "", nil
	}
	escPath, err := module.EscapePath(path)
	if err != nil {
		return "", "", fmt.Errorf("module %s: %w", path, err)
	}
	escVersion, err := module.EscapeVersion(version)
	if err != nil {
		return "", "", fmt.Errorf("module %s@%s: %w", path, version, err)
	}
	dir := filepath.Join(modCache, filepath.FromSlash(escPath+"@"+escVersion))
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", "", fmt.Errorf("module %s@%s: %w", path, version, ErrNotInModCache)
		}
		return "", "", fmt.Errorf("module %s@%s: %w", path, version, err)
	}
	var ids, files, unread []string
	for _, ent := range entries {
		if err := ctx.Err(); err != nil {
			return "", "", err
		}
		if !ent.Type().IsRegular() || !isLicenceFile(ent.Name()) {
			continue
		}
		text, err := readBounded(filepath.Join(dir, ent.Name()))
		if err != nil {
			return "", "", fmt.Errorf("module %s@%s: %w", path, version, err)
		}
		found := scanLicences(text)
		if found == nil {
			// A NOTICE file is attribution, not a licence: not matching one
			// says nothing. A LICENSE file that does not match is unknown.
			if !strings.HasPrefix(strings.ToUpper(ent.Name()), "NOTICE") {
				unread = append(unread, ent.Name())
			}
			continue
		}
		files = append(files, ent.Name())
		ids = append(ids, found...)
	}
	if len(unread) > 0 {
		return "", strings.Join(unread, ","), fmt.Errorf("module %s@%s: %s: %w", path, version, strings.Join(unread, ", "), ErrUnrecognised)
	}
	if len(ids) == 0 {
		return "", "", fmt.Errorf("module %s@%s: %w", path, version, ErrNoLicenceFile)
	}
	return joinAnd(ids), strings.Join(files, ","), nil
}

// isLicenceFile reports whether a file at a module's root holds its licence.
// The names are pkg.go.dev's (LICENSE, COPYING, UNLICENSE, MIT-LICENSE, with
// -MIT, -APACHE, -2.0 and .md, .txt, ... variants, in any case) and NOTICE,
// whose text GoModule reads when it matches. Other names, like
// LICENSE-3RD-PARTY.md or SQLITE-LICENSE, hold the licences of code the
// module bundles or of its logo, not the module's own.
func isLicenceFile(name string) bool {
	u := strings.ToUpper(name)
	for _, ext := range []string{".MD", ".MARKDOWN", ".TXT", ".RST", ".MIT", ".CODE", ".DOCS"} {
		if s, ok := strings.CutSuffix(u, ext); ok {
			u = s
			break
		}
	}
	for _, suffix := range []string{"-MIT", "-APACHE-2.0", "-APACHE", "-2.0"} {
		if s, ok := strings.CutSuffix(u, suffix); ok {
			u = s
			break
		}
	}
	switch strings.ReplaceAll(u, "LICENCE", "LICENSE") {
	case "LICENSE", "COPYING", "UNLICENSE", "MIT-LICENSE", "MIT_LICENSE", "NOTICE":
		return true
	}
	return false
}

func readBounded(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxLicenceFile+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	if len(data) > maxLicenceFile {
		return nil, fmt.Errorf("read %s: larger than %d bytes", file, maxLicenceFile)
	}
	return data, nil
}

// scanLicences returns the SPDX ids of the licences in a licence file's text,
// or nil when licensecheck covers less than CoverageThreshold of it.
func scanLicences(text []byte) []string {
	if len(bytes.TrimSpace(text)) == 0 {
		return nil
	}
	cov := licensecheck.Scan(text)
	if cov.Percent < CoverageThreshold {
		return nil
	}
	var ids []string
	for _, m := range cov.Match {
		if id := spdxForLicensecheck(m.ID); id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return ids
}

// spdxForLicensecheck maps a licensecheck licence id to an SPDX expression
// term. Its ids are SPDX's except for a few: the GNU ids without -only (a
// licence text cannot say "or later"; the file headers do, so the text alone
// is the -only licence), and names SPDX does not list, which become
// LicenseRef-licensecheck-<id>. Google's patent grants add rights and are no
// licence: they give "".
func spdxForLicensecheck(id string) string {
	switch id {
	case "GooglePatentClause", "GooglePatentsFile":
		return ""
	case "GPL-2.0-or-3.0":
		return "(GPL-2.0-only OR GPL-3.0-only)"
	}
	if ok, canon := spdxlicenses.IsActiveLicense(id); ok {
		return canon
	}
	if e, err := parseExpr(id); err == nil {
		return e.String()
	}
	return "LicenseRef-licensecheck-" + id
}

// joinAnd joins licence terms with AND, each once, in order.
func joinAnd(ids []string) string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return strings.Join(out, " AND ")
}
