package exporter

import (
	"testing"
	"time"
)

func TestTimeCollector(t *testing.T) {
	at := time.Unix(1700000000, 250_000_000)
	sec := float64(at.UnixNano()) / 1e9 // node_exporter's formula, to the last bit
	for _, tc := range []struct {
		name    string
		sys     string
		loc     *time.Location
		want    map[string]float64
		wantErr bool
	}{
		{"clocksources", "testdata/sys", time.FixedZone("CET", 3600), map[string]float64{
			"node_time_seconds": sec,
			`node_time_zone_offset_seconds{time_zone="CET"}`:                         3600,
			`node_time_clocksource_available_info{clocksource="tsc",device="0"}`:     1,
			`node_time_clocksource_available_info{clocksource="hpet",device="0"}`:    1,
			`node_time_clocksource_available_info{clocksource="acpi_pm",device="0"}`: 1,
			`node_time_clocksource_current_info{clocksource="tsc",device="0"}`:       1,
		}, false},
		// No clocksource directory: time and zone only, and no error, as in
		// node_exporter.
		{"no clocksources", "testdata/proc-empty", time.UTC, map[string]float64{
			"node_time_seconds": sec,
			`node_time_zone_offset_seconds{time_zone="UTC"}`: 0,
		}, false},
		// current_clocksource missing: time and zone are kept.
		{"broken clocksource", "testdata/sys-broken", time.FixedZone("EST", -5*3600), map[string]float64{
			"node_time_seconds": sec,
			`node_time_zone_offset_seconds{time_zone="EST"}`: -18000,
		}, true},
		{"no sysfs", "testdata/nosuch", time.UTC, map[string]float64{
			"node_time_seconds": sec,
			`node_time_zone_offset_seconds{time_zone="UTC"}`: 0,
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fixtureConfig(fixtureProc)
			cfg.SysFS = tc.sys
			c := mustNew(t, newTimeCollector, cfg)
			c.(*timeCollector).now = func() time.Time { return at.In(tc.loc) }
			got, err := update(t, c)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			wantSamples(t, got, tc.want)
		})
	}
}
