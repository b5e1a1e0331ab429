package registry

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/health"
)

// seedFiles adds the fixture files under dir to the corpus, those of up to 8 KiB:
// the fuzzer minimises every input that finds new coverage, and on a large
// document that takes longer than the fuzzing itself.
func seedFiles(f *testing.F, dir string) {
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err == nil && len(data) <= 8<<10 {
			f.Add(data)
		}
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
}

// Seeds with the characters that matter to JSON and to the formats: both
// quotes, backslashes and escapes, multi-byte text, and values of the wrong kind.
var jsonSeeds = []string{
	`{}`, `null`, `[]`, `{"dist-tags":{"latest":"1.0.0"},"versions":{"1.0.0":{"deprecated":"use \"other\" instead \\ now","license":{"type":"MIT"}}},"time":{"1.0.0":"2020-01-01T00:00:00Z"}}`,
	`{"versions":{"1.0.0":{"deprecated":true,"license":["MIT",{"type":"ISC"}]}},"time":{"unpublished":{"time":"2020-01-01T00:00:00Z"}}}`,
	`{"time":{"unpublished":{"time":"x","versions":["1.0.0"]}}}`,
	`{"versions":{"1.0.0":{"license":"Лицензия ü '中文'"}},"time":{"1.0.0":"not a time"}}`,
	`{"dist-tags":"latest","versions":[]}`,
	`{"info":{"version":"1.0","license":"It's \"MIT\"\\","license_expression":null,"classifiers":["License :: OSI Approved :: MIT License"]},"releases":{"1.0":[{"upload_time_iso_8601":"2015-06-14T14:38:05.875222Z","yanked":true,"yanked_reason":"dépassé"}],"1!2.0rc1":[],"bad version":[{}]}}`,
	`{"info":{"license_expression":7},"releases":{"1.0":"x"}}`,
	"{\"info\":{\"version\":\"\xff\xfe\"}}",
}

func FuzzDecodeNpm(f *testing.F) {
	seedFiles(f, "testdata/npm")
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		facts, err := decodeNpm(bytes.NewReader(data))
		if err != nil {
			if facts != nil {
				t.Fatal("facts returned with an error")
			}
			if !strings.HasPrefix(err.Error(), "decode npm document") && !strings.HasPrefix(err.Error(), "unpublished") {
				t.Fatalf("unclear error %q", err)
			}
			return
		}
		for v := range facts.Releases {
			facts.answer(depscan.Npm, v)
		}
		facts.answer(depscan.Npm, "1.0.0")
	})
}

func FuzzDecodePyPI(f *testing.F) {
	seedFiles(f, "testdata/pypi")
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		facts, err := decodePyPI(bytes.NewReader(data))
		if err != nil {
			if facts != nil || !strings.HasPrefix(err.Error(), "decode PyPI document") {
				t.Fatalf("unclear error %q (facts %v)", err, facts)
			}
			return
		}
		for v, rel := range facts.Releases {
			if !rel.Yanked && rel.YankReason != "" {
				t.Fatalf("%s: a yank reason without a yank", v)
			}
			facts.answer(depscan.PyPI, v)
		}
	})
}

// FuzzGoProxy feeds the same bytes to the three Go proxy decoders: @v/list, .info
// and .mod.
func FuzzGoProxy(f *testing.F) {
	seedFiles(f, "testdata/goproxy")
	for _, s := range []string{
		"v1.0.0\nv1.1.0-rc.1\n\nnot-a-version\r\nv2.0.0+incompatible\n",
		`{"Version":"v1.0.0","Time":"2020-01-01T00:00:00Z"}`, `{"Version":"1.0"}`,
		"// Deprecated: use \"x\" \\ instead — ünïcode\nmodule example.com/m\n\nretract (\n\tv1.0.0 // \"bad\" \\ release\n\t[v1.1.0, v1.2.0]\n)\n",
		"module \"example.com/m\"\nretract [v2.0.0, v1.0.0]\n", "retract v1.0.0\n", "module",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, v := range parseGoList(data) {
			if highest([]string{v}, nil) != v {
				t.Fatalf("highest of one valid version %q is not it", v)
			}
		}
		var gi goInfo
		if err := decodeGoInfo(bytes.NewReader(data), &gi); err != nil && !strings.Contains(err.Error(), "version info") {
			t.Fatalf("unclear error %q", err)
		}
		var fa facts
		if err := goModFacts("example.com/m", "v1.0.0", data, &fa); err == nil {
			for _, rt := range fa.Retracted {
				rt.covers("v1.0.0")
			}
		}
	})
}

// FuzzOutdated checks that Outdated never panics and is antisymmetric: of two
// versions, at most one is behind the other.
func FuzzOutdated(f *testing.F) {
	for _, s := range [][2]string{{"1.2.3", "2.0.0"}, {"v0.0.0-20191109021931-daa7c04131f5", "v0.1.0"}, {"1!1.0", "2.0.post1"}, {"1.0.dev1", "1.0a1"}, {"v2.0.0+incompatible", "v1.0.0"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, eco := range []depscan.Ecosystem{depscan.Go, depscan.Npm, depscan.PyPI} {
			ab, m, err1 := Outdated(a, b, eco)
			ba, _, err2 := Outdated(b, a, eco)
			if err1 != nil || err2 != nil {
				continue
			}
			if ab != health.Current && ba != health.Current {
				t.Fatalf("%s: %q and %q are each behind the other", eco, a, b)
			}
			if (ab == health.Major) != (m > 0) {
				t.Fatalf("%s: %q behind %q: %s with %d majors", eco, a, b, BehindString(ab), m)
			}
		}
	})
}
