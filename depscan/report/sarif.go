package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/perfwatch/perfwatch/depscan/scan"
)

// SARIF's identifiers, and what GitHub code scanning reads beyond the schema
// (docs.github.com, "SARIF support for code scanning"): every result needs a
// message and a location with a region; a rule's security-severity is a CVSS score
// written as a string, shown as the alert's severity only with the tag "security";
// partialFingerprints keep an alert the same alert across runs.
const (
	sarifSchema    = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	sarifVersion   = "2.1.0"
	toolName       = "perfwatch-depscan"
	toolURI        = "https://github.com/perfwatch/perfwatch/blob/main/docs/depscan.md"
	srcRoot        = "%SRCROOT%"
	fingerprintKey = "perfwatchDepscanFinding/v1"
	// shortDescriptionMax is GitHub's limit on a rule's short description.
	shortDescriptionMax = 1024
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                   `json:"tool"`
	OriginalURIBaseIDs map[string]sarifArtifactLoc `json:"originalUriBaseIds,omitempty"`
	Results            []sarifResult               `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	HelpURI              string         `json:"helpUri"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifactLoc `json:"artifactLocation"`
	Region           sarifRegion      `json:"region"`
}

type sarifArtifactLoc struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

// level maps a rating to a SARIF level: what should fail a review is an error,
// what deserves a look a warning. Unknown counts as medium, as scan.Fail does.
func level(severity string) string {
	switch severity {
	case "critical", "high":
		return "error"
	case "medium", "unknown":
		return "warning"
	}
	return "note"
}

// SARIF writes r as a SARIF 2.1.0 log of one run: one rule per advisory, one
// result per finding located at its lockfile (relative to the root, the
// %SRCROOT% base) and line. toolVersion is perfwatch-depscan's version, recorded
// in the driver. r is not changed.
func SARIF(w io.Writer, r *scan.Report, toolVersion string) error {
	run := sarifRun{
		Tool:    sarifTool{Driver: sarifDriver{Name: toolName, Version: toolVersion, InformationURI: toolURI, Rules: []sarifRule{}}},
		Results: []sarifResult{},
	}
	if abs, err := filepath.Abs(r.Root); err == nil && r.Root != "" {
		// A base URI must be absolute and end in a slash (SARIF §3.14.14).
		u := url.URL{Scheme: "file", Path: strings.TrimSuffix(filepath.ToSlash(abs), "/") + "/"}
		run.OriginalURIBaseIDs = map[string]sarifArtifactLoc{srcRoot: {URI: u.String()}}
	}
	ruleIndex := map[string]int{}
	for _, p := range r.Projects {
		lineOf := lines(p)
		for _, f := range p.Findings {
			i, ok := ruleIndex[f.ID]
			if !ok {
				i = len(run.Tool.Driver.Rules)
				ruleIndex[f.ID] = i
				run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, rule(f))
			} else if f.Score != nil {
				raise(&run.Tool.Driver.Rules[i], *f.Score)
			}
			run.Results = append(run.Results, result(f, i, lineOf[keyOf(f)]))
		}
	}
	log := sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(log); err != nil {
		return fmt.Errorf("write SARIF: %w", err)
	}
	return nil
}

func rule(f scan.Finding) sarifRule {
	short := f.Summary
	if short == "" {
		short = f.ID + " in " + f.Package
	}
	short = truncate(short, shortDescriptionMax)
	full := short
	if len(f.Aliases) > 0 {
		full += " (" + strings.Join(f.Aliases, ", ") + ")"
	}
	help := "https://osv.dev/vulnerability/" + url.PathEscape(f.ID)
	props := map[string]any{"tags": []string{"security", "vulnerability", "dependency", strings.ToLower(string(f.Ecosystem))}}
	if f.Score != nil {
		props["security-severity"] = strconv.FormatFloat(*f.Score, 'f', 1, 64)
	}
	return sarifRule{
		ID:               f.ID,
		ShortDescription: sarifText{Text: short},
		FullDescription:  sarifText{Text: full},
		Help: sarifText{
			Text:     full + "\nUpgrade to a fixed version; details: " + help,
			Markdown: fmt.Sprintf("**%s**\n\nUpgrade to a fixed version; details at [%s](%s).", markdownEscape(full), f.ID, help),
		},
		HelpURI:              help,
		DefaultConfiguration: sarifConfig{Level: level(f.Severity)},
		Properties:           props,
	}
}

// raise keeps the highest score a rule's findings carry: the same advisory is
// rated the same in every project, but a score missing in one must not hide it.
func raise(r *sarifRule, score float64) {
	s, _ := r.Properties["security-severity"].(string)
	if old, err := strconv.ParseFloat(s, 64); err != nil || score > old {
		r.Properties["security-severity"] = strconv.FormatFloat(score, 'f', 1, 64)
	}
}

func result(f scan.Finding, ruleIndex, line int) sarifResult {
	fixed := "no fixed version is known"
	if f.FixedIn != "" {
		fixed = "fixed in " + f.FixedIn
	}
	msg := fmt.Sprintf("%s %s is affected by %s (%s severity); %s.", f.Package, f.Version, f.ID, f.Severity, fixed)
	props := map[string]any{"package": f.Package, "version": f.Version, "ecosystem": string(f.Ecosystem), "severity": f.Severity}
	if f.FixedIn != "" {
		props["fixedIn"] = f.FixedIn
	}
	return sarifResult{
		RuleID:    f.ID,
		RuleIndex: ruleIndex,
		Level:     level(f.Severity),
		Message:   sarifText{Text: msg},
		Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
			ArtifactLocation: sarifArtifactLoc{URI: sourceURI(f.Source), URIBaseID: srcRoot},
			// GitHub needs a region; without a known line the alert goes on the
			// file's first line.
			Region: sarifRegion{StartLine: max(line, 1)},
		}}},
		PartialFingerprints: map[string]string{fingerprintKey: fingerprint(f)},
		Properties:          props,
	}
}

// fingerprint names a finding by what makes it the same problem from run to
// run: the advisory, the package and the lockfile; not the version, so an
// upgrade that is still vulnerable keeps its alert, and not the line, which
// moves when unrelated dependencies are added.
func fingerprint(f scan.Finding) string {
	h := sha256.Sum256([]byte(strings.Join([]string{string(f.Ecosystem), f.Package, f.ID, f.Source}, "\x00")))
	return hex.EncodeToString(h[:16])
}

// sourceURI writes a slash-separated relative path as a relative URI reference,
// escaping what a URI cannot hold (spaces, %, #, ?).
func sourceURI(source string) string {
	parts := strings.Split(source, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	n -= len("...")
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// markdownEscape keeps an advisory's summary from being read as Markdown markup.
func markdownEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_{}[]()#+-.!<>|", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
