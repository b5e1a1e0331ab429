package lockfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/perfwatch/perfwatch/depscan"
)

func pipfileParser() Parser {
	return Parser{
		Name: "Pipfile.lock", Ecosystem: depscan.PyPI, Rank: 2,
		Match: func(base string) bool { return base == "Pipfile.lock" },
		Parse: func(path string, data []byte) (Result, error) {
			pipfile, err := readSibling(path, "Pipfile")
			if err != nil {
				return Result{}, err
			}
			return parsePipfileLock(path, data, pipfile)
		},
	}
}

type pipfileEntry struct {
	Version  string `json:"version"`
	Git      string `json:"git"`
	Path     string `json:"path"`
	File     string `json:"file"`
	Editable bool   `json:"editable"`
}

type pipfileManifest struct {
	Packages    map[string]any `toml:"packages"`
	DevPackages map[string]any `toml:"dev-packages"`
}

// parsePipfileLock reads a Pipfile.lock. It lists every package, direct or
// not, under "default" and "develop"; which are direct only the Pipfile
// (pipfile, nil when there is none) says. A package in both sections is
// reported once, from "default", as not Dev.
func parsePipfileLock(path string, data, pipfile []byte) (Result, error) {
	direct := make(map[string]bool)
	if pipfile != nil {
		var m pipfileManifest
		if err := decodeTOML(filepath.Join(filepath.Dir(path), "Pipfile"), pipfile, &m); err != nil {
			return Result{}, err
		}
		for n := range m.Packages {
			direct[normalizeName(n)] = true
		}
		for n := range m.DevPackages {
			direct[normalizeName(n)] = true
		}
	}
	sections, err := pipfileSections(path, data)
	if err != nil {
		return Result{}, err
	}
	var res Result
	inDefault := make(map[string]bool)
	for _, sec := range []string{"default", "develop"} {
		for _, e := range sections[sec] {
			name := normalizeName(e.name)
			if sec == "develop" && inDefault[name] {
				continue
			}
			if sec == "default" {
				inDefault[name] = true
			}
			version, ok := strings.CutPrefix(e.entry.Version, "==")
			if !ok {
				src := e.entry.Git + e.entry.Path + e.entry.File
				res.Notes = append(res.Notes, Note{File: path, Line: e.line,
					Text: fmt.Sprintf("%s (%s) has no pinned version: skipped", name, src)})
				continue
			}
			res.Packages = append(res.Packages, depscan.Package{
				Name: name, Version: version, Ecosystem: depscan.PyPI,
				Direct: direct[name], Dev: sec == "develop", Source: path, Line: e.line,
			})
		}
	}
	return res, nil
}

type pipfileLocated struct {
	name  string
	line  int
	entry pipfileEntry
}

// pipfileSections reads the "default" and "develop" objects in file order,
// with each package's line: encoding/json's token stream gives byte offsets
// where a map would lose both order and position.
func pipfileSections(path string, data []byte) (map[string][]pipfileLocated, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	// base is where the value being decoded starts: a type error's offset
	// counts from there.
	var base int64
	fail := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return &ParseError{File: path, Line: lineOf(data, se.Offset), Err: err}
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &ParseError{File: path, Line: lineOf(data, base+te.Offset), Err: err}
		}
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return &ParseError{File: path, Line: lineOf(data, dec.InputOffset()), Err: err}
	}
	if err := expectDelim(dec, '{'); err != nil {
		return nil, fail(err)
	}
	out := make(map[string][]pipfileLocated)
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, fail(err)
		}
		sec, _ := key.(string) // object keys are always strings
		if sec != "default" && sec != "develop" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, fail(err)
			}
			continue
		}
		if err := expectDelim(dec, '{'); err != nil {
			return nil, fail(fmt.Errorf("%q: %w", sec, err))
		}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return nil, fail(err)
			}
			name, _ := tok.(string)
			base = dec.InputOffset()
			line := lineOf(data, base)
			var e pipfileEntry
			if err := dec.Decode(&e); err != nil {
				return nil, fail(fmt.Errorf("%s %q: %w", sec, name, err))
			}
			out[sec] = append(out[sec], pipfileLocated{name: name, line: line, entry: e})
		}
		if _, err := dec.Token(); err != nil {
			return nil, fail(err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, fail(err)
	}
	return out, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, got %v", want, tok)
	}
	return nil
}

// lineOf is the 1-based line holding byte offset off.
func lineOf(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}
