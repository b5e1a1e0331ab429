package lockfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/perfwatch/perfwatch/depscan"
)

// seed adds the testdata files matching pattern to the corpus.
func seed(f *testing.F, patterns ...string) {
	f.Helper()
	for _, pattern := range patterns {
		paths, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
}

// checkResult holds every parser to the same contract: an error is a
// *ParseError naming the file, and every package has a name, the ecosystem,
// and a line within the file.
func checkResult(t *testing.T, file string, data []byte, eco depscan.Ecosystem, res Result, err error) {
	t.Helper()
	if err != nil {
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("error %T %q is not a *ParseError", err, err)
		}
		if !strings.HasPrefix(err.Error(), file+":") {
			t.Fatalf("error %q does not name %s", err, file)
		}
		return
	}
	lines := bytes.Count(data, []byte("\n")) + 1
	for _, p := range res.Packages {
		if p.Name == "" || p.Ecosystem != eco || p.Source == "" {
			t.Fatalf("bad package %+v", p)
		}
		if p.Source == file && (p.Line < 0 || p.Line > lines) {
			t.Fatalf("package %+v: line outside the file's %d lines", p, lines)
		}
	}
}

func FuzzGoMod(f *testing.F) {
	seed(f, "testdata/gomod/*/go.mod", "../../go.mod", "../../instrument/go.mod")
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := parseGoMod("go.mod", data, "go.sum", nil)
		checkResult(t, "go.mod", data, depscan.Go, res, err)
	})
}

func FuzzGoSum(f *testing.F) {
	seed(f, "testdata/gomod/*/go.sum")
	f.Fuzz(func(t *testing.T, data []byte) {
		mods, err := parseGoSum("go.sum", data)
		checkResult(t, "go.sum", data, depscan.Go, Result{Packages: mods}, err)
	})
}

func FuzzRequirements(f *testing.F) {
	seed(f, "testdata/requirements/*.txt", "testdata/requirements/*/*.txt")
	f.Add([]byte("-r a/b.txt\nx==1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Every include reads the same data, so "-r x" makes a cycle and
		// "-r d/x" an ever deeper chain: both must end in an error.
		read := func(string) ([]byte, error) { return data, nil }
		res, err := parseRequirements("requirements.txt", data, read)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %q is not a *ParseError", err, err)
			}
			return
		}
		checkResult(t, "requirements.txt", data, depscan.PyPI, res, nil)
	})
}

func FuzzPoetry(f *testing.F) {
	seed(f, "testdata/poetry/*.lock")
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := parsePoetry("poetry.lock", data, nil)
		checkResult(t, "poetry.lock", data, depscan.PyPI, res, err)
	})
}

func FuzzUV(f *testing.F) {
	seed(f, "testdata/uv/uv.lock")
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := parseUV("uv.lock", data)
		checkResult(t, "uv.lock", data, depscan.PyPI, res, err)
	})
}

func FuzzPipfileLock(f *testing.F) {
	seed(f, "testdata/pipfile/Pipfile.lock")
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := parsePipfileLock("Pipfile.lock", data, nil)
		checkResult(t, "Pipfile.lock", data, depscan.PyPI, res, err)
	})
}
