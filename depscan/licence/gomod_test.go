package licence

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoModule runs the detection over real modules' licence files, copied
// from the module cache into testdata/modcache under the cache's own layout.
// Each expected licence is the one the module's repository declares (and
// pkg.go.dev shows).
func TestGoModule(t *testing.T) {
	cache := filepath.Join("testdata", "modcache")
	for _, tt := range []struct {
		path, version, want, files string
	}{
		// Upper case in the path is escaped as !b!s in the cache.
		{"github.com/BurntSushi/toml", "v1.6.0", "MIT", "COPYING"},
		// PATENTS is Google's patent grant, not a licence file.
		{"golang.org/x/mod", "v0.42.0", "BSD-3-Clause", "LICENSE"},
		// The NOTICE names the project; it is no licence and does not count.
		{"github.com/prometheus/common", "v0.74.0", "Apache-2.0", "LICENSE"},
		{"github.com/gorilla/mux", "v1.8.1", "BSD-3-Clause", "LICENSE"},
		{"github.com/jackc/pgx/v5", "v5.13.0", "MIT", "LICENSE"},
		// LICENSE-SQLITE is the bundled SQLite's blessing, not the module's licence.
		{"modernc.org/sqlite", "v1.62.0", "BSD-3-Clause", "LICENSE"},
		// yaml.v3's NOTICE says the MIT parts and the Apache parts: both hold.
		{"go.yaml.in/yaml/v3", "v3.0.6", "Apache-2.0 AND MIT", "LICENSE,NOTICE"},
		{"github.com/hashicorp/golang-lru/v2", "v2.0.7", "MPL-2.0", "LICENSE"},
		{"github.com/owenrumney/go-sarif/v3", "v3.3.1", "Unlicense", "LICENSE"},
		{"github.com/xeipuuv/gojsonschema", "v1.2.0", "Apache-2.0", "LICENSE-APACHE-2.0.txt"},
		{"github.com/go-errors/errors", "v1.5.1", "MIT", "LICENSE.MIT"},
		// grpc's NOTICE.txt is the Apache-2.0 notice header, so it counts.
		{"google.golang.org/grpc", "v1.83.0", "Apache-2.0", "LICENSE,NOTICE.txt"},
		// LICENSE.code offers Apache-2.0 or GPL-2.0-or-later in prose, which a
		// text match cannot read: both texts are found and joined with AND,
		// the stricter reading; LICENSE.docs is CC-BY-4.0.
		{"github.com/spdx/tools-golang", "v0.5.7", "Apache-2.0 AND CC-BY-4.0 AND GPL-2.0-only", "LICENSE.code,LICENSE.docs"},
		{"stdlib", "v1.26.8", "BSD-3-Clause", ""},
		{"toolchain", "v1.26.8", "BSD-3-Clause", ""},
	} {
		got, files, err := GoModule(context.Background(), cache, tt.path, tt.version)
		if err != nil || got != tt.want || files != tt.files {
			t.Errorf("GoModule(%s@%s) = %q, %q, %v; want %q, %q", tt.path, tt.version, got, files, err, tt.want, tt.files)
		}
	}
}

func TestGoModuleUnknown(t *testing.T) {
	ctx := context.Background()
	if _, _, err := GoModule(ctx, filepath.Join("testdata", "modcache"), "github.com/gorilla/mux", "v1.8.0"); !errors.Is(err, ErrNotInModCache) {
		t.Errorf("missing version: err = %v, want ErrNotInModCache", err)
	} else if !strings.Contains(err.Error(), "github.com/gorilla/mux@v1.8.0: not in the module cache; run go mod download") {
		t.Errorf("missing version: err = %v", err)
	}
	if _, _, err := GoModule(ctx, "testdata", "Bad Path", "v1.0.0"); err == nil || errors.Is(err, ErrNotInModCache) {
		t.Errorf("invalid path: err = %v", err)
	}

	cache := t.TempDir()
	write := func(dir, name, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(cache, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cache, dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mit, err := os.ReadFile(filepath.Join("testdata", "modcache", "github.com", "jackc", "pgx", "v5@v5.13.0", "LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	write("example.com/none@v1.0.0", "README.md", "no licence here")
	write("example.com/custom@v1.0.0", "LICENSE", "You may use this software on Tuesdays only, and never for profit.\n")
	// A recognised licence followed by as much text of its own is under the threshold.
	write("example.com/amended@v1.0.0", "LICENSE", string(mit)+strings.Repeat("Further, the licensee shall send the author a postcard. ", 40))
	write("example.com/empty@v1.0.0", "LICENSE", "\n\n")
	write("example.com/mixed@v1.0.0", "LICENSE", string(mit))
	write("example.com/mixed@v1.0.0", "COPYING", "All rights reserved.\n")
	// Names that hold no licence of the module are not read.
	write("example.com/other@v1.0.0", "LICENSE-3RD-PARTY.md", "All rights reserved.\n")
	write("example.com/other@v1.0.0", "license.go", "package other\n")
	write("example.com/other@v1.0.0", "NOTICE", "This product includes software developed at Example.\n")
	for _, tt := range []struct {
		path string
		want error
		file string
	}{
		{"example.com/none", ErrNoLicenceFile, ""},
		{"example.com/custom", ErrUnrecognised, "LICENSE"},
		{"example.com/amended", ErrUnrecognised, "LICENSE"},
		{"example.com/empty", ErrUnrecognised, "LICENSE"},
		{"example.com/mixed", ErrUnrecognised, "COPYING"},
		{"example.com/other", ErrNoLicenceFile, ""},
	} {
		got, file, err := GoModule(ctx, cache, tt.path, "v1.0.0")
		if got != "" || file != tt.file || !errors.Is(err, tt.want) {
			t.Errorf("GoModule(%s) = %q, %q, %v; want %q and %v", tt.path, got, file, err, tt.file, tt.want)
		}
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := GoModule(cancelled, filepath.Join("testdata", "modcache"), "github.com/gorilla/mux", "v1.8.1"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestIsLicenceFile(t *testing.T) {
	for name, want := range map[string]bool{
		"LICENSE": true, "license": true, "LICENCE.md": true, "COPYING": true, "COPYING.txt": true,
		"LICENSE-MIT": true, "LICENSE.MIT": true, "LICENSE-APACHE-2.0.txt": true, "MIT-LICENSE.txt": true,
		"UNLICENSE": true, "NOTICE": true, "NOTICE.txt": true, "LICENSE.docs": true, "License.rst": true,
		"license.go": false, "license_test.go": false, "LICENSE-3RD-PARTY.md": false, "SQLITE-LICENSE": false,
		"LICENSE-LOGO": false, "PATENTS": false, "README.md": false, "LICENSES": false,
	} {
		if got := isLicenceFile(name); got != want {
			t.Errorf("isLicenceFile(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestModCache(t *testing.T) {
	t.Setenv("GOMODCACHE", "/somewhere/mod")
	if d, err := ModCache(context.Background()); err != nil || d != "/somewhere/mod" {
		t.Errorf("ModCache = %q, %v", d, err)
	}
	t.Setenv("GOMODCACHE", "")
	// The go command is on PATH wherever these tests run.
	if d, err := ModCache(context.Background()); err != nil || d == "" {
		t.Errorf("ModCache from go env = %q, %v", d, err)
	}
}
