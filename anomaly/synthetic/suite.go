package synthetic

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/baseline"
)

// Detector is the univariate detector under test, one per series. Fit
// learns the history; ScoreUpdate scores a sample against the past and then
// learns it, returning ok false when it gives no score (cold start).
type Detector interface {
	Fit(history []baseline.Sample)
	ScoreUpdate(t time.Time, v float64) (score float64, ok bool)
}

// NewDetector returns a fresh detector for a series of metric m.
type NewDetector func(m Metric) (Detector, error)

// Case is one line of the suite: an injection on one metric, run once per
// entry of Starts (each offset from the traffic's start, each with its own
// noise seed).
type Case struct {
	Metric    Metric
	Magnitude string // what the table shows, e.g. "x2"
	// Injection is the anomaly, its Start filled in from Starts.
	Injection Injection
	Starts    []time.Duration
}

// Options configures RunSuite. The zero value of every field means its
// default.
type Options struct {
	// Traffic is the generator's configuration (its Days default 28).
	Traffic Config
	// FitDays is how many days of history the detector is fitted on
	// (default 14).
	FitDays int
	// StreamDays is how many days are streamed after the history (default
	// 7).
	StreamDays int
	// After is how long an injection run keeps streaming after its window
	// ends (default 24h; negative for the full StreamDays). The clean runs
	// stream all of StreamDays; stopping injection runs early only saves
	// time.
	After time.Duration
	// Seed is the base seed; run k of a case uses Seed+k (default 1).
	Seed uint64
	// Eval configures the evaluation.
	Eval EvalOptions
	// Parallel is how many runs go at once (default GOMAXPROCS).
	Parallel int
}

func (o Options) withDefaults() (Options, error) {
	if o.FitDays == 0 {
		o.FitDays = 14
	}
	if o.StreamDays == 0 {
		o.StreamDays = 7
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.After == 0 {
		o.After = 24 * time.Hour
	}
	if o.Parallel <= 0 {
		o.Parallel = runtime.GOMAXPROCS(0)
	}
	if o.Traffic.Days == 0 {
		o.Traffic.Days = o.FitDays + o.StreamDays
	}
	if o.FitDays < 0 || o.StreamDays < 0 || o.FitDays+o.StreamDays > o.Traffic.Days {
		return o, fmt.Errorf("synthetic: %d fit days and %d streamed days do not fit in %d days of traffic", o.FitDays, o.StreamDays, o.Traffic.Days)
	}
	return o, nil
}

// Run is the outcome of one case at one start. It keeps the scores, so
// that other thresholds can be evaluated without scoring again.
type Run struct {
	Case    Case
	Seed    uint64
	Start   time.Time
	Step    time.Duration
	Scores  []float64
	Windows []Window
	// Evaluation is the evaluation under the suite's EvalOptions.
	Evaluation Evaluation
}

// Reevaluate returns runs evaluated under opt (the scores are shared).
func Reevaluate(runs []Run, opt EvalOptions) ([]Run, error) {
	out := make([]Run, len(runs))
	for i, r := range runs {
		ev, err := Evaluate(r.Start, r.Step, r.Scores, r.Windows, opt)
		if err != nil {
			return nil, fmt.Errorf("synthetic: re-evaluating %v %s on %v: %w", r.Case.Injection.Kind, r.Case.Magnitude, r.Case.Metric, err)
		}
		r.Evaluation = ev
		out[i] = r
	}
	return out, nil
}

// Score streams s through d causally: d is fitted on the points before
// fitEnd, then every present point of [fitEnd, end) is scored and learnt in
// order. The result is aligned with s.Values: NaN where no score was given
// (history, missing samples, cold start).
func Score(d Detector, s Series, fitEnd, end int) []float64 {
	fitEnd, end = max(0, min(fitEnd, len(s.Values))), max(0, min(end, len(s.Values)))
	out := make([]float64, len(s.Values))
	for i := range out {
		out[i] = math.NaN()
	}
	d.Fit(s.Samples(0, fitEnd))
	for i := fitEnd; i < end; i++ {
		v := s.Values[i]
		if math.IsNaN(v) {
			continue // a missing scrape is absent, not a value
		}
		if sc, ok := d.ScoreUpdate(s.At(i), v); ok {
			out[i] = sc
		}
	}
	return out
}

// RunCase runs one case at start index k (its Starts[k]; a case without
// Starts runs once), with seed. A None case has no window: its Starts only
// set how many seeds it runs with.
func RunCase(c Case, k int, seed uint64, newDet NewDetector, opt Options) (Run, error) {
	o, err := opt.withDefaults()
	if err != nil {
		return Run{}, err
	}
	tr, err := Generate(o.Traffic, seed)
	if err != nil {
		return Run{}, fmt.Errorf("synthetic: generating traffic (seed %d): %w", seed, err)
	}
	s, err := tr.Series(c.Metric)
	if err != nil {
		return Run{}, err
	}
	inj := c.Injection
	if len(c.Starts) > 0 {
		inj.Start = s.Start.Add(c.Starts[k])
	}
	s, w, err := inj.Apply(s, seed)
	if err != nil {
		return Run{}, fmt.Errorf("synthetic: injecting %v %s on %v: %w", c.Injection.Kind, c.Magnitude, c.Metric, err)
	}
	d, err := newDet(c.Metric)
	if err != nil {
		return Run{}, fmt.Errorf("synthetic: new detector for %v: %w", c.Metric, err)
	}
	day := int(24 * time.Hour / s.Step)
	end := (o.FitDays + o.StreamDays) * day
	if inj.Kind != None && o.After > 0 {
		end = min(end, s.Index(w.End.Add(o.After)))
	}
	scores := Score(d, s, o.FitDays*day, end)
	var windows []Window
	if inj.Kind != None {
		windows = []Window{w}
	}
	ev, err := Evaluate(s.Start, s.Step, scores, windows, o.Eval)
	if err != nil {
		return Run{}, fmt.Errorf("synthetic: evaluating %v %s on %v: %w", c.Injection.Kind, c.Magnitude, c.Metric, err)
	}
	return Run{Case: c, Seed: seed, Start: s.Start, Step: s.Step, Scores: scores, Windows: windows, Evaluation: ev}, nil
}

// RunSuite runs every case at every start, in parallel, and returns the
// runs in case order.
func RunSuite(cases []Case, newDet NewDetector, opt Options) ([]Run, error) {
	o, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	type job struct{ c, k, slot int }
	var jobs []job
	for ci, c := range cases {
		for k := range max(1, len(c.Starts)) {
			jobs = append(jobs, job{ci, k, len(jobs)})
		}
	}
	runs := make([]Run, len(jobs))
	errs := make([]error, len(jobs))
	ch := make(chan job)
	var wg sync.WaitGroup
	for range o.Parallel {
		wg.Go(func() {
			for j := range ch {
				runs[j.slot], errs[j.slot] = RunCase(cases[j.c], j.k, o.Seed+uint64(j.k), newDet, o)
			}
		})
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return runs, nil
}

// Row aggregates the runs of one case.
type Row struct {
	Kind      Kind
	Metric    Metric
	Magnitude string
	Runs      int
	Detected  int
	Delays    []time.Duration // of the detected runs, sorted
	Spans     []time.Duration // of all windows (Detection.Span)
	// FalseAlarms and CleanTime are summed over the runs.
	FalseAlarms int
	CleanTime   time.Duration
	// Scored and Alarms are the points in the windows, CleanScored and
	// CleanAlarms those outside, summed over the runs.
	Scored, Alarms           int
	CleanScored, CleanAlarms int
}

// AlarmShare is the share of scored points in the windows that alarmed,
// and CleanShare that outside them (its chance level); NaN for none.
func (r Row) AlarmShare() (inside, outside float64) {
	return float64(r.Alarms) / float64(r.Scored), float64(r.CleanAlarms) / float64(r.CleanScored)
}

// FalseAlarmsPerDay is the row's false alarms over its clean time in days.
func (r Row) FalseAlarmsPerDay() float64 {
	return Evaluation{FalseAlarms: r.FalseAlarms, CleanTime: r.CleanTime}.FalseAlarmsPerDay()
}

// ChanceDetected is how many of the row's windows a detector would be
// expected to "detect" by chance, raising false alarms at the row's rate as
// a Poisson process: the sum over windows of 1 - exp(-rate * span). A
// detection count not well above it means little, as for day-long windows.
func (r Row) ChanceDetected() float64 {
	rate := r.FalseAlarmsPerDay()
	if math.IsNaN(rate) {
		return math.NaN()
	}
	var sum float64
	for _, s := range r.Spans {
		sum += 1 - math.Exp(-rate*s.Hours()/24)
	}
	return sum
}

// MaxDelay is the longest delay of the detected runs (0 for none).
func (r Row) MaxDelay() time.Duration {
	if len(r.Delays) == 0 {
		return 0
	}
	return r.Delays[len(r.Delays)-1]
}

// MedianDelay is the median delay of the detected runs (the lower middle
// one for an even count; 0 for none).
func (r Row) MedianDelay() time.Duration {
	if len(r.Delays) == 0 {
		return 0
	}
	return r.Delays[(len(r.Delays)-1)/2]
}

func (r *Row) add(run Run) {
	r.Runs++
	for _, d := range run.Evaluation.Detections {
		if d.Detected {
			r.Detected++
			r.Delays = append(r.Delays, d.Delay)
		}
		r.Spans = append(r.Spans, d.Span)
		r.Scored += d.Scored
		r.Alarms += d.Alarms
	}
	r.CleanAlarms += run.Evaluation.CleanAlarms
	if run.Step > 0 {
		r.CleanScored += int(run.Evaluation.CleanTime / run.Step)
	}
	slices.Sort(r.Delays)
	r.FalseAlarms += run.Evaluation.FalseAlarms
	r.CleanTime += run.Evaluation.CleanTime
}

// Rows aggregates runs per case (kind, metric, magnitude), in first-seen
// order.
func Rows(runs []Run) []Row {
	var rows []Row
	idx := map[string]int{}
	for _, run := range runs {
		c := run.Case
		key := fmt.Sprintf("%d/%d/%s", c.Injection.Kind, c.Metric, c.Magnitude)
		i, ok := idx[key]
		if !ok {
			i = len(rows)
			idx[key] = i
			rows = append(rows, Row{Kind: c.Injection.Kind, Metric: c.Metric, Magnitude: c.Magnitude})
		}
		rows[i].add(run)
	}
	return rows
}

// Summary aggregates runs per injection kind, in Kinds order.
func Summary(runs []Run) []Row {
	var rows []Row
	for _, k := range Kinds() {
		r := Row{Kind: k, Magnitude: "all"}
		for _, run := range runs {
			if run.Case.Injection.Kind == k {
				r.add(run)
			}
		}
		if r.Runs > 0 {
			rows = append(rows, r)
		}
	}
	return rows
}

func pct(x float64) string {
	if math.IsNaN(x) {
		return "–"
	}
	return fmt.Sprintf("%.1f %%", 100*x)
}

func fmtDelay(d time.Duration) string {
	if d < time.Hour {
		return fmt.Sprintf("%g min", d.Minutes())
	}
	return fmt.Sprintf("%.1f h", d.Hours())
}

// Markdown renders rows as a Markdown table: kind, metric, magnitude,
// detected windows and how many chance would give, median and maximum
// delay, the share of points alarming in
// the windows and outside them, false alarms per day. A summary row (from
// Summary) shows "all" metrics.
func Markdown(rows []Row) string {
	var b strings.Builder
	b.WriteString("| kind | metric | magnitude | detected | by chance | delay median | delay max | alarming in window | alarming outside | false alarms/day |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		metric := r.Metric.String()
		if r.Magnitude == "all" {
			metric = "all"
		}
		det, chance, med, mx, inside := "–", "–", "–", "–", "–"
		in, out := r.AlarmShare()
		if r.Kind != None {
			det = fmt.Sprintf("%d/%d", r.Detected, len(r.Spans))
			chance = fmt.Sprintf("%.1f", r.ChanceDetected())
			if r.Detected > 0 {
				med, mx = fmtDelay(r.MedianDelay()), fmtDelay(r.MaxDelay())
			}
			inside = pct(in)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %.2f |\n", r.Kind, metric, r.Magnitude, det, chance, med, mx, inside, pct(out), r.FalseAlarmsPerDay())
	}
	return b.String()
}
