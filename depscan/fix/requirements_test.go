package fix

import (
	"strings"
	"testing"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/lockfile"
	"github.com/perfwatch/perfwatch/depscan/scan"
)

func pyFinding(pkg, version, id, fixed string) scan.Finding {
	return scan.Finding{Package: pkg, Version: version, Ecosystem: depscan.PyPI, Source: "requirements.txt", ID: id, FixedIn: fixed}
}

// parseRequirements reads data with depscan/lockfile's parser, the scan's own
// reading of the format, as name -> version.
func parseRequirements(t testing.TB, data []byte) (map[string]string, error) {
	t.Helper()
	for _, p := range lockfile.Parsers() {
		if p.Name != "requirements.txt" {
			continue
		}
		res, err := p.Parse("/nonexistent/requirements.txt", data)
		if err != nil {
			return nil, err
		}
		out := map[string]string{}
		for _, pkg := range res.Packages {
			out[pkg.Name] = pkg.Version
		}
		return out, nil
	}
	t.Fatal("no requirements.txt parser")
	return nil, nil
}

func TestRequirements(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		findings       []scan.Finding
		changes        []string
	}{
		{
			name:     "plain pin, name spelt differently",
			in:       "Django==3.2.5\nrequests==2.31.0\n",
			findings: []scan.Finding{pyFinding("django", "3.2.5", "PYSEC-2022-213", "3.2.14"), pyFinding("django", "3.2.5", "PYSEC-2022-190", "3.2.13")},
			want:     "Django==3.2.14\nrequests==2.31.0\n",
			changes:  []string{"requirements.txt: django 3.2.5 -> 3.2.14 (PYSEC-2022-213, PYSEC-2022-190)"},
		},
		{
			name: "pip-compile hashes removed, via comment kept",
			in: "Django==4.2.16 \\\n    --hash=sha256:1ddc333a16fc139fd253035a1606bb24261951bbc3a6ca256717fa06cc41a898 \\\n" +
				"    --hash=sha256:6f1616c2786c408ce86ab7e10f792b8f15742f7b7b7460243929cb371e7f1dad\n    # via -r requirements.in\nwhitenoise==6.7.0 \\\n    --hash=sha256:aa\n",
			findings: []scan.Finding{pyFinding("django", "4.2.16", "GHSA-x", "4.2.17")},
			want:     "Django==4.2.17\n    # via -r requirements.in\nwhitenoise==6.7.0 \\\n    --hash=sha256:aa\n",
			changes:  []string{"requirements.txt: django 4.2.16 -> 4.2.17 (GHSA-x): removed 2 --hash options, the hashes of 4.2.16's files: regenerate them (pip-compile --generate-hashes) before installing with --require-hashes"},
		},
		{
			name:     "extras, marker and hash on one continued line",
			in:       "Pillow[webp]==10.4.0 ; python_version < \"3.13\" \\\n    --hash=sha256:4d96 --hash sha256:ffff  # image support\nflask==3.0.0\n",
			findings: []scan.Finding{pyFinding("pillow", "10.4.0", "GHSA-p", "10.4.1")},
			want:     "Pillow[webp]==10.4.1 ; python_version < \"3.13\" \\\n  # image support\nflask==3.0.0\n",
			changes:  []string{"requirements.txt: pillow 10.4.0 -> 10.4.1 (GHSA-p): removed 2 --hash options, the hashes of 10.4.0's files: regenerate them (pip-compile --generate-hashes) before installing with --require-hashes"},
		},
		{
			name:     "marker and comment, arbitrary equality, CRLF, BOM",
			in:       "\ufeffpsycopg2-binary==2.9.9 ; sys_platform != \"win32\"  # the C build needs libpq\r\nzope.interface===7.1.0\r\n",
			findings: []scan.Finding{pyFinding("psycopg2-binary", "2.9.9", "A", "2.9.10"), pyFinding("zope-interface", "7.1.0", "B", "7.1.1")},
			want:     "\ufeffpsycopg2-binary==2.9.10 ; sys_platform != \"win32\"  # the C build needs libpq\r\nzope.interface===7.1.1\r\n",
			changes:  []string{"requirements.txt: psycopg2-binary 2.9.9 -> 2.9.10 (A)", "requirements.txt: zope-interface 7.1.0 -> 7.1.1 (B)"},
		},
		{
			name: "ranges and bare names reported, not rewritten",
			in:   "celery[redis,msgpack]>=5.3,<6\ngunicorn\nrequests==2.32.*\nurllib3==1.26.5,<2\nmylib @ https://example.com/mylib-1.0.tar.gz\n",
			findings: []scan.Finding{pyFinding("celery", "", "C", "5.3.4"), pyFinding("gunicorn", "", "G", "22.0.0"),
				pyFinding("requests", "", "R", "2.32.4"), pyFinding("urllib3", "1.26.5", "U", "1.26.18"), pyFinding("mylib", "", "M", "1.1")},
			changes: []string{
				"requirements.txt: celery (unpinned) -> 5.3.4 not applied (C): not pinned to one version (celery[redis,msgpack]>=5.3,<6): raise its lower bound to 5.3.4 or pin it; left as it is",
				"requirements.txt: gunicorn (unpinned) -> 22.0.0 not applied (G): not pinned to one version (gunicorn): raise its lower bound to 22.0.0 or pin it; left as it is",
				"requirements.txt: requests (unpinned) -> 2.32.4 not applied (R): not pinned to one version (requests==2.32.*): raise its lower bound to 2.32.4 or pin it; left as it is",
				"requirements.txt: urllib3 1.26.5 -> 1.26.18 not applied (U): not pinned to one version (urllib3==1.26.5,<2): raise its lower bound to 1.26.18 or pin it; left as it is",
				"requirements.txt: mylib (unpinned) -> 1.1 not applied (M): not pinned to one version (mylib @ https://example.com/mylib-1.0.tar.gz): raise its lower bound to 1.1 or pin it; left as it is",
			},
		},
		{
			name:     "never lowered; PEP 440 order, not string order",
			in:       "jinja2==3.1.10\nnumpy==1.9.0\n",
			findings: []scan.Finding{pyFinding("jinja2", "3.1.10", "J", "3.1.4"), pyFinding("numpy", "1.9.0", "N", "1.22.0")},
			want:     "jinja2==3.1.10\nnumpy==1.22.0\n",
			changes:  []string{"requirements.txt: jinja2 3.1.10 -> 3.1.4 not applied (J): already pinned at or above the fixed version", "requirements.txt: numpy 1.9.0 -> 1.22.0 (N)"},
		},
		{
			name:     "no fix, and a package of another file",
			in:       "oldlib==0.1\n",
			findings: []scan.Finding{pyFinding("oldlib", "0.1", "O", ""), pyFinding("included", "1.0", "I", "1.1")},
			changes: []string{
				"requirements.txt: oldlib 0.1 not fixable (O): no fixed version is known: remove or replace the requirement",
				"requirements.txt: included 1.0 -> 1.1 not applied (I): not named in this file (an included or constraints file may pin it); left as it is",
			},
		},
		{
			name:     "options and comments untouched, last line without newline",
			in:       "--index-url https://pypi.org/simple\n# Django==1.0 is a comment\nDjango==3.2.5 --hash=sha256:aa",
			findings: []scan.Finding{pyFinding("django", "3.2.5", "D", "3.2.14")},
			want:     "--index-url https://pypi.org/simple\n# Django==1.0 is a comment\nDjango==3.2.14",
			changes:  []string{"requirements.txt: django 3.2.5 -> 3.2.14 (D): removed 1 --hash options, the hashes of 3.2.5's files: regenerate them (pip-compile --generate-hashes) before installing with --require-hashes"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, changes, err := Requirements("requirements.txt", []byte(tc.in), tc.findings)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if want == "" {
				want = tc.in
			}
			if string(out) != want {
				t.Errorf("got\n%q\nwant\n%q", out, want)
			}
			var got []string
			for _, c := range changes {
				got = append(got, c.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.changes, "\n") {
				t.Errorf("changes\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.changes, "\n"))
			}
			// The scan's parser reads the result, with the raised versions.
			before, err := parseRequirements(t, []byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			after, err := parseRequirements(t, out)
			if err != nil {
				t.Fatalf("result does not parse: %v", err)
			}
			for _, c := range changes {
				if c.Applied {
					before[c.Package] = c.To
				}
			}
			for name, v := range before {
				if after[name] != v {
					t.Errorf("%s: %q after the fix, want %q", name, after[name], v)
				}
			}
		})
	}
}
