// Package testtool finds the external programs that tests run (promtool, amtool,
// Prometheus, Alertmanager, node_exporter) and decides what a test does when one is
// missing: on a developer's machine it skips, under CI it fails.
//
// .ci/run exports CI=true and installs every tool first, so a missing tool there is
// a broken set-up that must not pass as a green run of skipped tests. CI counts as
// set when the variable is non-empty and not a false value of strconv.ParseBool
// ("0", "false", "f", …), so CI=false behaves like a developer's machine.
package testtool

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// CI reports whether tests run under CI (see the package comment).
func CI() bool { return ciOn(os.Getenv("CI")) }

func ciOn(v string) bool {
	if v == "" {
		return false
	}
	if b, err := strconv.ParseBool(v); err == nil {
		return b
	}
	return true // any other non-empty value, as most CI systems set it
}

// Outcome is what a test does about something it needs.
type Outcome int

const (
	Use  Outcome = iota // it was found: run the test
	Skip                // missing on a developer's machine
	Fail                // missing under CI
)

func (o Outcome) String() string {
	switch o {
	case Use:
		return "use"
	case Skip:
		return "skip"
	case Fail:
		return "fail"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Decide is the whole policy: found → Use; missing → Fail under CI, else Skip.
func Decide(found, ci bool) Outcome {
	switch {
	case found:
		return Use
	case ci:
		return Fail
	default:
		return Skip
	}
}

// Find returns the path of the program name (a command looked up in PATH, or a
// path), or of the program named by the environment variable env when env is not
// empty and set. An error says what is missing and, from hint, how to install it.
func Find(env, name, hint string) (string, error) {
	if env != "" {
		if v := os.Getenv(env); v != "" {
			p, err := exec.LookPath(v)
			if err != nil {
				return "", fmt.Errorf("%s=%s: %w", env, v, err)
			}
			return p, nil
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		msg := fmt.Sprintf("%s not found", name)
		if hint != "" {
			msg += " (" + hint + ")"
		}
		if env != "" {
			msg += "; " + env + " unset"
		}
		return "", errors.New(msg)
	}
	return p, nil
}

// Need returns the path of the program name, found in PATH or given as a path.
// When it is missing, Need fails t under CI and skips t elsewhere; hint says how to
// install it, for example "apt-get install prometheus".
func Need(t testing.TB, name, hint string) string {
	t.Helper()
	return NeedEnv(t, "", name, hint)
}

// NeedEnv is Need where the environment variable env, when set, names the program
// instead (for example NODE_EXPORTER_BIN for another node_exporter build). A
// variable that is set but names no program fails t even outside CI: it is a
// mistake, not a missing tool.
func NeedEnv(t testing.TB, env, name, hint string) string {
	t.Helper()
	if env != "" && os.Getenv(env) != "" {
		p, err := Find(env, name, hint)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p, err := Find("", name, hint)
	if err != nil {
		Missing(t, "%v", err)
	}
	return p
}

// Missing reports that something t needs is absent (a tool, /proc): under CI it
// fails t, elsewhere it skips t. The message is formatted as by fmt.Sprintf.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if Decide(false, CI()) == Fail {
		t.Fatalf("%s; CI is set, so a missing tool fails the test (.ci/run installs it)", msg)
	}
	t.Skip(msg)
}

// Main is Need for TestMain, which has no t: it returns the program's path, or,
// when it is missing, the Outcome (Skip or Fail) and the error to print. TestMain
// exits 1 on Fail and 0 on Skip.
func Main(name, hint string) (string, Outcome, error) {
	p, err := Find("", name, hint)
	if err != nil {
		return "", Decide(false, CI()), err
	}
	return p, Use, nil
}
