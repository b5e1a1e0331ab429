package exporter

import (
	"github.com/perfwatch/perfwatch/internal/testtool"

	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/procfs/sysfs"
	"golang.org/x/sys/unix"
)

func TestNetClassCollectorFixture(t *testing.T) {
	c := mustNew(t, newNetClassCollector, fixtureConfig(fixtureProc))
	got, err := update(t, c)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	for key, want := range map[string]float64{
		`node_network_up{device="eth0"}`: 1,
		`node_network_up{device="eth1"}`: 0,
		`node_network_up{device="lo"}`:   0,
		`node_network_info{address="52:54:00:12:34:56",broadcast="ff:ff:ff:ff:ff:ff",device="eth0",duplex="full",ifalias="uplink",operstate="up"}`: 1,
		`node_network_info{address="00:00:00:00:00:00",broadcast="00:00:00:00:00:00",device="lo",duplex="",ifalias="",operstate="unknown"}`:        1,
		`node_network_info{address="52:54:00:ab:cd:ef",broadcast="ff:ff:ff:ff:ff:ff",device="eth1",duplex="unknown",ifalias="",operstate="down"}`:  1,
		`node_network_speed_bytes{device="eth0"}`:                125000000,
		`node_network_mtu_bytes{device="eth1"}`:                  9000,
		`node_network_mtu_bytes{device="lo"}`:                    65536,
		`node_network_carrier{device="eth0"}`:                    1,
		`node_network_carrier_changes_total{device="eth0"}`:      3,
		`node_network_carrier_up_changes_total{device="eth0"}`:   2,
		`node_network_carrier_down_changes_total{device="eth0"}`: 1,
		`node_network_device_id{device="eth0"}`:                  32,
		`node_network_flags{device="eth0"}`:                      4099,
		`node_network_iface_id{device="eth1"}`:                   3,
		`node_network_iface_link{device="eth1"}`:                 3,
		`node_network_iface_link_mode{device="eth0"}`:            0,
		`node_network_name_assign_type{device="eth0"}`:           4,
		`node_network_net_dev_group{device="eth1"}`:              1,
		`node_network_protocol_type{device="lo"}`:                772,
		`node_network_transmit_queue_length{device="eth1"}`:      500,
		`node_network_address_assign_type{device="eth0"}`:        0,
		`node_network_dormant{device="eth0"}`:                    0,
	} {
		v, ok := got[key]
		if !ok {
			t.Errorf("%s missing", key)
		} else if v != want {
			t.Errorf("%s = %v, want %v", key, v, want)
		}
	}
	// Attributes the kernel does not give (a down link's speed and carrier,
	// lo's speed) give no series rather than a zero.
	for _, key := range []string{
		`node_network_speed_bytes{device="eth1"}`, `node_network_speed_bytes{device="lo"}`,
		`node_network_carrier{device="eth1"}`, `node_network_dormant{device="eth1"}`,
		`node_network_name_assign_type{device="eth1"}`,
	} {
		if _, ok := got[key]; ok {
			t.Errorf("%s exported for a missing attribute", key)
		}
	}
	compareNetClassWithProcfs(t, fixtureConfig(fixtureProc))
}

func TestNetClassCollectorIgnoredAndMissing(t *testing.T) {
	cfg := fixtureConfig(fixtureProc)
	cfg.NetClass.IgnoredDevices = regexp.MustCompile(`^(lo|eth1)$`)
	got, err := update(t, mustNew(t, newNetClassCollector, cfg))
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if _, ok := got[`node_network_up{device="eth0"}`]; !ok {
		t.Errorf("eth0 missing: %v", got)
	}
	for key := range got {
		if key == `node_network_up{device="lo"}` || key == `node_network_up{device="eth1"}` {
			t.Errorf("ignored device exported: %s", key)
		}
	}
	compareNetClassWithProcfs(t, cfg)
	// node_exporter reports no data, not a failure, without /sys/class/net.
	cfg = fixtureConfig(fixtureProc)
	cfg.SysFS = "testdata/sys-broken"
	got, err = update(t, mustNew(t, newNetClassCollector, cfg))
	if err != nil || len(got) != 0 {
		t.Fatalf("want no series and no error without /sys/class/net, got %v, %v", got, err)
	}
	compareNetClassWithProcfs(t, cfg)
	// A missing sysfs mount point is an error, as sysfs.NewFS makes it.
	cfg.SysFS = "testdata/no-such-sys"
	if _, err = update(t, mustNew(t, newNetClassCollector, cfg)); err == nil || !strings.Contains(err.Error(), "open sysfs") {
		t.Fatalf("want an open sysfs error without the sysfs mount point, got %v", err)
	}
}

func TestNetClassSpeedUnknown(t *testing.T) {
	// -1 (unknown speed) gives -125000 as node_exporter 1.5.
	tree := t.TempDir()
	writeNetClassTree(t, tree, map[string]string{"eth0/speed": "-1\n", "eth0/operstate": "up\n"})
	cfg := fixtureConfig(fixtureProc)
	cfg.SysFS = tree
	got, err := update(t, mustNew(t, newNetClassCollector, cfg))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := got[`node_network_speed_bytes{device="eth0"}`]; !ok || v != -125000 {
		t.Fatalf("speed -1 gives %v (present %v), want -125000", v, ok)
	}
}

// TestNetClassMalformed builds trees with broken attribute files and checks
// the series wanted and that they are exactly what procfs's sysfs.NetClass
// with node_exporter 1.5's collector logic gives on the same tree.
func TestNetClassMalformed(t *testing.T) {
	root := os.Geteuid() == 0
	long := strings.Repeat("a", 200)
	for _, tc := range []struct {
		name    string
		files   map[string]string // device/attr: content; "DIR" a directory, "MODE0" an unreadable file, "->x" a symlink to x
		want    map[string]float64
		absent  []string
		wantErr string
	}{
		{
			// procfs's ValueParser.PInt64 gives a pointer to 0 for what
			// does not parse, so node_exporter exports 0.
			name:   "non-numeric mtu",
			files:  map[string]string{"eth0/mtu": "lots\n", "eth0/ifindex": "2\n"},
			want:   map[string]float64{`node_network_iface_id{device="eth0"}`: 2, `node_network_mtu_bytes{device="eth0"}`: 0},
			absent: []string{`node_network_speed_bytes{device="eth0"}`},
		},
		{
			name:  "empty files",
			files: map[string]string{"eth0/mtu": "", "eth0/address": "", "eth0/operstate": "", "eth0/speed": "\n"},
			want: map[string]float64{`node_network_up{device="eth0"}`: 0, `node_network_info{address="",broadcast="",device="eth0",duplex="",ifalias="",operstate=""}`: 1,
				`node_network_mtu_bytes{device="eth0"}`: 0, `node_network_speed_bytes{device="eth0"}`: 0},
			absent: []string{`node_network_carrier{device="eth0"}`},
		},
		{
			name:   "directory in place of attributes",
			files:  map[string]string{"eth0/mtu": "DIR", "eth0/operstate": "DIR", "eth0/carrier": "1\n"},
			want:   map[string]float64{`node_network_carrier{device="eth0"}`: 1, `node_network_up{device="eth0"}`: 0},
			absent: []string{`node_network_mtu_bytes{device="eth0"}`},
		},
		{
			name:  "unreadable attribute",
			files: map[string]string{"eth0/mtu": "MODE0", "eth0/carrier": "1\n"},
			want:  map[string]float64{`node_network_carrier{device="eth0"}`: 1},
			absent: func() []string {
				if root {
					return nil // root reads a mode-0 file; procfs does too
				}
				return []string{`node_network_mtu_bytes{device="eth0"}`}
			}(),
		},
		{
			name:   "symlinked attribute",
			files:  map[string]string{"eth0/real_mtu": "1500\n", "eth0/mtu": "->real_mtu", "eth0/carrier": "0\n"},
			want:   map[string]float64{`node_network_carrier{device="eth0"}`: 0},
			absent: []string{`node_network_mtu_bytes{device="eth0"}`},
		},
		{
			name: "number formats",
			files: map[string]string{
				"eth0/mtu": " 1500 \n", "eth0/flags": "0x1003\n", "eth0/dev_id": "0X0a\n", "eth0/ifindex": "010\n",
				"eth0/iflink": "1_000\n", "eth0/type": "+7\n", "eth0/carrier_changes": "-0x10\n", "eth0/tx_queue_len": "99999999999999999999\n",
				"eth0/speed": "100000", "eth0/netdev_group": "12abc", "eth0/link_mode": "0x", "eth0/dormant": "-",
				"eth0/carrier_up_count": "9223372036854775807", "eth0/carrier_down_count": "-9223372036854775808",
			},
			want: map[string]float64{
				`node_network_mtu_bytes{device="eth0"}`:                  1500,
				`node_network_flags{device="eth0"}`:                      0x1003,
				`node_network_device_id{device="eth0"}`:                  10,
				`node_network_iface_id{device="eth0"}`:                   8,
				`node_network_iface_link{device="eth0"}`:                 1000,
				`node_network_protocol_type{device="eth0"}`:              7,
				`node_network_carrier_changes_total{device="eth0"}`:      -16,
				`node_network_speed_bytes{device="eth0"}`:                12500000000,
				`node_network_carrier_up_changes_total{device="eth0"}`:   9223372036854775807,
				`node_network_carrier_down_changes_total{device="eth0"}`: -9223372036854775808,
				// Out of range or not a number: 0, as procfs.
				`node_network_transmit_queue_length{device="eth0"}`: 0,
				`node_network_net_dev_group{device="eth0"}`:         0,
				`node_network_iface_link_mode{device="eth0"}`:       0,
				`node_network_dormant{device="eth0"}`:               0,
			},
		},
		{
			name:  "strings trimmed, long ifalias cut at 128 bytes, invalid UTF-8 replaced",
			files: map[string]string{"eth0/ifalias": "  " + long + "\n", "eth0/address": "\t52:54:00:12:34:56\n", "eth0/duplex": "f\xffull\n", "eth0/operstate": "up"},
			want: map[string]float64{
				`node_network_up{device="eth0"}`: 1,
				`node_network_info{address="52:54:00:12:34:56",broadcast="",device="eth0",duplex="f` + "\uFFFD" + `ull",ifalias="` + long[:126] + `",operstate="up"}`: 1,
			},
		},
		{
			name:  "regular file and dangling link in class/net",
			files: map[string]string{"bonding_masters": "FILE", "gone": "->../../devices/virtual/net/gone", "eth0/mtu": "1500\n"},
			want:  map[string]float64{`node_network_mtu_bytes{device="eth0"}`: 1500},
			absent: []string{`node_network_up{device="bonding_masters"}`, `node_network_up{device="gone"}`,
				`node_network_mtu_bytes{device="gone"}`},
		},
		{
			name:    "device link to a file",
			files:   map[string]string{"eth0/mtu": "1500\n", "odd": "->../../devices/odd", "../../devices/odd": "FILE"},
			want:    map[string]float64{`node_network_mtu_bytes{device="eth0"}`: 1500},
			absent:  []string{`node_network_up{device="odd"}`},
			wantErr: "read net class of odd",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tree := t.TempDir()
			writeNetClassTree(t, tree, tc.files)
			cfg := fixtureConfig(fixtureProc)
			cfg.SysFS = tree
			got, err := update(t, mustNew(t, newNetClassCollector, cfg))
			if tc.wantErr == "" && err != nil {
				t.Fatalf("Update: %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("want an error containing %q, got %v", tc.wantErr, err)
			}
			for k, v := range tc.want {
				if g, ok := got[k]; !ok || g != v {
					t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
				}
			}
			for _, k := range tc.absent {
				if v, ok := got[k]; ok {
					t.Errorf("%s = %v exported, want no series", k, v)
				}
			}
			if t.Failed() {
				t.Logf("got %v", got)
			}
			compareNetClassWithProcfs(t, cfg)
		})
	}
}

// TestNetClassKernelRefusals links fake devices to the live host's sysfs
// device directories, whose attributes the kernel refuses with EINVAL (a
// down or virtual link's speed, duplex, carrier): they give no series, as
// procfs and node_exporter make them.
func TestNetClassKernelRefusals(t *testing.T) {
	devs, err := os.ReadDir("/sys/class/net")
	if err != nil {
		testtool.Missing(t, "no live /sys/class/net: %v", err)
	}
	tree := t.TempDir()
	if err := os.MkdirAll(filepath.Join(tree, "class", "net"), 0o755); err != nil {
		t.Fatal(err)
	}
	einval := 0
	for _, d := range devs {
		target, err := filepath.EvalSymlinks(filepath.Join("/sys/class/net", d.Name()))
		if err != nil {
			continue
		}
		if err := os.Symlink(target, filepath.Join(tree, "class", "net", d.Name())); err != nil {
			t.Fatal(err)
		}
		for _, p := range netclassProps {
			if _, err := os.ReadFile(filepath.Join(target, p.attr)); errors.Is(err, unix.EINVAL) {
				einval++
			}
		}
	}
	cfg := fixtureConfig(fixtureProc)
	cfg.SysFS = tree
	compareNetClassWithProcfs(t, cfg)
	if einval == 0 {
		t.Logf("no attribute of the live host gives EINVAL; compared without one")
	}
	// And the live /sys itself, as the collector runs by default.
	compareNetClassWithProcfs(t, DefaultConfig())
}

// TestNetClassReadErrors checks the attribute reader's classification of
// errors: the kernel's refusals are an absent attribute, others an error.
func TestNetClassReadErrors(t *testing.T) {
	for _, tc := range []struct {
		err    unix.Errno
		absent bool
	}{
		{unix.ENOENT, true}, {unix.EACCES, true}, {unix.EPERM, true}, {unix.EOPNOTSUPP, true},
		{unix.ENODATA, true}, {unix.EINVAL, true},
		{unix.EIO, false}, {unix.EAGAIN, false}, {unix.ENODEV, false}, {unix.EBUSY, false},
	} {
		if got := netclassIgnorable(tc.err); got != tc.absent {
			t.Errorf("netclassIgnorable(%v) = %v, want %v", tc.err, got, tc.absent)
		}
	}
	// A real read error: /proc/self/mem at offset 0 is not mapped (EIO).
	dfd, err := unix.Open("/proc/self", unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		testtool.Missing(t, "no /proc/self: %v", err)
	}
	defer unix.Close(dfd)
	var buf [netclassReadSize]byte
	c := mustNew(t, newNetClassCollector, DefaultConfig()).(*netclassCollector)
	if v, ok, err := c.readPath(dfd, "mem", buf[:]); !errors.Is(err, unix.EIO) {
		t.Errorf("reading /proc/self/mem gives %q, %v, %v; want EIO", v, ok, err)
	}
	if v, ok, err := c.readPath(dfd, "no-such-attribute", buf[:]); ok || err != nil {
		t.Errorf("missing attribute gives %q, %v, %v; want absent", v, ok, err)
	}
}

func TestParseSysfsInt(t *testing.T) {
	for _, s := range []string{
		"0", "-0", "1", "-1", "1500", "65536", "0x0", "0x1003", "0X1003", "0xffffffff", "0xFFFFFFFFFFFFFFF",
		"0x7fffffffffffffff", "0x8000000000000000", "-0x8000000000000000", "0xg", "0x", "0x_1", "-0x10",
		"010", "0o17", "0b101", "1_000", "_1", "+1", "-", "+", "", " 1", "1 ", "12abc", "99999999999999999",
		"999999999999999999", "9999999999999999999", "9223372036854775807", "9223372036854775808",
		"-9223372036854775808", "-9223372036854775809", "00", "0x00000000000000001",
	} {
		want, werr := strconv.ParseInt(s, 0, 64)
		if werr != nil {
			want = 0
		}
		got, ok := parseSysfsInt([]byte(s))
		if ok != (werr == nil) || got != want {
			t.Errorf("parseSysfsInt(%q) = %d, %v; strconv.ParseInt base 0 gives %d, %v", s, got, ok, want, werr)
		}
	}
}

func FuzzParseSysfsInt(f *testing.F) {
	for _, s := range []string{"1500", "0x1003", "-1", "010", "1_0", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, werr := strconv.ParseInt(s, 0, 64)
		if werr != nil {
			want = 0
		}
		got, ok := parseSysfsInt([]byte(s))
		if ok != (werr == nil) || got != want {
			t.Errorf("parseSysfsInt(%q) = %d, %v; strconv.ParseInt base 0 gives %d, %v", s, got, ok, want, werr)
		}
	})
}

// TestNetClassDeviceChurn scrapes across a device's removal, a re-add with
// other attributes and a scrape where the buffers were used by a longer
// value: nothing of an earlier scrape or device leaks into the next.
func TestNetClassDeviceChurn(t *testing.T) {
	tree := t.TempDir()
	writeNetClassTree(t, tree, map[string]string{
		"eth0/mtu": "1500\n", "eth0/ifalias": "a long alias of eth0\n", "eth0/operstate": "up\n", "eth0/speed": "1000\n",
		"eth1/mtu": "9000\n", "eth1/operstate": "down\n",
	})
	cfg := fixtureConfig(fixtureProc)
	cfg.SysFS = tree
	c := mustNew(t, newNetClassCollector, cfg)
	first, err := update(t, c)
	if err != nil {
		t.Fatal(err)
	}
	if first[`node_network_speed_bytes{device="eth0"}`] != 125000000 || first[`node_network_mtu_bytes{device="eth1"}`] != 9000 {
		t.Fatalf("first scrape: %v", first)
	}
	if _, ok := first[`node_network_speed_bytes{device="eth1"}`]; ok {
		t.Fatalf("eth0's speed leaked into eth1: %v", first)
	}
	net := filepath.Join(tree, "class", "net")
	if err := os.RemoveAll(filepath.Join(net, "eth0")); err != nil {
		t.Fatal(err)
	}
	got, err := update(t, c)
	if err != nil {
		t.Fatal(err)
	}
	for k := range got {
		if strings.Contains(k, `device="eth0"`) {
			t.Errorf("removed eth0 still exported: %s", k)
		}
	}
	writeNetClassTree(t, tree, map[string]string{"eth0/mtu": "1400\n", "eth0/ifalias": "b\n"})
	got, err = update(t, c)
	if err != nil {
		t.Fatal(err)
	}
	if got[`node_network_mtu_bytes{device="eth0"}`] != 1400 {
		t.Errorf("re-added eth0's mtu = %v, want 1400", got[`node_network_mtu_bytes{device="eth0"}`])
	}
	if _, ok := got[`node_network_speed_bytes{device="eth0"}`]; ok {
		t.Errorf("speed of the removed eth0 exported for the new one")
	}
	if _, ok := got[`node_network_info{address="",broadcast="",device="eth0",duplex="",ifalias="b",operstate=""}`]; !ok {
		t.Errorf("re-added eth0's info wrong: %v", got)
	}
	compareNetClassWithProcfs(t, cfg)
}

// writeNetClassTree writes files under tree/class/net. A value "DIR" makes
// a directory, "FILE" an empty regular file, "MODE0" a file of mode 0 and
// "->target" a symlink to target.
func writeNetClassTree(t *testing.T, tree string, files map[string]string) {
	t.Helper()
	net := filepath.Join(tree, "class", "net")
	for name, content := range files {
		path := filepath.Join(net, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch {
		case content == "DIR":
			err = os.Mkdir(path, 0o755)
		case content == "FILE":
			err = os.WriteFile(path, nil, 0o644)
		case content == "MODE0":
			err = os.WriteFile(path, []byte("1500\n"), 0)
		case strings.HasPrefix(content, "->"):
			err = os.Symlink(content[2:], path)
		default:
			err = os.WriteFile(path, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// compareNetClassWithProcfs checks that the collector gives, in the same
// order, exactly the series of the procfs-based implementation it replaced
// (sysfs.NetClassByIface, every file of every device read), and an error
// exactly when that one does.
func compareNetClassWithProcfs(t *testing.T, cfg Config) {
	t.Helper()
	c := mustNew(t, newNetClassCollector, cfg)
	var got Batch
	gotErr := c.Update(context.Background(), &got)
	var want Batch
	wantErr := procfsNetClassUpdate(c.(*netclassCollector), cfg, &want)
	if (gotErr == nil) != (wantErr == nil) {
		t.Errorf("error %v, procfs-based %v", gotErr, wantErr)
	}
	g, w := orderedSamples(&got), orderedSamples(&want)
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		t.Errorf("series differ from the procfs-based collector's:\ngot:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
}

func orderedSamples(b *Batch) []string {
	out := make([]string, 0, len(b.samples))
	for _, s := range b.samples {
		out = append(out, fmt.Sprintf("%s %v", seriesKey(s.desc.name, s.desc.labels, b.labels[s.lo:s.hi]), s.value))
	}
	return out
}

// procfsNetClassUpdate is the collector as it was on procfs's sysfs package,
// with node_exporter 1.5's logic, kept as the reference.
func procfsNetClassUpdate(c *netclassCollector, cfg Config, b *Batch) error {
	fs, err := sysfs.NewFS(cfg.SysFS)
	if err != nil {
		return fmt.Errorf("open sysfs %s: %w", cfg.SysFS, err)
	}
	devices, err := fs.NetClassDevices()
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			return nil
		}
		return fmt.Errorf("read net class devices: %w", err)
	}
	var errs []error
	for _, dev := range devices {
		if cfg.NetClass.IgnoredDevices != nil && cfg.NetClass.IgnoredDevices.MatchString(dev) {
			continue
		}
		iface, err := fs.NetClassByIface(dev)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			errs = append(errs, fmt.Errorf("read net class of %s: %w", dev, err))
			continue
		}
		name := labelSafe(dev)
		up := 0.0
		if iface.OperState == "up" {
			up = 1
		}
		b.Add(c.up, up, name)
		b.Add(c.info, 1, labelSafe(iface.Address), labelSafe(iface.Broadcast), name, labelSafe(iface.Duplex), labelSafe(iface.IfAlias), labelSafe(iface.OperState))
		vals := []*int64{iface.AddrAssignType, iface.Carrier, iface.CarrierChanges, iface.CarrierUpCount, iface.CarrierDownCount,
			iface.DevID, iface.Dormant, iface.Flags, iface.IfIndex, iface.IfLink, iface.LinkMode, iface.MTU, iface.NameAssignType,
			iface.NetDevGroup, iface.Speed, iface.TxQueueLen, iface.Type}
		for i, v := range vals {
			if v == nil {
				continue
			}
			x := *v
			if netclassProps[i].name == "speed_bytes" {
				x = x * 1000 * 1000 / 8
			}
			b.Add(c.props[i], float64(x), name)
		}
	}
	return errors.Join(errs...)
}

// openFDs counts this process's open descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		testtool.Missing(t, "no /proc/self/fd: %v", err)
	}
	return len(fds)
}

// heldFDs counts the descriptors the collector holds.
func heldFDs(c *netclassCollector) int {
	n := 0
	for _, h := range c.held {
		for _, fd := range h.fds {
			if fd >= 0 {
				n++
			}
		}
	}
	return n
}

// TestNetClassHeldFiles runs the held-descriptor path (forced on the test's
// file system) through value changes, a device's removal, its re-add, a
// rename with another device taking the name, ENODEV and other read errors
// and running out of descriptors, checking after every scrape that the
// series are those the procfs-based collector reads afresh, and that no
// descriptor leaks.
func TestNetClassHeldFiles(t *testing.T) {
	tree := t.TempDir()
	writeNetClassTree(t, tree, map[string]string{
		"eth0/mtu": "1500\n", "eth0/operstate": "up\n", "eth0/ifalias": "first\n", "eth0/speed": "1000\n",
		"eth1/mtu": "9000\n", "eth1/operstate": "down\n",
	})
	net := filepath.Join(tree, "class", "net")
	cfg := fixtureConfig(fixtureProc)
	cfg.SysFS = tree
	c := mustNew(t, newNetClassCollector, cfg).(*netclassCollector)
	c.holdAnyFS = true
	opens := 0
	c.openat = func(dfd int, path string, flags int, mode uint32) (int, error) {
		opens++
		return unix.Openat(dfd, path, flags, mode)
	}
	before := openFDs(t)
	defer func() {
		c.closeHeld()
		if after := openFDs(t); after != before {
			t.Errorf("%d descriptors open after closing, %d before", after, before)
		}
	}()
	scrape := func(step string, wantErr bool) map[string]float64 {
		t.Helper()
		var b Batch
		err := c.Update(context.Background(), &b)
		if (err != nil) != wantErr {
			t.Fatalf("%s: Update error %v, want error %v", step, err, wantErr)
		}
		var ref Batch
		refErr := procfsNetClassUpdate(c, cfg, &ref)
		if !wantErr && refErr != nil {
			t.Fatalf("%s: procfs-based: %v", step, refErr)
		}
		if g, w := strings.Join(orderedSamples(&b), "\n"), strings.Join(orderedSamples(&ref), "\n"); !wantErr && g != w {
			t.Fatalf("%s: series differ from the procfs-based collector's:\ngot:\n%s\nwant:\n%s", step, g, w)
		}
		if n, want := openFDs(t)-before, heldFDs(c); n != want {
			t.Fatalf("%s: %d descriptors open more than before, %d held", step, n, want)
		}
		return samples(&b)
	}
	got := scrape("first", false)
	if len(c.held) != 2 || got[`node_network_mtu_bytes{device="eth0"}`] != 1500 {
		t.Fatalf("first: %d devices held, %v", len(c.held), got)
	}
	// Values change in place: pread at 0 sees them, without opening.
	opens = 0
	writeNetClassTree(t, tree, map[string]string{"eth0/mtu": "1400\n", "eth0/ifalias": "second, longer than first\n"})
	if err := os.WriteFile(filepath.Join(net, "eth1", "mtu"), []byte("1280\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got = scrape("changed", false)
	if got[`node_network_mtu_bytes{device="eth0"}`] != 1400 || got[`node_network_mtu_bytes{device="eth1"}`] != 1280 {
		t.Fatalf("changed: %v", got)
	}
	// Only the absent attributes are tried again.
	absent := 0
	for _, h := range c.held {
		for _, fd := range h.fds {
			if fd < 0 {
				absent++
			}
		}
	}
	if opens != absent {
		t.Errorf("changed: %d opens, want %d (the absent attributes)", opens, absent)
	}
	// An attribute that appears is read.
	writeNetClassTree(t, tree, map[string]string{"eth1/carrier": "0\n"})
	scrape("attribute added", false)
	// Removal: eth0's files are closed.
	if err := os.RemoveAll(filepath.Join(net, "eth0")); err != nil {
		t.Fatal(err)
	}
	if got = scrape("removed", false); len(got) == 0 {
		t.Errorf("removed: eth1 no longer exported either")
	}
	if _, ok := c.held["eth0"]; ok {
		t.Errorf("removed eth0 still held")
	}
	// Re-added with the same name: another inode, so opened again.
	writeNetClassTree(t, tree, map[string]string{"eth0/mtu": "1300\n", "eth0/operstate": "down\n"})
	got = scrape("re-added", false)
	if got[`node_network_mtu_bytes{device="eth0"}`] != 1300 {
		t.Fatalf("re-added: %v", got)
	}
	// Renamed, and another device takes the name.
	if err := os.Rename(filepath.Join(net, "eth0"), filepath.Join(net, "eth9")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(net, "eth1"), filepath.Join(net, "eth0")); err != nil {
		t.Fatal(err)
	}
	got = scrape("renamed", false)
	if got[`node_network_mtu_bytes{device="eth0"}`] != 1280 || got[`node_network_mtu_bytes{device="eth9"}`] != 1300 {
		t.Fatalf("renamed: %v", got)
	}
	// ENODEV (the kernel removed the device under a held file): opened again.
	c.pread = func(fd int, p []byte, off int64) (int, error) { return 0, unix.ENODEV }
	opens = 0
	scrape("ENODEV", false)
	c.pread = unix.Pread
	if opens < len(netclassAttrs) {
		t.Errorf("ENODEV: %d opens, want the device opened again", opens)
	}
	// Another read error: the device fails, the others do not.
	calls := 0
	c.pread = func(fd int, p []byte, off int64) (int, error) {
		if calls++; calls == 3 {
			return 0, unix.EIO
		}
		return unix.Pread(fd, p, off)
	}
	var b Batch
	err := c.Update(context.Background(), &b)
	if err == nil || !strings.Contains(err.Error(), "input/output error") {
		t.Errorf("EIO: want an error, got %v", err)
	}
	if b.Len() == 0 {
		t.Errorf("EIO: the other device's series missing")
	}
	c.pread = unix.Pread
	scrape("after EIO", false)
	// Out of descriptors: the held ones are given back, holding stops and
	// the scrape still reads everything.
	if err := os.RemoveAll(filepath.Join(net, "eth9")); err != nil {
		t.Fatal(err)
	}
	writeNetClassTree(t, tree, map[string]string{"eth2/mtu": "1200\n"})
	c.openat = func(dfd int, path string, flags int, mode uint32) (int, error) {
		if path == "mtu" && !c.noHold {
			return -1, unix.EMFILE
		}
		return unix.Openat(dfd, path, flags, mode)
	}
	got = scrape("EMFILE", false)
	if !c.noHold || len(c.held) != 0 || got[`node_network_mtu_bytes{device="eth2"}`] != 1200 {
		t.Fatalf("EMFILE: noHold %v, %d held, %v", c.noHold, len(c.held), got)
	}
	scrape("not holding", false)
}

// TestNetClassHeldBound checks that at most netclassMaxHeldDevices devices
// are held and the others still read every scrape.
func TestNetClassHeldBound(t *testing.T) {
	tree := t.TempDir()
	files := map[string]string{}
	for i := range netclassMaxHeldDevices + 5 {
		files[fmt.Sprintf("veth%02d/mtu", i)] = fmt.Sprintf("%d\n", 1000+i)
	}
	writeNetClassTree(t, tree, files)
	cfg := fixtureConfig(fixtureProc)
	cfg.SysFS = tree
	c := mustNew(t, newNetClassCollector, cfg).(*netclassCollector)
	c.holdAnyFS = true
	defer c.closeHeld()
	for range 2 {
		got, err := update(t, c)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.held) != netclassMaxHeldDevices {
			t.Errorf("%d devices held, want %d", len(c.held), netclassMaxHeldDevices)
		}
		for i := range netclassMaxHeldDevices + 5 {
			if v := got[fmt.Sprintf(`node_network_mtu_bytes{device="veth%02d"}`, i)]; v != float64(1000+i) {
				t.Errorf("veth%02d mtu %v", i, v)
			}
		}
	}
}

// TestNetClassHeldLive scrapes the live /sys three times: its files are
// held (it is sysfs), and the series are the procfs-based collector's each
// time. A fixture tree is not held.
func TestNetClassHeldLive(t *testing.T) {
	if _, err := os.Stat("/sys/class/net"); err != nil {
		testtool.Missing(t, "no /sys/class/net")
	}
	c := mustNew(t, newNetClassCollector, DefaultConfig()).(*netclassCollector)
	defer c.closeHeld()
	for range 3 {
		var b, ref Batch
		if err := c.Update(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		if err := procfsNetClassUpdate(c, DefaultConfig(), &ref); err != nil {
			t.Fatal(err)
		}
		if g, w := strings.Join(orderedSamples(&b), "\n"), strings.Join(orderedSamples(&ref), "\n"); g != w {
			t.Fatalf("series differ from the procfs-based collector's:\ngot:\n%s\nwant:\n%s", g, w)
		}
	}
	if len(c.held) == 0 {
		t.Errorf("no device of the live sysfs held")
	}
	f := mustNew(t, newNetClassCollector, fixtureConfig(fixtureProc)).(*netclassCollector)
	if _, err := update(t, f); err != nil {
		t.Fatal(err)
	}
	if len(f.held) != 0 {
		t.Errorf("fixture tree held: %d devices", len(f.held))
	}
}

// TestNetClassPreadFresh checks on the live sysfs what holding files relies
// on: pread at offset 0 of a held attribute regenerates it. lo's packet
// counter is a netdev attribute as netclass's are, and a loopback
// connection moves it.
func TestNetClassPreadFresh(t *testing.T) {
	fd, err := unix.Open("/sys/class/net/lo/statistics/rx_packets", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		testtool.Missing(t, "no lo statistics: %v", err)
	}
	defer unix.Close(fd)
	read := func() int64 {
		var buf [netclassReadSize]byte
		n, err := unix.Pread(fd, buf[:], 0)
		if err != nil {
			t.Fatal(err)
		}
		v, ok := parseSysfsInt(bytes.TrimSpace(buf[:n]))
		if !ok {
			t.Fatalf("rx_packets %q", buf[:n])
		}
		return v
	}
	first := read()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		testtool.Missing(t, "no loopback: %v", err)
	}
	defer l.Close()
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if second := read(); second <= first {
		t.Errorf("rx_packets %d after a loopback connection, %d before: pread at 0 did not regenerate it", second, first)
	}
}
