package exporter

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// adjtimexReturning fills the Timex as the kernel would and returns state.
func adjtimexReturning(tx unix.Timex, state int, err error) func(*unix.Timex) (int, error) {
	return func(out *unix.Timex) (int, error) {
		if out.Modes != 0 {
			panic("timex collector must call adjtimex read-only (modes 0)")
		}
		if err != nil {
			return -1, err
		}
		*out = tx
		return state, nil
	}
}

func TestTimexCollector(t *testing.T) {
	const (
		staPLL    = 0x0001
		staUnsync = 0x0040
	)
	// Shared by the cases: scaled-ppm fields chosen to be exact in binary.
	common := unix.Timex{
		Freq:     64000000, // 65536e6/1024: ratio 1+1/1024
		Maxerror: 16000,    // µs
		Esterror: 250,      // µs
		Constant: 7,
		Tick:     10000, // µs
		Ppsfreq:  64000000,
		Shift:    4,
		Stabil:   32000000,
		Jitcnt:   3,
		Calcnt:   11,
		Errcnt:   2,
		Stbcnt:   1,
		Tai:      37,
	}
	with := func(status int32, offset, jitter int64) unix.Timex {
		tx := common
		tx.Status = status
		tx.Offset = offset
		tx.Jitter = jitter
		return tx
	}
	want := func(sync, status, offset, jitter float64) map[string]float64 {
		return map[string]float64{
			"node_timex_sync_status":                  sync,
			"node_timex_offset_seconds":               offset,
			"node_timex_frequency_adjustment_ratio":   1.0009765625,
			"node_timex_maxerror_seconds":             0.016,
			"node_timex_estimated_error_seconds":      0.00025,
			"node_timex_status":                       status,
			"node_timex_loop_time_constant":           7,
			"node_timex_tick_seconds":                 0.01,
			"node_timex_pps_frequency_hertz":          0.0009765625,
			"node_timex_pps_jitter_seconds":           jitter,
			"node_timex_pps_shift_seconds":            4,
			"node_timex_pps_stability_hertz":          0.00048828125,
			"node_timex_pps_jitter_total":             3,
			"node_timex_pps_calibration_total":        11,
			"node_timex_pps_error_total":              2,
			"node_timex_pps_stability_exceeded_total": 1,
			"node_timex_tai_offset_seconds":           37,
		}
	}
	for _, tc := range []struct {
		name     string
		adjtimex func(*unix.Timex) (int, error)
		want     map[string]float64
		wantErr  bool
	}{
		// STA_NANO set: offset and PPS jitter in nanoseconds.
		{"nano", adjtimexReturning(with(staPLL|timexStaNano, -1500000, 2500), unix.TIME_OK, nil),
			want(1, staPLL|timexStaNano, -0.0015, 0.0000025), false},
		// STA_NANO clear: the same fields in microseconds.
		{"micro", adjtimexReturning(with(staPLL, -1500, 2500), unix.TIME_OK, nil),
			want(1, staPLL, -0.0015, 0.0025), false},
		// Unsynchronised: the kernel sets STA_UNSYNC and returns TIME_ERROR.
		{"unsynced", adjtimexReturning(with(staUnsync, 0, 0), timexTimeError, nil),
			want(0, staUnsync, 0, 0), false},
		// node_exporter decides sync_status from adjtimex's return value
		// (TIME_ERROR), not from the status bits.
		{"time error without STA_UNSYNC", adjtimexReturning(with(staPLL, 0, 0), timexTimeError, nil),
			want(0, staPLL, 0, 0), false},
		{"leap second pending is synced", adjtimexReturning(with(staPLL|0x0010, 0, 0), unix.TIME_INS, nil),
			want(1, staPLL|0x0010, 0, 0), false},
		{"error", adjtimexReturning(unix.Timex{}, 0, unix.EPERM), map[string]float64{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustNew(t, newTimexCollector, fixtureConfig(fixtureProc))
			c.(*timexCollector).adjtimex = tc.adjtimex
			got, err := update(t, c)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if tc.wantErr && !errors.Is(err, unix.EPERM) {
				t.Errorf("err = %v, want it to wrap EPERM", err)
			}
			wantSamples(t, got, tc.want)
		})
	}
}

// TestTimexLive calls the real adjtimex(2), read-only.
func TestTimexLive(t *testing.T) {
	c := mustNew(t, newTimexCollector, fixtureConfig(fixtureProc))
	got, err := update(t, c)
	if err != nil {
		t.Fatalf("adjtimex: %v", err)
	}
	if len(got) != 17 {
		t.Fatalf("got %d series, want 17: %v", len(got), got)
	}
	if s := got["node_timex_sync_status"]; s != 0 && s != 1 {
		t.Errorf("node_timex_sync_status = %v, want 0 or 1", s)
	}
	if tick := got["node_timex_tick_seconds"]; tick <= 0 || tick > 1 {
		t.Errorf("node_timex_tick_seconds = %v, want a fraction of a second", tick)
	}
	if r := got["node_timex_frequency_adjustment_ratio"]; r < 0.99 || r > 1.01 {
		t.Errorf("node_timex_frequency_adjustment_ratio = %v, want about 1", r)
	}
}
