package exporter

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

func TestDiskstatsCollector(t *testing.T) {
	tick := float64(diskSecondsPerTick) // as the collector computes it, not constant-folded
	sdaInfo := `node_disk_info{device="sda",major="8",minor="0",model="QEMU_HARDDISK",path="pci-0000:00:1f.2-ata-1",revision="2.5+",serial="QM00001",wwn="0x5000c500a1b2c3d4"}`
	for _, tc := range []struct {
		name    string
		proc    string
		want    map[string]float64 // a subset of the samples
		absent  []string
		count   int // number of samples
		wantErr bool
	}{
		{name: "kernel 5.5+ (flush columns)", proc: fixtureProc, want: map[string]float64{
			sdaInfo: 1,
			`node_disk_reads_completed_total{device="sda"}`:             1000,
			`node_disk_reads_merged_total{device="sda"}`:                20,
			`node_disk_read_bytes_total{device="sda"}`:                  204800 * 512,
			`node_disk_read_time_seconds_total{device="sda"}`:           3,
			`node_disk_writes_completed_total{device="sda"}`:            500,
			`node_disk_writes_merged_total{device="sda"}`:               30,
			`node_disk_written_bytes_total{device="sda"}`:               102400 * 512,
			`node_disk_write_time_seconds_total{device="sda"}`:          1.5,
			`node_disk_io_now{device="sda"}`:                            2,
			`node_disk_io_time_seconds_total{device="sda"}`:             4,
			`node_disk_io_time_weighted_seconds_total{device="sda"}`:    4.5,
			`node_disk_discards_completed_total{device="sda"}`:          7,
			`node_disk_discards_merged_total{device="sda"}`:             1,
			`node_disk_discarded_sectors_total{device="sda"}`:           64,
			`node_disk_discard_time_seconds_total{device="sda"}`:        9 * tick,
			`node_disk_flush_requests_total{device="sda"}`:              11,
			`node_disk_flush_requests_time_seconds_total{device="sda"}`: 13 * tick,
			// No udev database entry: empty labels, as node_exporter.
			`node_disk_info{device="nvme0n1",major="259",minor="0",model="",path="",revision="",serial="",wwn=""}`: 1,
			`node_disk_discard_time_seconds_total{device="nvme0n1"}`:                                               0.005,
			`node_disk_io_now{device="dm-0"}`:                                                                      1,
			`node_disk_io_time_weighted_seconds_total{device="dm-0"}`:                                              0.31,
		}, absent: []string{
			// Kernel 4.18–5.4: discard columns only.
			`node_disk_flush_requests_total{device="nvme0n1"}`,
			// Before 4.18: the first 11 columns only.
			`node_disk_discards_completed_total{device="dm-0"}`,
			// The default exclusion: partitions, loop and zram devices.
			`node_disk_reads_completed_total{device="sda1"}`,
			`node_disk_reads_completed_total{device="nvme0n1p1"}`,
			`node_disk_reads_completed_total{device="loop0"}`,
			`node_disk_reads_completed_total{device="zram0"}`,
		}, count: (1 + 17) + (1 + 15) + (1 + 11)},
		// Lines that do not parse (a word for a number, ten columns, a bad
		// major number) are named in the error; the others are kept.
		{name: "malformed", proc: "testdata/proc-broken", want: map[string]float64{
			`node_disk_reads_completed_total{device="sdb"}`:          1,
			`node_disk_read_bytes_total{device="sdb"}`:               3 * 512,
			`node_disk_io_time_weighted_seconds_total{device="sdb"}`: 0.011,
		}, count: 1 + 11, wantErr: true},
		{name: "missing", proc: "testdata/proc-empty", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fixtureConfig(tc.proc)
			cfg.RootFS = "testdata"
			c := mustNew(t, newDiskstatsCollector, cfg)
			got, err := update(t, c)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if tc.wantErr && tc.count == 0 {
				return
			}
			if len(got) != tc.count {
				t.Errorf("%d samples, want %d: %v", len(got), tc.count, got)
			}
			for k, v := range tc.want {
				if g, ok := got[k]; !ok || g != v {
					t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
				}
			}
			for _, k := range tc.absent {
				if _, ok := got[k]; ok {
					t.Errorf("%s present, want absent", k)
				}
			}
		})
	}
}

func TestDiskstatsDefaultExclude(t *testing.T) {
	re := regexp.MustCompile(DefaultDiskstatsDeviceExclude)
	for dev, excluded := range map[string]bool{
		"sda": false, "sda1": true, "vda": false, "vda2": true, "xvda1": true, "hdb3": true,
		"nvme0n1": false, "nvme0n1p1": true, "loop0": true, "ram0": true, "zram0": true, "fd0": true,
		"dm-0": false, "md0": false, "mmcblk0": false, "sr0": false,
	} {
		if re.MatchString(dev) != excluded {
			t.Errorf("%s: excluded %v, want %v", dev, !excluded, excluded)
		}
	}
}

func TestDiskstatsDeviceSelection(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  DiskstatsConfig
		want []string
	}{
		{"default exclude", DiskstatsConfig{}, []string{"dm-0", "nvme0n1", "sda"}},
		{"empty exclude keeps all", DiskstatsConfig{DeviceExclude: regexp.MustCompile(`^$`)}, []string{"dm-0", "loop0", "nvme0n1", "nvme0n1p1", "sda", "sda1", "zram0"}},
		{"include wins", DiskstatsConfig{DeviceInclude: regexp.MustCompile(`^sda`), DeviceExclude: regexp.MustCompile(`^sda$`)}, []string{"sda", "sda1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fixtureConfig(fixtureProc)
			cfg.Diskstats = tc.cfg
			got, err := update(t, mustNew(t, newDiskstatsCollector, cfg))
			if err != nil {
				t.Fatal(err)
			}
			var devs []string
			for k := range got {
				if strings.HasPrefix(k, "node_disk_reads_completed_total{") {
					devs = append(devs, strings.TrimSuffix(strings.TrimPrefix(k, `node_disk_reads_completed_total{device="`), `"}`))
				}
			}
			sort.Strings(devs)
			if !slices.Equal(devs, tc.want) {
				t.Errorf("devices %v, want %v", devs, tc.want)
			}
		})
	}
}

// TestDiskstatsUdevChange checks that node_disk_info follows the udev
// database when udev replaces a device's file (as it does, by rename), and
// when the file appears or goes away.
func TestDiskstatsUdevChange(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "run", "udev", "data")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(model string) {
		tmp := filepath.Join(dir, ".tmp")
		if err := os.WriteFile(tmp, []byte("E:ID_MODEL="+model+"\nE:ID_PATH=pci-0\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "b8:0")); err != nil {
			t.Fatal(err)
		}
	}
	cfg := fixtureConfig(fixtureProc)
	cfg.RootFS = root
	c := mustNew(t, newDiskstatsCollector, cfg)
	info := func(model, path string) string {
		return `node_disk_info{device="sda",major="8",minor="0",model="` + model + `",path="` + path + `",revision="",serial="",wwn=""}`
	}
	for i, step := range []struct {
		change      func()
		model, path string
	}{
		{func() {}, "", ""},
		{func() { write("DISK_A") }, "DISK_A", "pci-0"},
		{func() {}, "DISK_A", "pci-0"},
		{func() { write("DISK_B") }, "DISK_B", "pci-0"},
		{func() { os.Remove(filepath.Join(dir, "b8:0")) }, "", ""},
	} {
		step.change()
		got, err := update(t, c)
		if err != nil {
			t.Fatal(err)
		}
		if got[info(step.model, step.path)] != 1 {
			t.Errorf("step %d: want %s, got %v", i, info(step.model, step.path), got)
		}
	}
}
