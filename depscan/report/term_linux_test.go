package report

import (
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// openPty opens a pseudo-terminal pair the way posix_openpt, unlockpt and
// ptsname do, so the terminal case is tested with a real terminal.
func openPty(t *testing.T) *os.File {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("ptsname: %v", err)
	}
	pts, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open pts: %v", err)
	}
	t.Cleanup(func() { pts.Close() })
	return pts
}

func TestColorFor(t *testing.T) {
	pty := openPty(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	regular, err := os.Create(t.TempDir() + "/out")
	if err != nil {
		t.Fatal(err)
	}
	defer regular.Close()
	for _, tc := range []struct {
		name string
		f    *os.File
		env  map[string]string
		want bool
	}{
		{"terminal", pty, map[string]string{"TERM": "xterm-256color"}, true},
		{"terminal, TERM unset", pty, nil, true},
		// no-color.org: set and not empty disables colour, whatever its value.
		{"NO_COLOR=1", pty, map[string]string{"NO_COLOR": "1"}, false},
		{"NO_COLOR=0", pty, map[string]string{"NO_COLOR": "0"}, false},
		{"NO_COLOR empty", pty, map[string]string{"NO_COLOR": ""}, true},
		{"TERM=dumb", pty, map[string]string{"TERM": "dumb"}, false},
		{"pipe", w, nil, false},
		{"null device, a character device but no terminal", null, nil, false},
		{"regular file", regular, nil, false},
		{"nil", nil, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := func(k string) string { return tc.env[k] }
			if got := ColorFor(tc.f, env); got != tc.want {
				t.Errorf("ColorFor = %v, want %v", got, tc.want)
			}
		})
	}
}
