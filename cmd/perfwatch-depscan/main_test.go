package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

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

func TestScan(t *testing.T) {
	dir := project(t)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"scan", dir, "--osv.db=" + fixtures}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "django") || !strings.Contains(out.String(), "PYSEC-2022-213") || !strings.Contains(out.String(), "health 40") {
		t.Errorf("table:\n%s", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"scan", dir, "--osv.db=" + fixtures, "--format=json"}, &out); err != nil {
		t.Fatal(err)
	}
	var r scan.Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil || r.Schema != scan.SchemaVersion || len(r.Projects) != 1 {
		t.Errorf("json report %v: %s", err, out.String())
	}
	err := run(context.Background(), []string{"scan", dir, "--osv.db=" + fixtures, "--fail-on=high"}, &out)
	if !errors.Is(err, scan.ErrFound) {
		t.Errorf("--fail-on=high = %v, want ErrFound (exit status %d)", err, exitFound)
	}
}

func TestScanErrors(t *testing.T) {
	dir := project(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"scan", dir}, "osv.db"},
		{[]string{"scan", dir, "--osv.db=" + filepath.Join(dir, "none")}, "no such file"},
		{[]string{"scan", dir, "--osv.db=" + fixtures, "--format=xml"}, "xml"},
		{[]string{"scan", dir, "--osv.db=" + fixtures, "--fail-on=severe"}, "fail-on"},
	} {
		var out bytes.Buffer
		if err := run(context.Background(), tt.args, &out); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%v) = %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
}
