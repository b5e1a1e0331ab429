package report

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/perfwatch/perfwatch/depscan/scan"
)

// sarifLogFor writes r as SARIF, validates it against the OASIS schema
// (third_party/sarif) and decodes it for the GitHub checks.
func sarifLogFor(t *testing.T, r *scan.Report) sarifLog {
	t.Helper()
	s := compile(t, "../../third_party/sarif/sarif-schema-2.1.0.json", sarifSchema)
	var b bytes.Buffer
	if err := SARIF(&b, r, "0.1.0"); err != nil {
		t.Fatal(err)
	}
	if err := validate(t, s, b.Bytes()); err != nil {
		t.Fatalf("SARIF does not validate: %v\n%s", err, b.Bytes())
	}
	var log sarifLog
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	return log
}

func TestSARIFValidates(t *testing.T) {
	odd := scanned(t)
	odd.Projects[0].Findings[0].Summary = strings.Repeat("é", 600) // over GitHub's 1024 bytes
	odd.Projects[0].Findings[1].Source = "sub dir/#1/go.mod"
	odd.Root = "/abs/root with space"
	for name, r := range map[string]*scan.Report{
		"scan":      scanned(t),
		"decorated": decorated(t),
		"odd":       odd,
		"empty":     {Root: "empty", Scanned: scanTime},
		"no root":   {Scanned: scanTime},
	} {
		t.Run(name, func(t *testing.T) {
			log := sarifLogFor(t, r)
			githubChecks(t, log)
		})
	}
}

// githubChecks holds what GitHub code scanning requires beyond the schema
// (docs.github.com, "SARIF support for code scanning").
func githubChecks(t *testing.T, log sarifLog) {
	t.Helper()
	if len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "perfwatch-depscan" {
		t.Fatalf("runs %+v", log.Runs)
	}
	run := log.Runs[0]
	rules := run.Tool.Driver.Rules
	seen := map[string]bool{}
	for _, r := range rules {
		if seen[r.ID] {
			t.Errorf("rule %s twice", r.ID)
		}
		seen[r.ID] = true
		if n := len(r.ShortDescription.Text); n == 0 || n > 1024 {
			t.Errorf("rule %s: short description of %d bytes", r.ID, n)
		}
		if r.HelpURI != "https://osv.dev/vulnerability/"+r.ID {
			t.Errorf("rule %s: helpUri %s", r.ID, r.HelpURI)
		}
		if s, ok := r.Properties["security-severity"]; ok {
			str, isString := s.(string)
			v, err := strconv.ParseFloat(str, 64)
			if !isString || err != nil || v < 0 || v > 10 {
				t.Errorf("rule %s: security-severity %#v", r.ID, s)
			}
		}
		tags, _ := r.Properties["tags"].([]any)
		if len(tags) == 0 || tags[0] != "security" {
			t.Errorf("rule %s: tags %v, want security first", r.ID, tags)
		}
	}
	for _, res := range run.Results {
		if res.RuleIndex >= len(rules) || rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %s: ruleIndex %d", res.RuleID, res.RuleIndex)
		}
		if res.Message.Text == "" || len(res.Locations) != 1 {
			t.Errorf("result %s: message %q, %d locations", res.RuleID, res.Message.Text, len(res.Locations))
			continue
		}
		loc := res.Locations[0].PhysicalLocation
		if loc.Region.StartLine < 1 || loc.ArtifactLocation.URI == "" || strings.HasPrefix(loc.ArtifactLocation.URI, "/") {
			t.Errorf("result %s: location %+v", res.RuleID, loc)
		}
		if len(res.PartialFingerprints[fingerprintKey]) != 32 {
			t.Errorf("result %s: fingerprints %v", res.RuleID, res.PartialFingerprints)
		}
	}
}

func TestSARIFContent(t *testing.T) {
	log := sarifLogFor(t, scanned(t))
	run := log.Runs[0]
	if len(run.Results) != 5 || len(run.Tool.Driver.Rules) != 4 {
		t.Fatalf("%d results, %d rules; want 5 and 4 (GO-2022-0969 is one rule for two packages)", len(run.Results), len(run.Tool.Driver.Rules))
	}
	byKey := map[string]sarifResult{}
	for _, r := range run.Results {
		byKey[r.Properties["package"].(string)+" "+r.RuleID] = r
	}
	for key, want := range map[string]struct {
		level, uri string
		line       int
		msg        string
	}{
		"django PYSEC-2022-213":         {"error", "requirements.txt", 1, "django 3.2.5 is affected by PYSEC-2022-213 (critical severity); fixed in 3.2.14."},
		"golang.org/x/net GO-2022-0969": {"error", "go.mod", 5, ""},
		"stdlib GO-2022-0969":           {"warning", "go.mod", 3, ""},
		"lodash GHSA-35jh-r3h4-6jhm":    {"error", "package-lock.json", 1, ""},
	} {
		r, ok := byKey[key]
		if !ok {
			t.Errorf("no result %s", key)
			continue
		}
		loc := r.Locations[0].PhysicalLocation
		if r.Level != want.level || loc.ArtifactLocation.URI != want.uri || loc.ArtifactLocation.URIBaseID != "%SRCROOT%" || loc.Region.StartLine != want.line {
			t.Errorf("%s: level %s at %+v", key, r.Level, loc)
		}
		if want.msg != "" && r.Message.Text != want.msg {
			t.Errorf("%s: message %q", key, r.Message.Text)
		}
	}
	for _, rule := range run.Tool.Driver.Rules {
		if rule.ID == "PYSEC-2022-213" && rule.Properties["security-severity"] != "9.8" {
			t.Errorf("PYSEC-2022-213 security-severity %v, want 9.8", rule.Properties["security-severity"])
		}
		if rule.ID == "GHSA-35jh-r3h4-6jhm" {
			if _, ok := rule.Properties["security-severity"]; ok {
				t.Error("a rule without a CVSS score has a security-severity")
			}
		}
	}
}

// A finding keeps its fingerprint when its version or line changes (an upgrade
// still vulnerable, a dependency added above it), and another advisory or
// lockfile gets another.
func TestSARIFFingerprintStable(t *testing.T) {
	fp := func(r *scan.Report) map[string]string {
		out := map[string]string{}
		for _, res := range sarifLogFor(t, r).Runs[0].Results {
			out[res.Properties["package"].(string)+" "+res.RuleID] = res.PartialFingerprints[fingerprintKey]
		}
		return out
	}
	a := fp(scanned(t))
	moved := scanned(t)
	for i := range moved.Projects[0].Packages {
		moved.Projects[0].Packages[i].Line += 7
	}
	moved.Projects[0].Findings[0].Version = "3.2.6"
	moved.Projects[0].Packages[0].Version = "3.2.6"
	b := fp(moved)
	for k, v := range a {
		if b[k] != v {
			t.Errorf("%s: fingerprint %s became %s", k, v, b[k])
		}
	}
	if a["stdlib GO-2022-0969"] == a["golang.org/x/net GO-2022-0969"] {
		t.Error("two packages share a fingerprint")
	}
}

// The schema check has teeth: a result without a message, or a level SARIF does
// not define, is refused.
func TestSARIFSchemaRefuses(t *testing.T) {
	s := compile(t, "../../third_party/sarif/sarif-schema-2.1.0.json", sarifSchema)
	var b bytes.Buffer
	if err := SARIF(&b, scanned(t), "0.1.0"); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string][2]string{
		"level":   {`"level": "error"`, `"level": "fatal"`},
		"version": {`"version": "2.1.0"`, `"version": "2.2.0"`},
		"line":    {`"startLine": 1`, `"startLine": 0`},
	} {
		if !bytes.Contains(b.Bytes(), []byte(edit[0])) {
			t.Fatalf("%s: output lacks %s", name, edit[0])
		}
		bad := bytes.Replace(b.Bytes(), []byte(edit[0]), []byte(edit[1]), 1)
		if err := validate(t, s, bad); err == nil {
			t.Errorf("%s: schema accepted %s", name, edit[1])
		}
	}
}
