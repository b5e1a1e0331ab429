package exporter

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fakeStatfs answers statfs from a table and blocks on paths listed in hang
// until release is closed.
type fakeStatfs struct {
	mu      sync.Mutex
	calls   map[string]int
	hang    map[string]bool
	release chan struct{}
}

func newFakeStatfs(hang ...string) *fakeStatfs {
	f := &fakeStatfs{calls: map[string]int{}, hang: map[string]bool{}, release: make(chan struct{})}
	for _, h := range hang {
		f.hang[h] = true
	}
	return f
}

func (f *fakeStatfs) statfs(path string, buf *unix.Statfs_t) error {
	f.mu.Lock()
	f.calls[path]++
	hang := f.hang[path]
	f.mu.Unlock()
	if hang {
		<-f.release
	}
	switch path {
	case "/secret":
		return syscall.EACCES
	case "/srv/data dir":
		*buf = unix.Statfs_t{Bsize: 4096, Blocks: 1000, Bfree: 400, Bavail: 300, Files: 50, Ffree: 20}
	default:
		*buf = unix.Statfs_t{Bsize: 1024, Blocks: 2000, Bfree: 1000, Bavail: 900, Files: 100, Ffree: 60}
	}
	return nil
}

func (f *fakeStatfs) count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[path]
}

func fsKey(name, dev, fstype, mp string) string {
	return name + `{device="` + dev + `",fstype="` + fstype + `",mountpoint="` + mp + `"}`
}

func TestFilesystemCollectorFixture(t *testing.T) {
	fake := newFakeStatfs()
	cfg := fixtureConfig(fixtureProc)
	cfg.Filesystem.statfs = fake.statfs
	c := mustNew(t, newFilesystemCollector, cfg)
	got, err := update(t, c)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	for key, want := range map[string]float64{
		fsKey("node_filesystem_size_bytes", "/dev/vda1", "ext4", "/"):                  2000 * 1024,
		fsKey("node_filesystem_free_bytes", "/dev/vda1", "ext4", "/"):                  1000 * 1024,
		fsKey("node_filesystem_avail_bytes", "/dev/vda1", "ext4", "/"):                 900 * 1024,
		fsKey("node_filesystem_files", "/dev/vda1", "ext4", "/"):                       100,
		fsKey("node_filesystem_files_free", "/dev/vda1", "ext4", "/"):                  60,
		fsKey("node_filesystem_readonly", "/dev/vda1", "ext4", "/"):                    0,
		fsKey("node_filesystem_device_error", "/dev/vda1", "ext4", "/"):                0,
		fsKey("node_filesystem_size_bytes", "/dev/vdb1", "xfs", "/srv/data dir"):       4096 * 1000,
		fsKey("node_filesystem_avail_bytes", "/dev/vdb1", "xfs", "/srv/data dir"):      4096 * 300,
		fsKey("node_filesystem_readonly", "/dev/vdb1", "xfs", "/srv/data dir"):         1,
		fsKey("node_filesystem_device_error", "/dev/vdc1", "ext4", "/secret"):          1,
		fsKey("node_filesystem_readonly", "/dev/vdc1", "ext4", "/secret"):              0,
		fsKey("node_filesystem_size_bytes", "nfs.example:/export", "nfs4", "/mnt/nfs"): 2000 * 1024,
		fsKey("node_filesystem_size_bytes", "tmpfs", "tmpfs", "/run"):                  2000 * 1024,
	} {
		if v, ok := got[key]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", key, v, ok, want)
		}
	}
	// Permission denied: only device_error and readonly, no sizes.
	if _, ok := got[fsKey("node_filesystem_size_bytes", "/dev/vdc1", "ext4", "/secret")]; ok {
		t.Error("size exported for a mount whose statfs failed")
	}
	// Excluded by the default regexes: /proc, /sys (by mount point and type), docker overlay.
	for _, mp := range []string{"/proc", "/sys", "/var/lib/docker/overlay2/abc/merged"} {
		for k := range got {
			if regexp.MustCompile(`mountpoint="` + regexp.QuoteMeta(mp) + `"`).MatchString(k) {
				t.Errorf("excluded mount %s exported: %s", mp, k)
			}
		}
	}
	// 4 healthy mounts × 7 families + 1 failed mount × 2; "/" is listed twice but exported once.
	if len(got) != 4*7+2 {
		t.Errorf("got %d series, want %d", len(got), 4*7+2)
	}
	if n := fake.count("/"); n != 1 {
		t.Errorf("statfs on / called %d times, want 1 (duplicate mount)", n)
	}
}

func TestFilesystemCollectorHungMount(t *testing.T) {
	fake := newFakeStatfs("/mnt/nfs")
	defer close(fake.release)
	cfg := fixtureConfig(fixtureProc)
	cfg.Filesystem.statfs = fake.statfs
	cfg.Filesystem.MountTimeout = 50 * time.Millisecond
	c := mustNew(t, newFilesystemCollector, cfg).(*filesystemCollector)

	errKey := fsKey("node_filesystem_device_error", "nfs.example:/export", "nfs4", "/mnt/nfs")
	sizeKey := fsKey("node_filesystem_size_bytes", "nfs.example:/export", "nfs4", "/mnt/nfs")
	for scrape := 1; scrape <= 2; scrape++ {
		// The fake never returns until release is closed, so reaching the
		// checks below proves the scrape did not wait for the hung mount.
		got, err := update(t, c)
		if err != nil {
			t.Fatalf("scrape %d: %v", scrape, err)
		}
		if got[errKey] != 1 {
			t.Errorf("scrape %d: device_error = %v, want 1", scrape, got[errKey])
		}
		if _, ok := got[sizeKey]; ok {
			t.Errorf("scrape %d: size exported for a hung mount", scrape)
		}
		if got[fsKey("node_filesystem_device_error", "/dev/vda1", "ext4", "/")] != 0 {
			t.Errorf("scrape %d: healthy mount affected", scrape)
		}
	}
	if n := fake.count("/mnt/nfs"); n != 1 {
		t.Fatalf("statfs on the hung mount called %d times, want 1: later scrapes must skip it", n)
	}

	// The mount answers again: the next scrape after that reports it normally.
	fake.mu.Lock()
	fake.hang["/mnt/nfs"] = false
	fake.mu.Unlock()
	fake.release <- struct{}{} // unblocks the first call
	waitFor(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.inflight) == 0
	})
	got, err := update(t, c)
	if err != nil {
		t.Fatal(err)
	}
	if got[errKey] != 0 || got[sizeKey] != 2000*1024 {
		t.Errorf("recovered mount: device_error %v size %v", got[errKey], got[sizeKey])
	}
}

func TestFilesystemCollectorCancelledScrape(t *testing.T) {
	fake := newFakeStatfs("/mnt/nfs")
	defer close(fake.release)
	cfg := fixtureConfig(fixtureProc)
	cfg.Filesystem.statfs = fake.statfs
	cfg.Filesystem.MountTimeout = time.Hour // only the context can end the wait
	c := mustNew(t, newFilesystemCollector, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for fake.count("/mnt/nfs") == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	var b Batch
	err := c.Update(ctx, &b)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	if samples(&b)[fsKey("node_filesystem_device_error", "nfs.example:/export", "nfs4", "/mnt/nfs")] != 1 {
		t.Error("hung mount not reported as device_error on cancel")
	}
}

func TestFilesystemCollectorBrokenAndMissing(t *testing.T) {
	cfg := fixtureConfig("testdata/proc-broken")
	cfg.Filesystem.statfs = newFakeStatfs().statfs
	c := mustNew(t, newFilesystemCollector, cfg)
	if _, err := update(t, c); err == nil {
		t.Error("want an error for a malformed mounts line")
	}
	cfg = fixtureConfig("testdata/proc-empty")
	c = mustNew(t, newFilesystemCollector, cfg)
	if _, err := update(t, c); err == nil {
		t.Error("want an error when no mount table is readable")
	}
}

func TestParseMountsRootFS(t *testing.T) {
	data := []byte("/dev/sda1 /host ext4 rw 0 0\n/dev/sdb1 /host/home ext4 ro,noatime 0 0\n/dev/sdc1 /other ext4 rw 0 0\n")
	got, err := parseMounts(data, "/host", FilesystemConfig{})
	if err != nil {
		t.Fatal(err)
	}
	want := []mount{
		{device: "/dev/sda1", mountPoint: "/", fsType: "ext4", statPath: "/host"},
		{device: "/dev/sdb1", mountPoint: "/home", fsType: "ext4", statPath: "/host/home", readOnly: true},
		{device: "/dev/sdc1", mountPoint: "/other", fsType: "ext4", statPath: "/host/other"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("mount %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestParseMountsInvalidUTF8(t *testing.T) {
	got, err := parseMounts([]byte("/dev/sda1 /data/\xff\xfe ext4 rw 0 0\n"), "/", FilesystemConfig{})
	if err != nil || len(got) != 1 {
		t.Fatalf("got %+v, %v", got, err)
	}
	if got[0].mountPoint != "/data/\uFFFD" || got[0].statPath != "/data/\xff\xfe" {
		t.Errorf("label %q (want valid UTF-8), statfs path %q (want the raw bytes)", got[0].mountPoint, got[0].statPath)
	}
}

func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{
		`/a\040b`: "/a b", `/tab\011x`: "/tab\tx", `/back\134slash`: `/back\slash`, `/plain`: "/plain", `/trailing\04`: `/trailing\04`,
	} {
		if got := unescapeMount([]byte(in)); got != want {
			t.Errorf("unescapeMount(%q) = %q, want %q", in, got, want)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("condition not reached in 5 s")
}
