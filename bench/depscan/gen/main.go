// Command gen writes the synthetic inputs of bench/depscan/perf.sh: an npm OSV
// export shaped like the real one and package-lock.json files whose names overlap
// its advisories. The real npm export (osv-vulnerabilities.storage.googleapis.com/
// npm/all.zip) is not reachable from the benchmark machines, and loading it is
// what dominates an offline scan, so its size and shape are what matter here:
//
//   - GHSA entries (GitHub's advisories): CVE alias, a summary, Markdown details
//     of a few hundred to several thousand bytes, a CVSS v3 vector, one or two
//     affected packages with one or two ECOSYSTEM ranges (introduced/fixed, some
//     last_affected), five to a dozen references and GitHub's database_specific
//     (cwe_ids, severity, github_reviewed, nvd_published_at), about 3-5 kB each;
//   - MAL entries (OpenSSF malicious-packages): one package, an explicit
//     versions list and an introduced-0 range, the per-source details block,
//     credits and the malicious-packages-origins database_specific, 1-2 kB each.
//
// Every output is a pure function of the flags, so a run can be repeated.
//
// Usage:
//
//	gen npmdb   -ghsa 15000 -mal 185000 -out DIR/osv-scanner/npm/all.zip
//	gen npmlock -n 20000 -out DIR          (DIR/package-lock.json and package.json)
package main

import (
	"archive/zip"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gen npmdb|npmlock [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "npmdb":
		fs := flag.NewFlagSet("npmdb", flag.ExitOnError)
		ghsa := fs.Int("ghsa", 15000, "GHSA advisories")
		mal := fs.Int("mal", 185000, "MAL malicious-package entries")
		out := fs.String("out", "", "the all.zip to write")
		_ = fs.Parse(os.Args[2:])
		err = writeDB(*out, *ghsa, *mal)
	case "npmlock":
		fs := flag.NewFlagSet("npmlock", flag.ExitOnError)
		n := fs.Int("n", 20000, "packages in the lockfile")
		out := fs.String("out", "", "the project directory to write")
		_ = fs.Parse(os.Args[2:])
		err = writeLock(*out, *n)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// The name pool is shared by the export and the lockfiles: names below
// popularNames are the packages real projects use (the GHSA advisories are about
// them, as GitHub's are about widely used packages); MAL entries are about names
// above it (typosquats and spam nobody depends on), except every malOverlap-th.
const (
	popularNames = 40000
	ghsaPackages = 4000 // distinct packages with GHSA advisories, among the popular ones
	malOverlap   = 10000
)

var words = strings.Fields(`
	core util utils parser plugin loader cli config http json yaml stream async
	react vue angular babel webpack rollup eslint jest mocha lodash chalk debug
	express router server client auth token crypto hash buffer path glob file fs
	color string array object type types date time format log logger cache query
	event emitter promise queue worker thread pool socket net url request fetch
	proxy compress zip tar image svg css style sass less post html dom node env
	test mock spy assert schema validate form input select table grid list tree`)

var scopes = []string{"", "", "", "", "@babel/", "@types/", "@aws-sdk/", "@angular/", "@vue/", "@jest/", "@octokit/", "@smithy/"}

// name is the i-th package name of the pool, deterministic and distinct.
func name(i int) string {
	r := rand.New(rand.NewPCG(uint64(i), 7))
	s := scopes[r.IntN(len(scopes))]
	a, b := words[r.IntN(len(words))], words[r.IntN(len(words))]
	return fmt.Sprintf("%s%s-%s-%d", s, a, b, i)
}

func version(r *rand.Rand) string {
	return fmt.Sprintf("%d.%d.%d", r.IntN(6), r.IntN(20), r.IntN(30))
}

// text is n bytes of prose-like Markdown, with the characters advisories carry
// (backticks, quotes, backslashes in code, multi-byte text).
func text(r *rand.Rand, n int) string {
	var b strings.Builder
	pieces := []string{"The", "package", "is", "vulnerable", "to", "`prototype pollution`", "via", "the",
		"\"__proto__\"", "property", "when", "parsing", "untrusted", "input", "in", "`merge()`.", "An",
		"attacker", "can", "cause", "a", "denial", "of", "service", "(ReDoS)", "with", "a", "crafted",
		"string", "such", "as", "`'\\\\u0000'`", "—", "see", "the", "upstream", "fix.", "\n\n###", "Impact\n",
		"### Patches\n", "Upgrade", "to", "the", "fixed", "version.", "Ünïcode", "日本語"}
	for b.Len() < n {
		b.WriteString(pieces[r.IntN(len(pieces))])
		b.WriteByte(' ')
	}
	return b.String()
}

func timestamp(r *rand.Rand) string {
	return fmt.Sprintf("20%02d-%02d-%02dT%02d:%02d:%02dZ", 18+r.IntN(8), 1+r.IntN(12), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60))
}

func ghsaID(r *rand.Rand) string {
	const alpha = "23456789cfghjmpqrvwx"
	part := func() string {
		b := make([]byte, 4)
		for i := range b {
			b[i] = alpha[r.IntN(len(alpha))]
		}
		return string(b)
	}
	return "GHSA-" + part() + "-" + part() + "-" + part()
}

type obj = map[string]any

func ghsaEntry(r *rand.Rand, i int) obj {
	id := ghsaID(r)
	cve := fmt.Sprintf("CVE-%d-%d", 2018+r.IntN(8), 10000+i)
	var affected []any
	for range 1 + r.IntN(2) {
		if r.IntN(3) > 0 && len(affected) > 0 {
			break
		}
		pkg := name(r.IntN(ghsaPackages) * (popularNames / ghsaPackages))
		fixed := version(r)
		events := []any{obj{"introduced": "0"}, obj{"fixed": fixed}}
		if r.IntN(10) == 0 {
			events = []any{obj{"introduced": "0"}, obj{"last_affected": fixed}}
		}
		ranges := []any{obj{"type": "ECOSYSTEM", "events": events}}
		if r.IntN(4) == 0 {
			ranges = append(ranges, obj{"type": "ECOSYSTEM", "events": []any{obj{"introduced": "6.0.0"}, obj{"fixed": "6.2.1"}}})
		}
		affected = append(affected, obj{
			"package":           obj{"ecosystem": "npm", "name": pkg, "purl": "pkg:npm/" + strings.ReplaceAll(pkg, "@", "%40")},
			"ranges":            ranges,
			"database_specific": obj{"source": "https://github.com/github/advisory-database/blob/main/advisories/github-reviewed/" + id + "/" + id + ".json"},
		})
	}
	var refs []any
	for j := range 5 + r.IntN(8) {
		refs = append(refs, obj{"type": []string{"ADVISORY", "WEB", "PACKAGE", "FIX"}[j%4], "url": fmt.Sprintf("https://github.com/example/repo-%d/commit/%040x", i, r.Uint64())})
	}
	sev := []string{"LOW", "MODERATE", "HIGH", "CRITICAL"}[r.IntN(4)]
	published := timestamp(r)
	return obj{
		"schema_version": "1.4.0",
		"id":             id,
		"modified":       timestamp(r),
		"published":      published,
		"aliases":        []string{cve},
		"summary":        text(r, 40+r.IntN(60)),
		"details":        text(r, 300+r.IntN(300)*r.IntN(12)),
		"severity":       []any{obj{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}},
		"affected":       affected,
		"references":     refs,
		"database_specific": obj{
			"cwe_ids": []string{fmt.Sprintf("CWE-%d", 20+r.IntN(900))}, "severity": sev,
			"github_reviewed": true, "github_reviewed_at": published, "nvd_published_at": published,
		},
	}
}

func malEntry(r *rand.Rand, i int) obj {
	n := popularNames + i
	if i%malOverlap == 0 {
		n = r.IntN(popularNames) // the odd malicious package a project does pull in
	}
	pkg := name(n)
	ver := version(r)
	ts := timestamp(r)
	sha := fmt.Sprintf("%016x%016x%016x%016x", r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64())
	return obj{
		"schema_version": "1.5.0",
		"id":             fmt.Sprintf("MAL-%d-%d", 2022+r.IntN(4), i+1),
		"modified":       ts,
		"published":      ts,
		"summary":        "Malicious code in " + pkg + " (npm)",
		"details": "\n---\n_-= Per source details. Do not edit below this line.=-_\n\n## Source: ossf-package-analysis (" + sha[:16] + ")\n" +
			"The OpenSSF Package Analysis project identified '" + pkg + "' @ " + ver + " (npm) as malicious.\n\nIt is considered malicious because:\n\n" +
			"- The package communicates with a domain associated with malicious activity.\n- The package executes one or more commands associated with malicious behavior.\n",
		"affected": []any{obj{
			"package":  obj{"ecosystem": "npm", "name": pkg},
			"versions": []string{ver},
			"ranges":   []any{obj{"type": "SEMVER", "events": []any{obj{"introduced": "0"}}}},
		}},
		"credits": []any{obj{"name": "OpenSSF: Package Analysis", "type": "FINDER",
			"contact": []string{"https://github.com/ossf/package-analysis", "https://openssf.slack.com/channels/package_analysis"}}},
		"database_specific": obj{"malicious-packages-origins": []any{obj{
			"source": "ossf-package-analysis", "sha256": sha, "import_time": ts, "modified_time": ts, "versions": []string{ver},
		}}},
	}
}

func writeDB(out string, ghsa, mal int) error {
	if out == "" {
		return fmt.Errorf("npmdb: -out is required")
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	r := rand.New(rand.NewPCG(16, 1))
	for i := range ghsa + mal {
		var e obj
		if i < ghsa {
			e = ghsaEntry(r, i)
		} else {
			e = malEntry(r, i-ghsa)
		}
		w, err := zw.Create(e["id"].(string) + ".json")
		if err != nil {
			return err
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ") // the export's members are indented
		if err := enc.Encode(e); err != nil {
			return fmt.Errorf("encode %s: %w", e["id"], err)
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}

// writeLock writes a lockfileVersion 3 package-lock.json of n packages: the
// root's dependencies, hoisted node_modules/x entries and, for about one in
// seven, a nested node_modules/a/node_modules/x copy at another version, the
// shape npm gives conflicting ranges.
func writeLock(dir string, n int) error {
	if dir == "" {
		return fmt.Errorf("npmlock: -out is required")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(uint64(n), 3))
	packages := make(map[string]any, n+1)
	direct := obj{}
	var hoisted []string
	used := map[int]bool{}
	for len(packages) < n {
		if len(hoisted) > 100 && r.IntN(7) == 0 {
			parent := hoisted[r.IntN(len(hoisted))]
			child := name(r.IntN(popularNames))
			key := "node_modules/" + parent + "/node_modules/" + child
			if _, dup := packages[key]; !dup {
				packages[key] = lockEntry(r, child)
			}
			continue
		}
		i := r.IntN(popularNames)
		if used[i] {
			continue
		}
		used[i] = true
		nm := name(i)
		e := lockEntry(r, nm)
		if len(direct) < 60 {
			direct[nm] = "^" + e["version"].(string)
		} else if r.IntN(5) == 0 {
			e["dev"] = true
		}
		packages["node_modules/"+nm] = e
		hoisted = append(hoisted, nm)
	}
	root := obj{"name": "bench-app", "version": "1.0.0", "license": "MIT", "dependencies": direct}
	packages[""] = root
	lock := obj{"name": "bench-app", "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": packages}
	data, err := json.MarshalIndent(lock, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "package-lock.json"), data, 0o644); err != nil {
		return err
	}
	pj, err := json.MarshalIndent(obj{"name": "bench-app", "version": "1.0.0", "dependencies": direct}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "package.json"), pj, 0o644)
}

func lockEntry(r *rand.Rand, nm string) obj {
	v := version(r)
	base := nm[strings.LastIndex(nm, "/")+1:]
	e := obj{
		"version":   v,
		"resolved":  "https://registry.npmjs.org/" + nm + "/-/" + base + "-" + v + ".tgz",
		"integrity": fmt.Sprintf("sha512-%016x%016x%016x%016x==", r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()),
		"license":   "MIT",
	}
	if r.IntN(2) == 0 {
		deps := obj{}
		for range 1 + r.IntN(4) {
			deps[name(r.IntN(popularNames))] = "^" + version(r)
		}
		e["dependencies"] = deps
	}
	return e
}
