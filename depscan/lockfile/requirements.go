package lockfile

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/perfwatch/perfwatch/depscan"
)

// maxIncludeDepth bounds -r/-c nesting; pip has no bound, but real projects
// nest two or three levels and a bound stops a runaway chain of distinct files.
const maxIncludeDepth = 16

// requirementsParser reads pip's requirements format
// (https://pip.pypa.io/en/stable/reference/requirements-file-format/).
func requirementsParser() Parser {
	return Parser{
		Name: "requirements.txt", Ecosystem: depscan.PyPI, Rank: 1,
		Match: func(base string) bool { return base == "requirements.txt" },
		Parse: func(path string, data []byte) (Result, error) {
			return parseRequirements(path, data, readBounded)
		},
	}
}

// pythonParsers lists the Python formats: the lockfiles outrank
// requirements.txt, which often only constrains what they pin.
func pythonParsers() []Parser {
	return []Parser{requirementsParser(), poetryParser(), pipfileParser(), uvParser()}
}

// reqReader reads requirements files: the parser's state across includes.
type reqReader struct {
	read        func(path string) ([]byte, error)
	res         Result
	stack       []string        // files being read, outermost first, for cycle detection
	done        map[string]bool // files already read, so a diamond of includes reports once
	constraints map[string]string
	via         map[int][]string // pip-compile's sources of r.res.Packages[i], split in words
}

// parseRequirements reads a requirements file and its -r and -c includes,
// which read fetches (a parameter so tests and fuzzing stay off the disk).
func parseRequirements(path string, data []byte, read func(string) ([]byte, error)) (Result, error) {
	r := &reqReader{read: read, done: make(map[string]bool),
		constraints: make(map[string]string), via: make(map[int][]string)}
	if err := r.file(path, data, false); err != nil {
		return Result{}, err
	}
	// A constraints file pins what a requirement leaves open: pip installs
	// the constrained version.
	for i, p := range r.res.Packages {
		if v, ok := r.constraints[p.Name]; ok && p.Version == "" {
			r.res.Packages[i].Version = v
		}
		if via := r.via[i]; len(via) > 0 {
			r.res.Packages[i].Direct = slices.Contains(via, "-r")
		}
	}
	return r.res, nil
}

// reqLine is one logical line: continuations joined, the comment removed;
// or a line holding only a comment, kept for pip-compile's "# via" notes.
type reqLine struct {
	text    string
	comment string // the text after # on a comment-only line
	line    int    // the first physical line
}

// commentRE matches a comment as pip strips it: a # at the start or after white space.
var commentRE = regexp.MustCompile(`(^|\s+)#.*$`)

func logicalLines(data []byte) []reqLine {
	var out []reqLine
	var cur strings.Builder
	start := 0
	// pip reads a file with a byte order mark as its encoding says; the mark
	// is not part of the first requirement.
	text := strings.TrimPrefix(string(data), "\ufeff")
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i, l := range lines {
		if cur.Len() == 0 {
			start = i + 1
			if t := strings.TrimSpace(l); strings.HasPrefix(t, "#") {
				out = append(out, reqLine{comment: t[1:], line: start})
				continue
			}
		}
		// pip removes comments before joining, so a # ends the line even
		// when a backslash follows it.
		l = commentRE.ReplaceAllString(l, "")
		if strings.HasSuffix(l, `\`) && i < len(lines)-1 {
			cur.WriteString(strings.TrimSuffix(l, `\`))
			cur.WriteByte(' ')
			continue
		}
		cur.WriteString(l)
		if t := strings.TrimSpace(cur.String()); t != "" {
			out = append(out, reqLine{text: t, line: start})
		}
		cur.Reset()
	}
	return out
}

// file reads one requirements file; constraint marks a -c file, whose entries
// pin versions but are not packages of the project.
func (r *reqReader) file(path string, data []byte, constraint bool) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("locating %s: %w", path, err)
	}
	r.stack = append(r.stack, abs)
	defer func() { r.stack = r.stack[:len(r.stack)-1] }()
	r.done[abs] = true
	last, inVia := -1, false // the package the next "# via" describes
	for _, l := range logicalLines(data) {
		if l.text == "" {
			last, inVia = r.viaComment(l.comment, last, inVia)
			continue
		}
		before := len(r.res.Packages)
		if err := r.line(path, l, constraint); err != nil {
			return err
		}
		last, inVia = -1, false
		// An include adds the included file's packages, which its own
		// annotations describe; a comment after it is about none of them.
		if len(r.res.Packages) == before+1 && !strings.HasPrefix(l.text, "-") {
			last = before
		}
	}
	return nil
}

// viaComment reads pip-compile's (and uv pip compile's) annotation of where a
// requirement comes from: "# via -r requirements.in" or "# via django", or
// "# via" followed by "#   name" lines. A package whose sources are all other
// packages is transitive: Direct only when one source is an -r file.
func (r *reqReader) viaComment(c string, last int, inVia bool) (int, bool) {
	if last < 0 {
		return last, false
	}
	t := strings.TrimSpace(c)
	switch {
	case t == "via" || strings.HasPrefix(t, "via "):
		r.via[last] = append(r.via[last], strings.Fields(strings.TrimPrefix(t, "via"))...)
		return last, true
	case inVia && strings.HasPrefix(c, "  ") && t != "":
		r.via[last] = append(r.via[last], strings.Fields(t)...)
		return last, true
	}
	return -1, false
}

// ignoredOption reports pip's global options that change how packages are
// found, not which: the scan does not need them.
func ignoredOption(opt string) bool {
	switch opt {
	case "-i", "--index-url", "--extra-index-url", "--no-index",
		"-f", "--find-links", "--no-binary", "--only-binary",
		"--prefer-binary", "--require-hashes", "--pre",
		"--trusted-host", "--use-feature":
		return true
	}
	return false
}

func (r *reqReader) line(path string, l reqLine, constraint bool) error {
	t := l.text
	if strings.HasPrefix(t, "-") {
		opt, arg := splitOption(t)
		switch {
		case opt == "-r" || opt == "--requirement":
			return r.include(path, l, arg, constraint)
		case opt == "-c" || opt == "--constraint":
			return r.include(path, l, arg, true)
		case opt == "-e" || opt == "--editable":
			r.note(path, l.line, "editable requirement %s skipped: it names no released version", arg)
			return nil
		case ignoredOption(opt):
			return nil
		default:
			return errorAt(path, l.line, "unknown option %s", opt)
		}
	}
	req, err := parseRequirement(t)
	if err != nil {
		return &ParseError{File: path, Line: l.line, Err: err}
	}
	if req.name == "" {
		r.note(path, l.line, "requirement %s skipped: a URL or path names no released version", req.url)
		return nil
	}
	if constraint {
		if req.version != "" {
			r.constraints[req.name] = req.version
		}
		return nil
	}
	if req.url != "" {
		r.note(path, l.line, "%s comes from %s: reported without a version", req.name, req.url)
	}
	r.res.Packages = append(r.res.Packages, depscan.Package{
		Name: req.name, Version: req.version, Ecosystem: depscan.PyPI,
		Direct: true, Source: path, Line: l.line,
	})
	return nil
}

func (r *reqReader) note(path string, line int, format string, args ...any) {
	r.res.Notes = append(r.res.Notes, Note{File: path, Line: line, Text: fmt.Sprintf(format, args...)})
}

// splitOption splits "-r file", "-rfile", "--requirement=file" and
// "--requirement file" into option and argument.
func splitOption(t string) (opt, arg string) {
	if strings.HasPrefix(t, "--") {
		end := strings.IndexAny(t, "= \t")
		if end < 0 {
			return t, ""
		}
		return t[:end], strings.TrimSpace(t[end+1:])
	}
	if len(t) > 2 {
		return t[:2], strings.TrimSpace(t[2:])
	}
	return t, ""
}

// include reads an -r or -c file, named relative to the including file.
func (r *reqReader) include(path string, l reqLine, arg string, constraint bool) error {
	if arg == "" {
		return errorAt(path, l.line, "%s names no file", l.text)
	}
	if strings.Contains(arg, "://") {
		r.note(path, l.line, "include %s skipped: only local files are read", arg)
		return nil
	}
	name := arg
	if !filepath.IsAbs(name) {
		name = filepath.Join(filepath.Dir(path), filepath.FromSlash(arg))
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		return &ParseError{File: path, Line: l.line, Err: err}
	}
	for i, s := range r.stack {
		if s == abs {
			chain := append(append([]string(nil), r.stack[i:]...), abs)
			for j := range chain {
				chain[j] = filepath.Base(chain[j])
			}
			return errorAt(path, l.line, "include cycle: %s", strings.Join(chain, " -> "))
		}
	}
	if r.done[abs] {
		return nil
	}
	if len(r.stack) >= maxIncludeDepth {
		return errorAt(path, l.line, "includes nested deeper than %d", maxIncludeDepth)
	}
	data, err := r.read(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return errorAt(path, l.line, "included file %s does not exist", arg)
		}
		return &ParseError{File: path, Line: l.line, Err: err}
	}
	return r.file(name, data, constraint)
}

// requirement is one parsed requirement line.
type requirement struct {
	name    string // PEP 503 normalised; "" for a bare URL or path
	version string // the pinned version; "" when not pinned to exactly one
	url     string // a PEP 508 direct reference, or the bare URL or path
}

var (
	// nameRE is a PEP 508 distribution name.
	nameRE = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]|[A-Za-z0-9])`)
	// directRefRE is the start of a PEP 508 "name[extras] @ url".
	directRefRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@`)
	// reqOptionRE finds the first per-requirement option.
	reqOptionRE = regexp.MustCompile(`\s--`)
	// normRE is what PEP 503 folds to one "-".
	normRE = regexp.MustCompile(`[-_.]+`)
	// specRE is one version clause of a specifier.
	specRE = regexp.MustCompile(`^\s*(===|==|!=|~=|<=|>=|<|>)\s*([^\s,;]+)\s*$`)
	// versionRE is a PEP 440 version, with the == wildcard and a local part.
	versionRE = regexp.MustCompile(`(?i)^v?(\d+!)?\d+(\.\d+)*(\.\*|` +
		`([-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?\d*)?` +
		`([-_.]?(post|rev|r)[-_.]?\d*|-\d+)?` +
		`([-_.]?dev[-_.]?\d*)?` +
		`(\+[a-z0-9]+([-_.][a-z0-9]+)*(\.\*)?)?)$`)
)

// normalizeName is PEP 503's normalised form of a distribution name.
func normalizeName(n string) string {
	return strings.ToLower(normRE.ReplaceAllString(n, "-"))
}

// parseRequirement reads "name[extras] specifier ; marker --hash=...", a PEP
// 508 "name @ url", or a bare URL or path.
func parseRequirement(t string) (requirement, error) {
	// Per-requirement options (--hash, --config-settings) follow the
	// requirement after white space; they do not change what is installed.
	if loc := reqOptionRE.FindStringIndex(t); loc != nil {
		t = strings.TrimSpace(t[:loc[0]])
	}
	if !directRefRE.MatchString(t) && (strings.Contains(t, "://") || strings.HasPrefix(t, ".") || strings.HasPrefix(t, "/") ||
		strings.HasSuffix(t, ".whl") || strings.HasSuffix(t, ".tar.gz") || strings.HasSuffix(t, ".zip")) {
		return requirement{url: t}, nil
	}
	// Environment markers depend on the installing interpreter, which a scan
	// does not know; the package is reported whatever they say.
	spec, marker, hasMarker := strings.Cut(t, ";")
	if hasMarker && strings.TrimSpace(marker) == "" {
		return requirement{}, errors.New("empty environment marker after ;")
	}
	spec = strings.TrimSpace(spec)
	m := nameRE.FindString(spec)
	if m == "" {
		return requirement{}, fmt.Errorf("%q does not start with a package name", t)
	}
	req := requirement{name: normalizeName(m)}
	rest := strings.TrimSpace(spec[len(m):])
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return requirement{}, fmt.Errorf("unclosed extras in %q", t)
		}
		for _, e := range strings.Split(rest[1:end], ",") {
			if e = strings.TrimSpace(e); e != "" && nameRE.FindString(e) != e {
				return requirement{}, fmt.Errorf("bad extra %q", e)
			}
		}
		rest = strings.TrimSpace(rest[end+1:])
	}
	if strings.HasPrefix(rest, "@") {
		req.url = strings.TrimSpace(rest[1:])
		if req.url == "" {
			return requirement{}, fmt.Errorf("%s @ names no URL", m)
		}
		return req, nil
	}
	if strings.HasPrefix(rest, "(") && strings.HasSuffix(rest, ")") {
		rest = rest[1 : len(rest)-1]
	}
	if strings.TrimSpace(rest) == "" {
		return req, nil
	}
	pins := 0
	for _, clause := range strings.Split(rest, ",") {
		c := specRE.FindStringSubmatch(clause)
		if c == nil {
			return requirement{}, fmt.Errorf("bad version specifier %q", strings.TrimSpace(clause))
		}
		op, v := c[1], c[2]
		if op != "===" && !versionRE.MatchString(v) {
			return requirement{}, fmt.Errorf("bad version %q", v)
		}
		if op == "===" || op == "==" && !strings.HasSuffix(v, ".*") {
			req.version = v
			pins++
		}
	}
	if pins != 1 {
		req.version = ""
	}
	return req, nil
}
