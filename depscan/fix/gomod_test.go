package fix

import (
	"strings"
	"testing"

	"github.com/perfwatch/perfwatch/depscan"
	"github.com/perfwatch/perfwatch/depscan/scan"
)

func goFinding(pkg, version, id, fixed string) scan.Finding {
	return scan.Finding{Package: pkg, Version: version, Ecosystem: depscan.Go, Source: "go.mod", ID: id, FixedIn: fixed}
}

// x/text v0.3.5 has GO-2021-0113 (fixed in 0.3.7) and GO-2022-1059 (0.3.8), as
// in golang.org/x/vulndb; OSV writes Go's fixed versions without the "v".
var textFindings = []scan.Finding{
	goFinding("golang.org/x/text", "v0.3.5", "GO-2021-0113", "0.3.7"),
	goFinding("golang.org/x/text", "v0.3.5", "GO-2022-1059", "0.3.8"),
}

func TestGoMod(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in       string
		findings []scan.Finding
		opts     GoOptions
		want     string // "" for unchanged
		changes  []string
	}{
		{
			name: "block with indirect and comments",
			in: "// The shop.\nmodule example.com/shop\n\ngo 1.21\n\nrequire (\n\tgolang.org/x/net v0.1.0 // for http2\n" +
				"\tgolang.org/x/text v0.3.5 // indirect\n)\n",
			findings: textFindings,
			want: "// The shop.\nmodule example.com/shop\n\ngo 1.21\n\nrequire (\n\tgolang.org/x/net v0.1.0 // for http2\n" +
				"\tgolang.org/x/text v0.3.8 // indirect\n)\n",
			changes: []string{"go.mod: golang.org/x/text v0.3.5 -> v0.3.8 (GO-2021-0113, GO-2022-1059)"},
		},
		{
			name:     "single line, hand formatting kept",
			in:       "module m\n\ngo 1.21\nrequire   golang.org/x/text    v0.3.5   // pinned: see #12\n",
			findings: textFindings[:1],
			want:     "module m\n\ngo 1.21\nrequire   golang.org/x/text    v0.3.7   // pinned: see #12\n",
			changes:  []string{"go.mod: golang.org/x/text v0.3.5 -> v0.3.7 (GO-2021-0113)"},
		},
		{
			name:     "CRLF line endings",
			in:       "module m\r\n\r\nrequire golang.org/x/text v0.3.5\r\n",
			findings: textFindings,
			want:     "module m\r\n\r\nrequire golang.org/x/text v0.3.8\r\n",
			changes:  []string{"go.mod: golang.org/x/text v0.3.5 -> v0.3.8 (GO-2021-0113, GO-2022-1059)"},
		},
		{
			name:     "never lowered",
			in:       "module m\n\nrequire golang.org/x/text v0.3.9\n",
			findings: textFindings,
			changes:  []string{"go.mod: golang.org/x/text v0.3.9 -> v0.3.8 not applied (GO-2021-0113, GO-2022-1059): go.mod already requires the fixed version"},
		},
		{
			name:     "no fix known",
			in:       "module m\n\nrequire example.com/old v1.0.0\n",
			findings: []scan.Finding{goFinding("example.com/old", "v1.0.0", "GO-2099-0001", "")},
			changes:  []string{"go.mod: example.com/old v1.0.0 not fixable (GO-2099-0001): no fixed version is known: remove or replace the dependency"},
		},
		{
			name: "module replacement raised",
			in:   "module m\n\nrequire example.com/a v1.0.0\n\nreplace example.com/a => example.com/fork v1.0.0\n",
			findings: []scan.Finding{goFinding("example.com/fork", "v1.0.0", "GO-2099-0002", "1.0.1"),
				goFinding("example.com/fork", "v1.0.0", "GO-2099-0003", "")},
			want: "module m\n\nrequire example.com/a v1.0.0\n\nreplace example.com/a => example.com/fork v1.0.1\n",
			changes: []string{
				"go.mod: example.com/fork v1.0.0 not fixable (GO-2099-0003): no fixed version is known: remove or replace the dependency",
				"go.mod: example.com/fork v1.0.0 -> v1.0.1 (GO-2099-0002)",
			},
		},
		{
			name:     "named only by go.sum",
			in:       "module m\n\ngo 1.16\n\nrequire golang.org/x/net v0.1.0\n",
			findings: textFindings,
			want:     "module m\n\ngo 1.16\n\nrequire (\n\tgolang.org/x/net v0.1.0\n\tgolang.org/x/text v0.3.8 // indirect\n)\n",
			changes:  []string{"go.mod: golang.org/x/text v0.3.5 -> v0.3.8 (GO-2021-0113, GO-2022-1059): not required by go.mod (go.sum names it): added as an indirect requirement"},
		},
		{
			name:     "stdlib suggested",
			in:       "module m\n\ngo 1.21\n",
			findings: []scan.Finding{goFinding("stdlib", "v1.21.0", "GO-2023-2185", "1.21.4"), goFinding("toolchain", "v1.21.0", "GO-2023-2186", "1.21.5")},
			changes:  []string{"go.mod: toolchain go1.21 -> go1.21.5 not applied (GO-2023-2185, GO-2023-2186): the standard library is the Go that builds the module: build with go1.21.5 or later, or apply to set the toolchain line"},
		},
		{
			name:     "stdlib applied",
			in:       "module m\n\ngo 1.21\n\nrequire golang.org/x/text v0.3.5\n",
			findings: append([]scan.Finding{goFinding("stdlib", "v1.21.0", "GO-2023-2185", "1.21.4")}, textFindings...),
			opts:     GoOptions{Toolchain: true},
			want:     "module m\n\ngo 1.21\n\ntoolchain go1.21.4\n\nrequire golang.org/x/text v0.3.8\n",
			changes: []string{
				"go.mod: golang.org/x/text v0.3.5 -> v0.3.8 (GO-2021-0113, GO-2022-1059)",
				"go.mod: toolchain go1.21 -> go1.21.4 (GO-2023-2185): the go command fetches go1.21.4 for builds of this module",
			},
		},
		{
			name:     "stdlib under go 1.19",
			in:       "module m\n\ngo 1.19\n",
			findings: []scan.Finding{goFinding("stdlib", "v1.19.0", "GO-2022-0969", "1.19.1")},
			opts:     GoOptions{Toolchain: true},
			changes:  []string{"go.mod: toolchain go1.19 -> go1.19.1 not applied (GO-2022-0969): toolchain lines need a go line of 1.21 or later: build with go1.19.1 or later"},
		},
		{
			name:     "other ecosystems ignored",
			in:       "module m\n",
			findings: []scan.Finding{{Package: "lodash", Version: "4.17.15", Ecosystem: depscan.Npm, ID: "GHSA-35jh-r3h4-6jhm", FixedIn: "4.17.21"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, changes, err := GoModWith("go.mod", []byte(tc.in), tc.findings, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if want == "" {
				want = tc.in
			}
			if string(out) != want {
				t.Errorf("go.mod\n%s\nwant\n%s\ndiff:\n%s", out, want, Unified("want", "got", []byte(want), out))
			}
			var got []string
			for _, c := range changes {
				got = append(got, c.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.changes, "\n") {
				t.Errorf("changes\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.changes, "\n"))
			}
		})
	}
}

func TestGoModInvalid(t *testing.T) {
	if _, _, err := GoMod("go.mod", []byte("module m\nrequire (\n"), textFindings); err == nil || !strings.Contains(err.Error(), "go.mod") {
		t.Errorf("error %v, want one naming the file", err)
	}
}
