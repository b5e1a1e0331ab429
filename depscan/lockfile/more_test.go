package lockfile

import (
	"slices"
	"testing"
)

// TestInline covers format variants too small to deserve a testdata file.
func TestInline(t *testing.T) {
	noFiles := func(string) ([]byte, error) { return nil, nil }
	tests := []struct {
		name  string
		parse func() (Result, error)
		want  []string
	}{
		{"poetry 2 groups", func() (Result, error) {
			return parsePoetry("poetry.lock", []byte(`
[[package]]
name = "black"
version = "24.8.0"
groups = ["dev"]

[[package]]
name = "click"
version = "8.1.7"
groups = ["main", "dev"]
`), []byte("[project]\ndependencies = [\"click>=8 ; python_version>'3.8'\"]\n[dependency-groups]\ndev = [\"black\", {include-group = \"lint\"}]\n"))
		}, []string{"black@24.8.0 direct dev poetry.lock:2", "click@8.1.7 direct poetry.lock:7"}},
		{"uv transitive dev", func() (Result, error) {
			return parseUV("uv.lock", []byte(`version = 1

[[package]]
name = "app"
version = "1.0"
source = { virtual = "." }
dependencies = [{ name = "click" }]

[package.optional-dependencies]
fast = [{ name = "uvloop" }]

[package.dev-dependencies]
dev = [{ name = "pytest" }, { name = "click" }]

[[package]]
name = "click"
version = "8.1.7"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pytest"
version = "8.3.3"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "iniconfig" }, { name = "click" }]

[[package]]
name = "iniconfig"
version = "2.0.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "uvloop"
version = "0.21.0"
source = { registry = "https://pypi.org/simple" }
`))
		}, []string{
			"click@8.1.7 direct uv.lock:15",
			"pytest@8.3.3 direct dev uv.lock:20",
			"iniconfig@2.0.0 indirect dev uv.lock:26",
			"uvloop@0.21.0 direct uv.lock:31",
		}},
		{"go.mod exact replace", func() (Result, error) {
			return parseGoMod("go.mod", []byte(`module m

go 1.21rc2

require (
	example.com/a v1.0.0
	example.com/b v1.2.0
)

replace example.com/a v1.0.0 => example.com/a v1.0.1
replace example.com/a => example.com/other v9.0.0
replace example.com/b v1.1.0 => example.com/b v1.1.1
`), "go.sum", nil)
		}, []string{
			"example.com/a@v1.0.1 direct go.mod:6",
			"example.com/b@v1.2.0 direct go.mod:7",
			"stdlib@v1.21.0-rc.2 direct go.mod:3",
			"toolchain@v1.21.0-rc.2 direct go.mod:3",
		}},
		{"requirements option forms", func() (Result, error) {
			return parseRequirements("requirements.txt", []byte(
				"--extra-index-url=https://u:p=w@example.com/simple\n"+
					"--requirement=other.txt\n"+
					"-rother2.txt\n"+
					"a==1\t--hash=sha256:aa\n"+
					"b==2 # pinned \\\n"+
					"c==3\n"), func(p string) ([]byte, error) {
				return []byte("d==4\n"), nil
			})
		}, []string{
			"d@4 direct other.txt:1",
			"d@4 direct other2.txt:1",
			"a@1 direct requirements.txt:4",
			"b@2 direct requirements.txt:5",
			"c@3 direct requirements.txt:6",
		}},
		{"requirements empty", func() (Result, error) {
			return parseRequirements("requirements.txt", []byte("# nothing\n\n   \n"), noFiles)
		}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.parse()
			if err != nil {
				t.Fatal(err)
			}
			if got := summaries(res.Packages); !slices.Equal(got, tt.want) {
				t.Errorf("\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}
