package lockfile

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/perfwatch/perfwatch/depscan"
)

func poetryParser() Parser {
	return Parser{
		Name: "poetry.lock", Ecosystem: depscan.PyPI, Rank: 2,
		Match: func(base string) bool { return base == "poetry.lock" },
		Parse: func(path string, data []byte) (Result, error) {
			pyproject, err := readSibling(path, "pyproject.toml")
			if err != nil {
				return Result{}, err
			}
			return parsePoetry(path, data, pyproject)
		},
	}
}

// readSibling reads the manifest beside a lockfile; nil when there is none.
func readSibling(path, base string) ([]byte, error) {
	data, err := readBounded(filepath.Join(filepath.Dir(path), base))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the %s beside %s: %w", base, path, err)
	}
	return data, nil
}

type poetryLock struct {
	Package []struct {
		Name     string   `toml:"name"`
		Version  string   `toml:"version"`
		Category string   `toml:"category"` // lock-version 1.x: "main" or "dev"
		Groups   []string `toml:"groups"`   // lock-version 2.1 (Poetry 2)
		Source   struct {
			Type string `toml:"type"`
			URL  string `toml:"url"`
		} `toml:"source"`
	} `toml:"package"`
}

// parsePoetry reads a poetry.lock; pyproject is the pyproject.toml beside it
// (nil when there is none), the only place that says which packages are direct.
func parsePoetry(path string, data, pyproject []byte) (Result, error) {
	var lock poetryLock
	if err := decodeTOML(path, data, &lock); err != nil {
		return Result{}, err
	}
	direct, err := pyprojectDirect(filepath.Join(filepath.Dir(path), "pyproject.toml"), pyproject)
	if err != nil {
		return Result{}, err
	}
	lines := tableLines(data, "package")
	var res Result
	for i, p := range lock.Package {
		line := lineAt(lines, i)
		if p.Name == "" || p.Version == "" {
			return Result{}, errorAt(path, line, "package without name or version")
		}
		name := normalizeName(p.Name)
		if p.Source.Type == "directory" || p.Source.Type == "file" {
			res.Notes = append(res.Notes, Note{File: path, Line: line,
				Text: fmt.Sprintf("%s comes from the local %s %s: skipped", name, p.Source.Type, p.Source.URL)})
			continue
		}
		group, isDirect := direct[name]
		dev := p.Category == "dev"
		if len(p.Groups) > 0 {
			dev = !contains(p.Groups, "main")
		} else if p.Category == "" && isDirect {
			dev = group != "main"
		}
		res.Packages = append(res.Packages, depscan.Package{
			Name: name, Version: p.Version, Ecosystem: depscan.PyPI,
			Direct: isDirect, Dev: dev, Source: path, Line: line,
		})
	}
	return res, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

type pyprojectFile struct {
	Project struct {
		Dependencies         []string            `toml:"dependencies"`
		OptionalDependencies map[string][]string `toml:"optional-dependencies"`
	} `toml:"project"`
	DependencyGroups map[string][]any `toml:"dependency-groups"` // PEP 735; entries may be {include-group = ...}
	Tool             struct {
		Poetry struct {
			Dependencies    map[string]any `toml:"dependencies"`
			DevDependencies map[string]any `toml:"dev-dependencies"`
			Group           map[string]struct {
				Dependencies map[string]any `toml:"dependencies"`
			} `toml:"group"`
		} `toml:"poetry"`
	} `toml:"tool"`
}

// pyprojectDirect maps the normalised names a pyproject.toml depends on to the
// group naming them: "main" for the project's own dependencies (which win
// over any other group), else the dependency group's name.
func pyprojectDirect(path string, data []byte) (map[string]string, error) {
	direct := make(map[string]string)
	if data == nil {
		return direct, nil
	}
	var pp pyprojectFile
	if err := decodeTOML(path, data, &pp); err != nil {
		return nil, err
	}
	add := func(name, group string) {
		name = normalizeName(name)
		if name == "python" {
			return
		}
		if old, ok := direct[name]; !ok || old != "main" {
			direct[name] = group
		}
	}
	for n := range pp.Tool.Poetry.Dependencies {
		add(n, "main")
	}
	for n := range pp.Tool.Poetry.DevDependencies {
		add(n, "dev")
	}
	for g, deps := range pp.Tool.Poetry.Group {
		for n := range deps.Dependencies {
			add(n, g)
		}
	}
	for _, d := range pp.Project.Dependencies {
		add(requirementName(d), "main")
	}
	// Extras are installed with the project when asked for, so they count as main.
	for _, deps := range pp.Project.OptionalDependencies {
		for _, d := range deps {
			add(requirementName(d), "main")
		}
	}
	for g, deps := range pp.DependencyGroups {
		for _, d := range deps {
			if s, ok := d.(string); ok {
				add(requirementName(s), g)
			}
		}
	}
	delete(direct, "")
	return direct, nil
}

// requirementName is the distribution name a PEP 508 string starts with.
func requirementName(s string) string {
	return nameRE.FindString(strings.TrimSpace(s))
}

// tomlLineRE finds the line in a BurntSushi/toml error message.
var tomlLineRE = regexp.MustCompile(`^toml: line (\d+)(?: \(last key "([^"]*)"\))?: `)

// decodeTOML decodes data into v, reporting failures as a ParseError with the
// line the TOML library names.
func decodeTOML(path string, data []byte, v any) error {
	_, err := toml.Decode(string(data), v)
	if err == nil {
		return nil
	}
	var pe toml.ParseError
	if errors.As(err, &pe) {
		msg := pe.Message
		if pe.LastKey != "" {
			msg = fmt.Sprintf("%s (at key %q)", msg, pe.LastKey)
		}
		return &ParseError{File: path, Line: pe.Position.Line, Err: errors.New(msg)}
	}
	// Type mismatches are plain errors naming the line in their text.
	if m := tomlLineRE.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1]) // the pattern admits only digits
		msg := strings.TrimPrefix(err.Error(), m[0])
		if m[2] != "" {
			msg = fmt.Sprintf("%s (at key %q)", msg, m[2])
		}
		return &ParseError{File: path, Line: n, Err: errors.New(msg)}
	}
	return &ParseError{File: path, Err: err}
}

// tableLines returns the 1-based lines of each [[name]] array-of-tables
// header, in order, so the i-th decoded element can be given its line. TOML
// libraries do not report positions of decoded values.
func tableLines(data []byte, name string) []int {
	var lines []int
	header := "[[" + name + "]]"
	for i, l := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(l)
		if c := strings.IndexByte(t, '#'); c >= 0 {
			t = strings.TrimSpace(t[:c])
		}
		if strings.ReplaceAll(t, " ", "") == header {
			lines = append(lines, i+1)
		}
	}
	return lines
}

// lineAt is lines[i], or 0 when a header was not found where TOML found a
// table (a header inside a multi-line string would make them disagree).
func lineAt(lines []int, i int) int {
	if i < len(lines) {
		return lines[i]
	}
	return 0
}
