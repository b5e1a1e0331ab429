package exporter

import (
	"context"
	"fmt"

	"golang.org/x/sys/unix"
)

// Constants of node_exporter's timex collector (see adjtimex(2)).
const (
	// timexTimeError is adjtimex's TIME_ERROR clock state: the clock is not
	// synchronised to a reliable server.
	timexTimeError = 5
	// timexStaNano is STA_NANO: offset and jitter are in nanoseconds
	// rather than microseconds.
	timexStaNano = 0x2000

	timexNanoSeconds  = 1000000000
	timexMicroSeconds = 1000000

	// timexPPM16Frac converts the kernel's scaled ppm (ppm with a 16-bit
	// fractional part) to a ratio (NOTES in adjtimex(2)).
	timexPPM16Frac = 1000000.0 * 65536.0
)

// timexCollector exports node_exporter's timex collector: the kernel clock
// discipline's state from a read-only adjtimex(2) call (modes 0). These are
// the families node-mixin's NodeClockSkewDetected and
// NodeClockNotSynchronising alerts use.
type timexCollector struct {
	adjtimex func(*unix.Timex) (int, error) // unix.Adjtimex; replaced in tests

	offset, freq, maxerror, esterror, status, constant, tick,
	ppsfreq, jitter, shift, stabil, jitcnt, calcnt, errcnt, stbcnt,
	tai, syncStatus *Desc
}

func newTimexCollector(Config) (Collector, error) {
	return &timexCollector{
		adjtimex:   unix.Adjtimex,
		offset:     NewDesc("node_timex_offset_seconds", "Time offset in between local system and reference clock.", Gauge),
		freq:       NewDesc("node_timex_frequency_adjustment_ratio", "Local clock frequency adjustment.", Gauge),
		maxerror:   NewDesc("node_timex_maxerror_seconds", "Maximum error in seconds.", Gauge),
		esterror:   NewDesc("node_timex_estimated_error_seconds", "Estimated error in seconds.", Gauge),
		status:     NewDesc("node_timex_status", "Value of the status array bits.", Gauge),
		constant:   NewDesc("node_timex_loop_time_constant", "Phase-locked loop time constant.", Gauge),
		tick:       NewDesc("node_timex_tick_seconds", "Seconds between clock ticks.", Gauge),
		ppsfreq:    NewDesc("node_timex_pps_frequency_hertz", "Pulse per second frequency.", Gauge),
		jitter:     NewDesc("node_timex_pps_jitter_seconds", "Pulse per second jitter.", Gauge),
		shift:      NewDesc("node_timex_pps_shift_seconds", "Pulse per second interval duration.", Gauge),
		stabil:     NewDesc("node_timex_pps_stability_hertz", "Pulse per second stability, average of recent frequency changes.", Gauge),
		jitcnt:     NewDesc("node_timex_pps_jitter_total", "Pulse per second count of jitter limit exceeded events.", Counter),
		calcnt:     NewDesc("node_timex_pps_calibration_total", "Pulse per second count of calibration intervals.", Counter),
		errcnt:     NewDesc("node_timex_pps_error_total", "Pulse per second count of calibration errors.", Counter),
		stbcnt:     NewDesc("node_timex_pps_stability_exceeded_total", "Pulse per second count of stability limit exceeded events.", Counter),
		tai:        NewDesc("node_timex_tai_offset_seconds", "International Atomic Time (TAI) offset.", Gauge),
		syncStatus: NewDesc("node_timex_sync_status", "Is clock synchronized to a reliable server (1 = yes, 0 = no).", Gauge),
	}, nil
}

func (c *timexCollector) Descs() []*Desc {
	return []*Desc{c.syncStatus, c.offset, c.freq, c.maxerror, c.esterror, c.status, c.constant, c.tick,
		c.ppsfreq, c.jitter, c.shift, c.stabil, c.jitcnt, c.calcnt, c.errcnt, c.stbcnt, c.tai}
}

// Update reads the clock state with a zeroed Timex (modes 0, so nothing is
// changed and no privilege is needed) and converts it as node_exporter does:
// sync_status is 0 when adjtimex returns TIME_ERROR; offset and PPS jitter
// are in nanoseconds when STA_NANO is set, microseconds otherwise; maxerror,
// esterror and tick are always microseconds; freq, ppsfreq and stabil are
// scaled ppm. A failing call (EPERM under a seccomp filter, say) gives no
// series and an error.
func (c *timexCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var tx unix.Timex
	state, err := c.adjtimex(&tx)
	if err != nil {
		return fmt.Errorf("failed to retrieve adjtimex stats: %w", err)
	}
	syncStatus := 1.0
	if state == timexTimeError {
		syncStatus = 0
	}
	divisor := float64(timexMicroSeconds)
	if tx.Status&timexStaNano != 0 {
		divisor = timexNanoSeconds
	}
	b.Add(c.syncStatus, syncStatus)
	b.Add(c.offset, float64(tx.Offset)/divisor)
	b.Add(c.freq, 1+float64(tx.Freq)/timexPPM16Frac)
	b.Add(c.maxerror, float64(tx.Maxerror)/timexMicroSeconds)
	b.Add(c.esterror, float64(tx.Esterror)/timexMicroSeconds)
	b.Add(c.status, float64(tx.Status))
	b.Add(c.constant, float64(tx.Constant))
	b.Add(c.tick, float64(tx.Tick)/timexMicroSeconds)
	b.Add(c.ppsfreq, float64(tx.Ppsfreq)/timexPPM16Frac)
	b.Add(c.jitter, float64(tx.Jitter)/divisor)
	b.Add(c.shift, float64(tx.Shift))
	b.Add(c.stabil, float64(tx.Stabil)/timexPPM16Frac)
	b.Add(c.jitcnt, float64(tx.Jitcnt))
	b.Add(c.calcnt, float64(tx.Calcnt))
	b.Add(c.errcnt, float64(tx.Errcnt))
	b.Add(c.stbcnt, float64(tx.Stbcnt))
	b.Add(c.tai, float64(tx.Tai))
	return nil
}
