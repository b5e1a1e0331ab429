package exporter

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestReadOnlyMappings(t *testing.T) {
	const maps = `00400000-009b5000 r-xp 00000000 fe:00 9978237                            /usr/bin/perfwatch-exporter
009b5000-00feb000 r--p 005b5000 fe:00 9978237                            /usr/bin/perfwatch-exporter
00feb000-0105f000 rw-p 00beb000 fe:00 9978237                            /usr/bin/perfwatch-exporter
0105f000-030a4000 rw-p 00000000 00:00 0
7f0000000000-7f0000001000 r--p 00000000 fe:00 1234                       /usr/lib/other
7f0000001000-7f0000002000 r--p 00000000 fe:01 9978237                    /other/device/same/inode
7f0000002000-7f0000003000 r-xp 00000000 fe:00 9978237                    /usr/bin/perfwatch-exporter (deleted)
7ffe731d0000-7ffe731f1000 rw-p 00000000 00:00 0                          [stack]
`
	got, err := readOnlyMappings([]byte(maps), 0xfe, 0, 9978237)
	if err != nil {
		t.Fatal(err)
	}
	want := []addrRange{{0x400000, 0x9b5000}, {0x9b5000, 0xfeb000}, {0x7f0000002000, 0x7f0000003000}}
	if len(got) != len(want) {
		t.Fatalf("got %x, want %x", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("mapping %d: got %x, want %x", i, got[i], want[i])
		}
	}

	for _, bad := range []string{
		"00400000 r-xp 00000000 fe:00 9978237 /bin/x\n",
		"00400000-009b5000 r-xp 00000000 fe00 9978237 /bin/x\n",
		"00400000-009b5000 r-xp 00000000 fe:00 99x /bin/x\n",
		"00400000-zz r-xp 00000000 fe:00 9978237 /bin/x\n",
		"00400000-009b5000 r-xp\n",
	} {
		if _, err := readOnlyMappings([]byte(bad), 0xfe, 0, 9978237); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestReleaseStartupPages releases the test binary's own pages and checks
// that fewer of them are resident afterwards.
func TestReleaseStartupPages(t *testing.T) {
	before := exeRSS(t)
	if err := ReleaseStartupPages(); err != nil {
		t.Fatal(err)
	}
	after := exeRSS(t)
	t.Logf("resident read-only pages of the test binary: %d KiB before, %d KiB after", before, after)
	if after >= before {
		t.Errorf("resident pages of the executable did not shrink: %d KiB before, %d KiB after", before, after)
	}
}

// exeRSS sums the Rss of the non-writable mappings of the own executable
// from /proc/self/smaps, in KiB.
func exeRSS(t *testing.T) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/exe", &st); err != nil {
		t.Fatal(err)
	}
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	var total uint64
	counting := false
	for _, line := range strings.Split(string(smaps), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 5 && strings.Contains(f[0], "-"):
			ranges, err := readOnlyMappings([]byte(line), unix.Major(st.Dev), unix.Minor(st.Dev), st.Ino)
			if err != nil {
				t.Fatal(err)
			}
			counting = len(ranges) == 1
		case counting && len(f) == 3 && f[0] == "Rss:":
			n, err := parseUint([]byte(f[1]))
			if err != nil {
				t.Fatalf("smaps line %q", line)
			}
			total += n
		}
	}
	if total == 0 {
		t.Fatalf("no resident pages of the executable in /proc/self/smaps:\n%s", bytes.TrimSpace(smaps[:min(len(smaps), 2000)]))
	}
	return total
}
