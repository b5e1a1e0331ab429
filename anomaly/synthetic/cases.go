package synthetic

import "time"

// at is an offset from the traffic's start (a Monday 00:00 by default).
func at(day int, hour, minute int) time.Duration {
	return time.Duration(day)*24*time.Hour + time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute
}

// DefaultStarts are the three starts of point-like injections, all in the
// third week (streamed after two weeks of history): Tuesday 15:00 at the
// daily peak, Wednesday 03:30 at night, and Thursday 09:10 on the morning
// ramp, where the hour's bucket is widest.
func DefaultStarts() []time.Duration {
	return []time.Duration{at(15, 15, 0), at(16, 3, 30), at(17, 9, 10)}
}

// DefaultCases is the suite of issue #15: clean series of every metric, and
// each injection kind at several magnitudes on the metrics where it occurs
// in practice. Durations: level shifts 2 h, spikes 3 min (rate 2 min), drifts
// 3–12 h, seasonal breaks a whole day, dropped traffic 30 min.
func DefaultCases() []Case {
	starts := DefaultStarts()
	days := []time.Duration{at(15, 0, 0), at(16, 0, 0), at(17, 0, 0)}
	var cs []Case
	add := func(m Metric, mag string, inj Injection, st []time.Duration) {
		cs = append(cs, Case{Metric: m, Magnitude: mag, Injection: inj, Starts: st})
	}
	for _, m := range Metrics() {
		add(m, "clean", Injection{Kind: None}, starts)
	}

	shift := func(f, a float64) Injection {
		return Injection{Kind: LevelShift, Duration: 2 * time.Hour, Factor: f, Add: a}
	}
	add(Latency, "x1.2", shift(1.2, 0), starts)
	add(Latency, "x1.5", shift(1.5, 0), starts)
	add(Latency, "x2", shift(2, 0), starts)
	add(RequestRate, "x0.8", shift(0.8, 0), starts)
	add(RequestRate, "x0.5", shift(0.5, 0), starts)
	add(RequestRate, "x1.5", shift(1.5, 0), starts)
	add(ErrorRatio, "+1 pt", shift(0, 0.01), starts)
	add(CPU, "+15 pt", shift(0, 15), starts)

	spike := func(d time.Duration, f, a float64) Injection {
		return Injection{Kind: Spike, Duration: d, Factor: f, Add: a}
	}
	add(Latency, "x1.5, 3 min", spike(3*time.Minute, 1.5, 0), starts)
	add(Latency, "x3, 3 min", spike(3*time.Minute, 3, 0), starts)
	add(RequestRate, "x2, 2 min", spike(2*time.Minute, 2, 0), starts)
	add(ErrorRatio, "+5 pt, 3 min", spike(3*time.Minute, 0, 0.05), starts)

	drift := func(d time.Duration, f, a float64) Injection {
		return Injection{Kind: Drift, Duration: d, Factor: f, Add: a}
	}
	add(Latency, "to x1.5 over 6 h", drift(6*time.Hour, 1.5, 0), starts)
	add(Latency, "to x2 over 3 h", drift(3*time.Hour, 2, 0), starts)
	add(RequestRate, "to x0.7 over 6 h", drift(6*time.Hour, 0.7, 0), starts)
	add(ErrorRatio, "to +1 pt over 6 h", drift(6*time.Hour, 0, 0.01), starts)
	add(CPU, "to +25 pt over 12 h", drift(12*time.Hour, 0, 25), starts)

	brk := func(shift time.Duration) Injection {
		return Injection{Kind: SeasonalBreak, Duration: 24 * time.Hour, Shift: shift}
	}
	add(RequestRate, "peak +1 h", brk(time.Hour), days)
	add(RequestRate, "peak +3 h", brk(3*time.Hour), days)
	add(RequestRate, "peak +6 h", brk(6*time.Hour), days)
	add(CPU, "peak +3 h", brk(3*time.Hour), days)
	// Saturday repeats Friday (day 19 of a Monday start, shift one day),
	// three times with different seeds.
	sat := []time.Duration{at(19, 0, 0), at(19, 0, 0), at(19, 0, 0)}
	add(RequestRate, "Saturday as Friday", brk(24*time.Hour), sat)
	add(CPU, "Saturday as Friday", brk(24*time.Hour), sat)

	drop := func(f, missing float64) Injection {
		return Injection{Kind: DroppedTraffic, Duration: 30 * time.Minute, Factor: f, Missing: missing}
	}
	add(RequestRate, "to 10 %", drop(0.1, 0), starts)
	add(RequestRate, "to 1 %", drop(0.01, 0), starts)
	add(RequestRate, "to 10 %, half missing", drop(0.1, 0.5), starts)
	add(RequestRate, "all missing", drop(0.01, 1), starts)
	return cs
}
