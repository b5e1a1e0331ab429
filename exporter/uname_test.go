package exporter

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// utsname fills a Utsname as the kernel does: NUL-terminated fields.
func utsname(sysname, release, version, machine, nodename, domainname string) func(*unix.Utsname) error {
	return func(u *unix.Utsname) error {
		copy(u.Sysname[:], sysname)
		copy(u.Release[:], release)
		copy(u.Version[:], version)
		copy(u.Machine[:], machine)
		copy(u.Nodename[:], nodename)
		copy(u.Domainname[:], domainname)
		return nil
	}
}

func TestUnameCollector(t *testing.T) {
	for _, tc := range []struct {
		name    string
		uname   func(*unix.Utsname) error
		want    map[string]float64
		wantErr bool
	}{
		{"linux", utsname("Linux", "6.1.0-18-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)", "x86_64", "web-1", "(none)"),
			map[string]float64{`node_uname_info{domainname="(none)",machine="x86_64",nodename="web-1",release="6.1.0-18-amd64",sysname="Linux",version="#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)"}`: 1}, false},
		// A 64-byte host name fills its field with no NUL left.
		{"full-length nodename", utsname("Linux", "6.1", "#1", "aarch64", "h234567890123456789012345678901234567890123456789012345678901234", ""),
			map[string]float64{`node_uname_info{domainname="",machine="aarch64",nodename="h234567890123456789012345678901234567890123456789012345678901234",release="6.1",sysname="Linux",version="#1"}`: 1}, false},
		{"error", func(*unix.Utsname) error { return errors.New("EFAULT") }, map[string]float64{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustNew(t, newUnameCollector, fixtureConfig(fixtureProc))
			c.(*unameCollector).uname = tc.uname
			got, err := update(t, c)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			wantSamples(t, got, tc.want)
		})
	}
}

// TestUnameLive calls the real uname(2).
func TestUnameLive(t *testing.T) {
	c := mustNew(t, newUnameCollector, fixtureConfig(fixtureProc))
	got, err := update(t, c)
	if err != nil || len(got) != 1 {
		t.Fatalf("got %v, %v", got, err)
	}
	for k, v := range got {
		if v != 1 || !strings.Contains(k, `sysname="Linux"`) {
			t.Errorf("%s = %v", k, v)
		}
	}
}
