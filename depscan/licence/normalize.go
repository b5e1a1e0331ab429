package licence

import (
	"encoding/json"
	"strings"
)

// Normalize turns a declared licence into a canonical SPDX expression. It takes
// SPDX expressions in any case (deprecated ids replaced: "GPL-2.0+" is
// "GPL-2.0-or-later"), npm's legacy {"type": "MIT"} objects and "licenses"
// arrays (several licences are a choice, so they join with OR, as npm's
// documentation rewrites them), Python trove classifiers ("License :: OSI
// Approved :: MIT License") and the free-text names whose meaning is clear
// ("Apache 2.0", "MIT License"). Anything else, including "BSD" (which BSD?),
// "Public Domain", "UNLICENSED" and "SEE LICENSE IN <file>", gives ok false: the
// caller reports the raw text as an unknown licence.
func Normalize(raw string) (expr string, ok bool) {
	e, ok := normalize(raw)
	if !ok {
		return "", false
	}
	return e.String(), true
}

func normalize(raw string) (*expr, bool) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, false
	}
	if s[0] == '{' || s[0] == '[' {
		return legacyJSON(s)
	}
	if e, err := parseExpr(s); err == nil {
		return e, true
	}
	// A parenthesised or quoted name ("(MIT)" parses above; `"MIT"` does not).
	if len(s) > 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return normalize(s[1 : len(s)-1])
	}
	if id, ok := freeText(s); ok {
		e, err := parseExpr(id)
		return e, err == nil
	}
	return nil, false
}

// legacyJSON reads npm's pre-SPDX forms: {"type": "MIT", "url": "..."} and a
// list of such objects or of strings.
func legacyJSON(s string) (*expr, bool) {
	var one struct {
		Type string `json:"type"`
	}
	if s[0] == '{' {
		if json.Unmarshal([]byte(s), &one) != nil {
			return nil, false
		}
		return normalize(one.Type)
	}
	var list []json.RawMessage
	if json.Unmarshal([]byte(s), &list) != nil || len(list) == 0 {
		return nil, false
	}
	or := &expr{op: opOr}
	for _, item := range list {
		var name string
		if json.Unmarshal(item, &name) != nil {
			if json.Unmarshal(item, &one) != nil {
				return nil, false
			}
			name = one.Type
		}
		if strings.HasPrefix(strings.TrimSpace(name), "[") {
			return nil, false // a list in a list is no legacy form
		}
		e, ok := normalize(name)
		if !ok {
			return nil, false
		}
		if e.op == opOr {
			or.terms = append(or.terms, e.terms...)
		} else {
			or.terms = append(or.terms, e)
		}
	}
	if len(or.terms) == 1 {
		return or.terms[0], true
	}
	return or, true
}

// freeText maps a licence name to an SPDX id when the name has one meaning.
// The key is the name in lower case with runs of spaces, commas and "the "
// removed, so "The MIT License", "Apache License, Version 2.0" and
// "License :: OSI Approved :: Apache Software License" all find their entry.
func freeText(s string) (string, bool) {
	k := strings.ToLower(s)
	if rest, ok := strings.CutPrefix(k, "license ::"); ok {
		// A trove classifier: the last segment names the licence.
		k = rest[strings.LastIndex(rest, "::")+1:]
		k = strings.TrimPrefix(k, ":")
	}
	k = strings.Join(strings.FieldsFunc(k, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' }), " ")
	k = strings.TrimPrefix(k, "the ")
	id, ok := freeTextIDs[k]
	return id, ok
}

// freeTextIDs lists the names seen in npm "license" fields, PyPI "license"
// fields and trove classifiers that denote exactly one SPDX licence. Names that
// stand for several ("BSD", "BSD License", "GPL", "Apache Software License",
// "Public Domain") are absent on purpose: they stay unknown. A GNU name with a
// version and no "or later" is the -only licence, as the classifiers offer the
// "or later" variant beside it and SPDX read its old "GPL-2.0" id so. Read-only.
var freeTextIDs = map[string]string{
	"mit license":                          "MIT",
	"mit licence":                          "MIT",
	"mit/x11":                              "MIT",
	"expat":                                "MIT",
	"expat license":                        "MIT",
	"apache 2":                             "Apache-2.0",
	"apache 2.0":                           "Apache-2.0",
	"apache-2":                             "Apache-2.0",
	"apache2":                              "Apache-2.0",
	"apache license 2.0":                   "Apache-2.0",
	"apache license version 2.0":           "Apache-2.0",
	"apache software license 2.0":          "Apache-2.0",
	"apache license v2.0":                  "Apache-2.0",
	"asl 2.0":                              "Apache-2.0",
	"bsd-2":                                "BSD-2-Clause",
	"bsd 2-clause":                         "BSD-2-Clause",
	"bsd 2-clause license":                 "BSD-2-Clause",
	"simplified bsd":                       "BSD-2-Clause",
	"simplified bsd license":               "BSD-2-Clause",
	"bsd-3":                                "BSD-3-Clause",
	"bsd 3-clause":                         "BSD-3-Clause",
	"bsd 3-clause license":                 "BSD-3-Clause",
	"new bsd":                              "BSD-3-Clause",
	"new bsd license":                      "BSD-3-Clause",
	"modified bsd license":                 "BSD-3-Clause",
	"revised bsd license":                  "BSD-3-Clause",
	"isc license":                          "ISC",
	"isc license (iscl)":                   "ISC",
	"mozilla public license 2.0":           "MPL-2.0",
	"mozilla public license 2.0 (mpl 2.0)": "MPL-2.0",
	"mpl 2.0":                              "MPL-2.0",
	"python software foundation license":   "PSF-2.0",
	"zlib/libpng license":                  "Zlib",
	"the unlicense (unlicense)":            "Unlicense",
	"unlicense (unlicense)":                "Unlicense",
	"cc0 1.0 universal (cc0 1.0) public domain dedication":    "CC0-1.0",
	"boost software license 1.0 (bsl-1.0)":                    "BSL-1.0",
	"gnu general public license v2 or later (gplv2+)":         "GPL-2.0-or-later",
	"gnu general public license v3 (gplv3)":                   "GPL-3.0-only",
	"gnu general public license v3 or later (gplv3+)":         "GPL-3.0-or-later",
	"gnu lesser general public license v2 or later (lgplv2+)": "LGPL-2.0-or-later",
	"gnu lesser general public license v3 (lgplv3)":           "LGPL-3.0-only",
	"gnu lesser general public license v3 or later (lgplv3+)": "LGPL-3.0-or-later",
	"gnu affero general public license v3":                    "AGPL-3.0-only",
	"gnu affero general public license v3 or later (agplv3+)": "AGPL-3.0-or-later",
	"eclipse public license 2.0 (epl-2.0)":                    "EPL-2.0",
	"european union public licence 1.2 (eupl 1.2)":            "EUPL-1.2",
	"gnu general public license v2 (gplv2)":                   "GPL-2.0-only",
	"gnu lesser general public license v2 (lgplv2)":           "LGPL-2.0-only",
	"gplv2":              "GPL-2.0-only",
	"fsl-1.1-apache-2.0": "FSL-1.1-ALv2", // fsl.software's name before SPDX listed it
	"gpl v2":             "GPL-2.0-only",
	"gpl v3":             "GPL-3.0-only",
	"lgpl v2.1":          "LGPL-2.1-only",
	"lgpl v3":            "LGPL-3.0-only",
	"asl 2":              "Apache-2.0",
	"gplv3":              "GPL-3.0-only",
	"gplv3+":             "GPL-3.0-or-later",
	"gplv2+":             "GPL-2.0-or-later",
	"lgplv3":             "LGPL-3.0-only",
	"lgplv3+":            "LGPL-3.0-or-later",
}
