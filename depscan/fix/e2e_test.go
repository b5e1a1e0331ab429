package fix

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/depscan/osv"
	"github.com/perfwatch/perfwatch/depscan/scan"
)

// goCommand finds the go command; a test needing it fails without it, in CI and
// out, rather than skipping.
func goCommand(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed: %v", err)
	}
	return p
}

// A module requiring golang.org/x/text v0.3.5 (GO-2021-0113, GO-2022-1059) is
// scanned, fixed, tidied and built with the real go command, and scanned again:
// no finding is left.
func TestGoModEndToEnd(t *testing.T) {
	goBin := goCommand(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/e2e\n\ngo 1.21\n\nrequire golang.org/x/text v0.3.5\n")
	write("main.go", "package main\n\nimport (\n\t\"fmt\"\n\n\t\"golang.org/x/text/language\"\n)\n\n"+
		"func main() { fmt.Println(language.MustParse(\"en-GB\")) }\n")
	db, err := osv.LoadDir(ctx, "testdata/osv")
	if err != nil {
		t.Fatal(err)
	}
	r, err := scan.Run(ctx, scan.Options{Root: dir, DB: db})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Projects) != 1 || len(r.Projects[0].Findings) != 2 {
		t.Fatalf("before the fix: %+v", r.Projects)
	}
	path := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out, changes, err := GoMod(path, data, r.Projects[0].Findings)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || !changes[0].Applied || changes[0].To != "v0.3.8" {
		t.Fatalf("changes %v", changes)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"mod", "tidy"}, {"build", "-o", os.DevNull, "."}} {
		cmd := exec.CommandContext(ctx, goBin, args...)
		cmd.Dir = dir
		// The module cache and the proxy come from the environment (CI reaches
		// proxy.golang.org); the workspace and toolchain switching must not.
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %v: %v\n%s", args, err, b)
		}
	}
	r, err = scan.Run(ctx, scan.Options{Root: dir, DB: db})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(r.Projects[0].Findings); n != 0 {
		t.Errorf("after the fix: %d findings: %+v", n, r.Projects[0].Findings)
	}
}
