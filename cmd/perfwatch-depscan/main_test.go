package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/perfwatch/perfwatch/depscan/osv/osvtest"
	"github.com/perfwatch/perfwatch/depscan/scan"
)

const fixtures = "../../depscan/osv/testdata/db"

func project(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "requirements.txt"), []byte("django==3.2.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// scanArgs is a scan that sends nothing anywhere: no registries, a cache of its own.
func scanArgs(t *testing.T, args ...string) []string {
	return append([]string{"scan", "--no-registry", "--cache.dir=" + t.TempDir()}, args...)
}

func TestScan(t *testing.T) {
	dir := project(t)
	var out bytes.Buffer
	if err := run(context.Background(), scanArgs(t, dir, "--osv.db="+fixtures), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "django") || !strings.Contains(out.String(), "PYSEC-2022-213") || !strings.Contains(out.String(), "health 40") {
		t.Errorf("table:\n%s", out.String())
	}
	if strings.Contains(out.String(), "\x1b[") {
		t.Errorf("colours in a table written to a buffer:\n%s", out.String())
	}
	out.Reset()
	if err := run(context.Background(), scanArgs(t, dir, "--osv.db="+fixtures, "--color=always"), &out, io.Discard); err != nil || !strings.Contains(out.String(), "\x1b[") {
		t.Errorf("--color=always: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), scanArgs(t, dir, "--osv.db="+fixtures, "--format=json"), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var r scan.Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil || r.Schema != scan.SchemaVersion || len(r.Projects) != 1 {
		t.Errorf("json report %v: %s", err, out.String())
	}
	if len(r.Notes) == 0 || !strings.Contains(strings.Join(r.Notes, "\n"), "registries not consulted") {
		t.Errorf("notes %q: --no-registry not said", r.Notes)
	}
	out.Reset()
	if err := run(context.Background(), scanArgs(t, dir, "--osv.db="+fixtures, "--format=sarif"), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var sarif struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []json.RawMessage `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out.Bytes(), &sarif); err != nil || sarif.Version != "2.1.0" || len(sarif.Runs) != 1 || len(sarif.Runs[0].Results) != 1 {
		t.Errorf("sarif %v: %s", err, out.String())
	}
	err := run(context.Background(), scanArgs(t, dir, "--osv.db="+fixtures, "--fail-on=high"), &out, io.Discard)
	if !errors.Is(err, scan.ErrFound) {
		t.Errorf("--fail-on=high = %v, want ErrFound (exit status %d)", err, exitFound)
	}
}

// --osv.online asks the OSV API (here a server speaking it) about the packages found.
func TestScanOnline(t *testing.T) {
	entries, err := osvtest.ReadDir(fixtures)
	if len(entries) == 0 {
		t.Fatalf("fixtures: %v", err)
	}
	srv := osvtest.New(entries)
	defer srv.Close()
	dir := project(t)
	var out bytes.Buffer
	if err := run(context.Background(), scanArgs(t, dir, "--osv.online", "--osv.api-url="+srv.URL, "--format=json"), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var r scan.Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil || len(r.Projects) != 1 || len(r.Projects[0].Findings) != 1 || r.Projects[0].Findings[0].ID != "PYSEC-2022-213" {
		t.Errorf("online report %v: %s", err, out.String())
	}
	if srv.Queries() == 0 {
		t.Error("the API was not asked")
	}
	// The API down is an error naming it, not an empty report.
	srv.Close()
	err = run(context.Background(), scanArgs(t, dir, "--osv.online", "--osv.api-url="+srv.URL), &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "osv.online") {
		t.Errorf("API down: %v", err)
	}
}

// The registry flags reach the client: a registry answering for django makes the
// report say how far behind it is, and an unreachable one leaves it unknown.
func TestScanRegistry(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/pypi/django/json" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, `{"info":{"name":"Django","version":"5.1.4","license":"BSD-3-Clause"},
			"releases":{"3.2.5":[{"upload_time_iso_8601":"2021-07-01T09:00:00Z","yanked":false}],
			"5.1.4":[{"upload_time_iso_8601":"2024-12-04T15:00:00Z","yanked":false}]}}`)
	}))
	defer srv.Close()
	dir := project(t)
	var out bytes.Buffer
	args := []string{"scan", "--cache.dir=" + t.TempDir(), "--registry.pypi-url=" + srv.URL, "--osv.db=" + fixtures, "--format=json", dir}
	if err := run(context.Background(), args, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var r scan.Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	d := r.Projects[0].Packages[0]
	if d.Latest != "5.1.4" || d.Outdated != "major" || d.MajorsBehind != 2 || d.LicenceVerdict != "allowed" {
		t.Errorf("django: %+v", d)
	}
	// Offline with an empty cache: unknown, and the notes say why.
	out.Reset()
	args = []string{"scan", "--cache.dir=" + t.TempDir(), "--registry.offline", "--osv.db=" + fixtures, "--format=json", dir}
	if err := run(context.Background(), args, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	r = scan.Report{}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if d := r.Projects[0].Packages[0]; d.Outdated != "unknown" || !strings.Contains(strings.Join(d.Notes, "\n"), "offline") {
		t.Errorf("offline django: %+v", d)
	}
}

// --fix is a dry run showing the diff; --fix.write writes it.
func TestScanFix(t *testing.T) {
	dir := project(t)
	gomod := "module example.com/shop\n\ngo 1.22\n\nrequire golang.org/x/net v0.0.0-20220722155237-a158d28d115b // pinned by the ops team\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), scanArgs(t, dir, "--osv.db="+fixtures, "--fix"), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"-django==3.2.5", "+django==3.2.14",
		"-require golang.org/x/net v0.0.0-20220722155237-a158d28d115b // pinned by the ops team",
		"+require golang.org/x/net v0.0.0-20220906165146-f3363e06e74c // pinned by the ops team",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dry run lacks %q:\n%s", want, out.String())
		}
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "go.mod")); string(data) != gomod {
		t.Errorf("dry run wrote go.mod:\n%s", data)
	}
	out.Reset()
	if err := run(context.Background(), scanArgs(t, dir, "--osv.db="+fixtures, "--fix", "--fix.write", "--format=json"), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !json.Valid(out.Bytes()) {
		t.Errorf("--fix with --format=json broke the JSON:\n%s", out.String())
	}
	if !strings.Contains(errOut.String(), "go mod tidy") {
		t.Errorf("no tidy hint after writing go.mod:\n%s", errOut.String())
	}
	req, _ := os.ReadFile(filepath.Join(dir, "requirements.txt"))
	mod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
	if string(req) != "django==3.2.14\n" || !strings.Contains(string(mod), "golang.org/x/net v0.0.0-20220906165146-f3363e06e74c") {
		t.Errorf("after --fix.write:\n%s\n%s", req, mod)
	}
	// Scanned again, the fixed files have no finding of those packages left.
	out.Reset()
	if err := run(context.Background(), scanArgs(t, dir, "--osv.db="+fixtures, "--format=json"), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var r scan.Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Projects[0].Findings {
		if f.Package == "django" || f.Package == "golang.org/x/net" {
			t.Errorf("still found after the fix: %+v", f)
		}
	}
}

func TestScanErrors(t *testing.T) {
	dir := project(t)
	badPolicy := filepath.Join(t.TempDir(), "policy.yml")
	if err := os.WriteFile(badPolicy, []byte("allow: [MIT]\nalow: [ISC]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{scanArgs(t, dir), "--osv.db=PATH or --osv.online"},
		{scanArgs(t, dir, "--osv.db="+fixtures, "--osv.online"), "one of them"},
		{scanArgs(t, dir, "--osv.db="+filepath.Join(dir, "none")), "no such file"},
		{scanArgs(t, dir, "--osv.db="+fixtures, "--format=xml"), "xml"},
		{scanArgs(t, dir, "--osv.db="+fixtures, "--fail-on=severe"), "fail-on"},
		{scanArgs(t, dir, "--osv.db="+fixtures, "--licence.policy="+badPolicy), "alow"},
	} {
		var out bytes.Buffer
		if err := run(context.Background(), tt.args, &out, io.Discard); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%v) = %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
}
