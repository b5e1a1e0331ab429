package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/version"
)

type pypiSource struct{ base string }

// pypiSeparators is PEP 503's normalisation: runs of -, _ and . become one -.
var pypiSeparators = regexp.MustCompile(`[-_.]+`)

func normalizePyPI(name string) string {
	return pypiSeparators.ReplaceAllString(strings.ToLower(strings.TrimSpace(name)), "-")
}

func (s pypiSource) fetch(ctx context.Context, r *run, name string, _ []string) (*facts, error) {
	u := strings.TrimRight(s.base, "/") + "/pypi/" + url.PathEscape(name) + "/json"
	var f *facts
	err := r.get(ctx, u, "application/json", func(rd io.Reader) error {
		var err error
		f, err = decodePyPI(rd)
		return err
	})
	return f, err
}

func (pypiSource) complete(context.Context, *run, string, *facts, []string) (bool, error) {
	return false, nil
}

// pypiDoc holds the fields of the JSON API's project document that are read
// (docs.pypi.org/api/json).
type pypiDoc struct {
	Info struct {
		Version           string   `json:"version"`
		License           *string  `json:"license"`
		LicenseExpression *string  `json:"license_expression"`
		Classifiers       []string `json:"classifiers"`
	} `json:"info"`
	Releases map[string][]pypiFile `json:"releases"`
}

type pypiFile struct {
	UploadTime   string  `json:"upload_time_iso_8601"`
	Yanked       bool    `json:"yanked"`
	YankedReason *string `json:"yanked_reason"`
}

// decodePyPI reads a project document. A release is yanked when all its files are
// (PEP 592); its time is its first upload. Latest is the highest release neither
// yanked nor without files, not a pre-release unless nothing else is, as pip would
// choose; the document's info.version when no release qualifies.
func decodePyPI(rd io.Reader) (*facts, error) {
	var doc pypiDoc
	if err := json.NewDecoder(rd).Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode PyPI document: %w", err)
	}
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	f := &facts{
		License:  pypiLicense(deref(doc.Info.LicenseExpression), deref(doc.Info.License), doc.Info.Classifiers),
		Releases: make(map[string]release, len(doc.Releases)),
	}
	var best, bestPre version.Version
	for v, files := range doc.Releases {
		var rel release
		yanked := len(files) > 0
		for _, file := range files {
			t, err := time.Parse(time.RFC3339, file.UploadTime)
			if err != nil {
				f.Notes = append(f.Notes, fmt.Sprintf("PyPI upload time of %s: %v", v, err))
			} else if rel.Time.IsZero() || t.Before(rel.Time) {
				rel.Time = t
			}
			if !file.Yanked {
				yanked = false
			} else if rel.YankReason == "" {
				rel.YankReason = deref(file.YankedReason)
			}
		}
		rel.Yanked = yanked
		if !yanked {
			rel.YankReason = ""
		}
		f.Releases[v] = rel
		pv, err := version.Parse(depscan.PyPI, v)
		if err != nil || yanked || len(files) == 0 {
			continue
		}
		if pep440Pre(v) {
			if bestPre.IsZero() || pv.Compare(bestPre) > 0 {
				bestPre = pv
			}
		} else if best.IsZero() || pv.Compare(best) > 0 {
			best = pv
		}
	}
	switch {
	case !best.IsZero():
		f.Latest = best.String()
	case !bestPre.IsZero():
		f.Latest = bestPre.String()
	default:
		f.Latest = doc.Info.Version
	}
	return f, nil
}

// pep440PreRelease finds a pre-release or development segment (PEP 440: a, b, rc
// and their alternative spellings, dev) in a version's public part.
var pep440PreRelease = regexp.MustCompile(`(?:^|[0-9._-])(?:a|b|c|rc|alpha|beta|pre|preview|dev)[._-]?[0-9]*(?:[._-]|$)`)

func pep440Pre(v string) bool {
	public, _, _ := strings.Cut(strings.ToLower(v), "+")
	return pep440PreRelease.MatchString(public)
}
