package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

type npmSource struct{ base string }

// npmURL is the package document's address: a scoped name's slash is escaped
// ("@types%2fnode"), as the npm client sends it.
func npmURL(base, name string) string {
	if scope, rest, ok := strings.Cut(name, "/"); ok && strings.HasPrefix(scope, "@") {
		return strings.TrimRight(base, "/") + "/" + url.PathEscape(scope) + "%2f" + url.PathEscape(rest)
	}
	return strings.TrimRight(base, "/") + "/" + url.PathEscape(name)
}

func (s npmSource) fetch(ctx context.Context, r *run, name string, _ []string) (*facts, error) {
	var f *facts
	// The full document, not the abbreviated install one
	// (application/vnd.npm.install-v1+json), which has no "time".
	err := r.get(ctx, npmURL(s.base, name), "application/json", func(rd io.Reader) error {
		var err error
		f, err = decodeNpm(rd)
		return err
	})
	return f, err
}

func (npmSource) complete(context.Context, *run, string, *facts, []string) (bool, error) {
	return false, nil
}

// npmDoc holds the fields of an npm package document that are read; the rest
// (readmes, manifests, maintainers: most of a large document) is skipped by the
// decoder without being kept.
type npmDoc struct {
	DistTags map[string]string `json:"dist-tags"`
	// Time maps versions (and "created", "modified") to publication times; an
	// unpublished package has an "unpublished" object instead.
	Time     map[string]json.RawMessage `json:"time"`
	Versions map[string]npmVersion      `json:"versions"`
}

type npmVersion struct {
	Deprecated json.RawMessage `json:"deprecated"`
	License    json.RawMessage `json:"license"`
	Licenses   json.RawMessage `json:"licenses"`
}

// decodeNpm reads an npm package document.
func decodeNpm(rd io.Reader) (*facts, error) {
	var doc npmDoc
	if err := json.NewDecoder(rd).Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode npm document: %w", err)
	}
	if _, ok := doc.Time["unpublished"]; ok && len(doc.Versions) == 0 {
		return nil, fmt.Errorf("unpublished: %w", ErrNotFound)
	}
	f := &facts{Latest: doc.DistTags["latest"], Releases: make(map[string]release, len(doc.Versions))}
	for v, m := range doc.Versions {
		rel := release{License: npmLicense(m.License, m.Licenses)}
		rel.Deprecated, rel.DeprecationMessage = npmDeprecated(m.Deprecated)
		f.Releases[v] = rel
	}
	for v, raw := range doc.Time {
		rel, ok := f.Releases[v]
		if !ok {
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			continue
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			f.Notes = append(f.Notes, fmt.Sprintf("npm time of %s: %v", v, err))
			continue
		}
		rel.Time = t
		f.Releases[v] = rel
	}
	if f.Latest == "" {
		f.Notes = append(f.Notes, "npm document has no dist-tags.latest")
	}
	return f, nil
}

// npmDeprecated reads a version's "deprecated": a message, where an empty one is
// how npm records an undeprecation; a bare true (written by old tools) deprecates
// without a message.
func npmDeprecated(raw json.RawMessage) (bool, string) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s != "", s
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b, ""
	}
	return false, ""
}
