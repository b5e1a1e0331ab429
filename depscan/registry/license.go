package registry

import (
	"encoding/json"
	"slices"
	"strings"
)

// npmLicense normalises a package.json licence to one expression string. The
// current form is an SPDX expression string; the legacy forms
// (docs.npmjs.com/cli/configuring-npm/package-json#license) are an object
// {"type": "MIT", "url": …} and an array of those (or of strings) under
// "license" or "licenses", which declared a choice among licences and so become
// an OR expression.
func npmLicense(license, licenses json.RawMessage) string {
	if s := licenseValue(license); s != "" {
		return s
	}
	return licenseValue(licenses)
}

func licenseValue(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var obj struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(raw, &obj) == nil && obj.Type != "" {
		return strings.TrimSpace(obj.Type)
	}
	var arr []json.RawMessage
	if json.Unmarshal(raw, &arr) != nil {
		return ""
	}
	var parts []string
	for _, e := range arr {
		if p := licenseValue(e); p != "" && !slices.Contains(parts, p) {
			parts = append(parts, p)
		}
	}
	return joinLicenses(parts, "OR")
}

// joinLicenses joins licence terms into one expression, parenthesising compound
// terms so the operators keep their meaning.
func joinLicenses(parts []string, op string) string {
	if len(parts) == 1 {
		return parts[0]
	}
	for i, p := range parts {
		if strings.ContainsAny(p, " ") {
			parts[i] = "(" + p + ")"
		}
	}
	return strings.Join(parts, " "+op+" ")
}

// classifierSPDX maps the trove licence classifiers that name exactly one SPDX
// licence; the others ("BSD License", "Apache Software License" with no version)
// are kept as written, for the licence policy to judge as unknown or review.
func classifierSPDX(c string) (string, bool) {
	switch c {
	case "License :: OSI Approved :: MIT License":
		return "MIT", true
	case "License :: OSI Approved :: MIT No Attribution License (MIT-0)":
		return "MIT-0", true
	case "License :: OSI Approved :: ISC License (ISCL)":
		return "ISC", true
	case "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)":
		return "MPL-2.0", true
	case "License :: OSI Approved :: GNU General Public License v2 (GPLv2)":
		return "GPL-2.0-only", true
	case "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)":
		return "GPL-2.0-or-later", true
	case "License :: OSI Approved :: GNU General Public License v3 (GPLv3)":
		return "GPL-3.0-only", true
	case "License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)":
		return "GPL-3.0-or-later", true
	case "License :: OSI Approved :: GNU Affero General Public License v3":
		return "AGPL-3.0-only", true
	case "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)":
		return "AGPL-3.0-or-later", true
	case "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)":
		return "LGPL-3.0-only", true
	case "License :: OSI Approved :: The Unlicense (Unlicense)":
		return "Unlicense", true
	case "License :: OSI Approved :: Python Software Foundation License":
		return "PSF-2.0", true
	case "License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)":
		return "BSL-1.0", true
	case "License :: OSI Approved :: Zero-Clause BSD (0BSD)":
		return "0BSD", true
	case "License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication":
		return "CC0-1.0", true
	}
	return "", false
}

// pypiLicense picks a PyPI project's licence: PEP 639's License-Expression, else
// the License field when it is a short declaration (many projects paste the
// whole licence text there, which names nothing usable), else the licence
// classifiers. Several classifiers are joined with AND: which of them applies is
// not said, and AND asks the policy to allow every one, the safe reading.
func pypiLicense(expression, license string, classifiers []string) string {
	if e := strings.TrimSpace(expression); e != "" {
		return e
	}
	if l := strings.TrimSpace(license); l != "" && !strings.ContainsAny(l, "\r\n") && len(l) <= 100 && !strings.EqualFold(l, "UNKNOWN") {
		return l
	}
	var parts []string
	for _, c := range classifiers {
		c = strings.TrimSpace(c)
		if !strings.HasPrefix(c, "License ::") {
			continue
		}
		p, ok := classifierSPDX(c)
		if !ok {
			segs := strings.Split(c, " :: ")
			p = segs[len(segs)-1]
		}
		if !slices.Contains(parts, p) && p != "OSI Approved" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return joinLicenses(parts, "AND")
}
