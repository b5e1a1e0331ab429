package licence

import (
	"strings"
)

// PyPI returns the licence a Python distribution declares, from PyPI's JSON
// API fields (info.license_expression, info.license, and the trove
// classifiers) or the same fields of its METADATA (License-Expression,
// License, Classifier). They are read in that order: the PEP 639 expression
// is SPDX by definition; the free-text License is a name Normalize may read,
// or (as many projects put there) the whole licence text, which
// github.com/google/licensecheck reads; the classifiers come last because one
// classifier can stand for several licences. Several licence classifiers are
// joined with AND, the stricter reading, since nothing says whether they are
// a choice. raw is the declared text the result came from, for the report;
// ok is false when none of the fields gives an SPDX expression, and raw then
// holds the first non-empty one, to report as unknown.
func PyPI(expression, license string, classifiers []string) (expr, raw string, ok bool) {
	if s := strings.TrimSpace(expression); s != "" {
		raw = s
		if e, ok := Normalize(s); ok {
			return e, s, true
		}
	}
	if s := strings.TrimSpace(license); s != "" && !strings.EqualFold(s, "UNKNOWN") {
		if raw == "" {
			raw = s
		}
		if strings.ContainsAny(s, "\n") || len(s) > 200 {
			if ids := scanLicences([]byte(s)); ids != nil {
				return joinAnd(ids), s, true
			}
		} else if e, ok := Normalize(s); ok {
			return e, s, true
		}
	}
	var terms, named []string
	for _, c := range classifiers {
		c = strings.TrimSpace(c)
		if !strings.HasPrefix(c, "License ::") || c == "License :: OSI Approved" {
			continue
		}
		named = append(named, c)
		id, ok := freeText(c)
		if !ok {
			terms = nil
			break
		}
		terms = append(terms, id)
	}
	if raw == "" {
		raw = strings.Join(named, "; ")
	}
	if len(terms) > 0 && len(terms) == len(named) {
		return joinAnd(terms), strings.Join(named, "; "), true
	}
	return "", raw, false
}
