package synthetic

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/baseline"
)

// recorder is a Detector that records what it is shown; it is in cold start
// for its first cold calls and then scores every sample 2.
type recorder struct {
	history []baseline.Sample
	times   []time.Time
	values  []float64
	cold    int
}

func (r *recorder) Fit(h []baseline.Sample) { r.history = h }

func (r *recorder) ScoreUpdate(t time.Time, v float64) (float64, bool) {
	r.times = append(r.times, t)
	r.values = append(r.values, v)
	if len(r.times) <= r.cold {
		return 0, false
	}
	return 2, true
}

func TestScoreStreamsCausally(t *testing.T) {
	tr := gen(t, Config{Days: 3}, 1)
	s := tr.Latency
	day := 1440
	rec := &recorder{cold: 10}
	scores := Score(rec, s, 2*day, 3*day)
	present := func(from, to int) int {
		n := 0
		for _, v := range s.Values[from:to] {
			if !math.IsNaN(v) {
				n++
			}
		}
		return n
	}
	if got, want := len(rec.history), present(0, 2*day); got != want {
		t.Errorf("fitted on %d samples, want the %d present ones of the first two days", got, want)
	}
	if got, want := len(rec.times), present(2*day, 3*day); got != want {
		t.Errorf("%d samples streamed, want the %d present ones of the last day", got, want)
	}
	for k := 1; k < len(rec.times); k++ {
		if !rec.times[k].After(rec.times[k-1]) {
			t.Fatalf("streamed out of order at %d", k)
		}
	}
	if rec.times[0].Before(s.At(2 * day)) {
		t.Errorf("streaming starts at %v, inside the history", rec.times[0])
	}
	for _, v := range rec.values {
		if math.IsNaN(v) {
			t.Fatal("a missing sample was shown to the detector")
		}
	}
	scored, cold := 0, 0
	for i, sc := range scores {
		switch {
		case i < 2*day || math.IsNaN(s.Values[i]):
			if !math.IsNaN(sc) {
				t.Fatalf("point %d: score %v for history or a missing sample", i, sc)
			}
		case math.IsNaN(sc):
			cold++
		default:
			scored++
		}
	}
	if cold != 10 || scored != len(rec.times)-10 {
		t.Errorf("%d cold-start NaNs and %d scores, want 10 and %d", cold, scored, len(rec.times)-10)
	}
}

func TestRunCaseAlwaysAlarming(t *testing.T) {
	// A detector alarming on every point: one episode over the whole
	// stream, touching the window, so a detection at once and no false
	// alarm.
	opt := Options{FitDays: 2, StreamDays: 2, Traffic: Config{MissingRate: -1, OutagesPerDay: -1}}
	c := Case{Metric: Latency, Magnitude: "x2", Injection: Injection{Kind: LevelShift, Duration: time.Hour, Factor: 2}, Starts: []time.Duration{at(2, 12, 0)}}
	newDet := func(Metric) (Detector, error) { return &recorder{}, nil }
	run, err := RunCase(c, 0, 1, newDet, opt)
	if err != nil {
		t.Fatal(err)
	}
	d := run.Evaluation.Detections
	if len(d) != 1 || !d[0].Detected || d[0].Delay != 0 || run.Evaluation.FalseAlarms != 0 {
		t.Errorf("detections %+v, false alarms %d", d, run.Evaluation.FalseAlarms)
	}
	// Streaming stops After (24 h) past the window's end: day 3 13:00.
	if got := run.Evaluation.CleanTime; got != (24+13)*time.Hour-75*time.Minute {
		t.Errorf("clean time %v, want 35h45m (day 2 00:00 to day 3 13:00, less the window and its grace)", got)
	}
}

func TestRunSuiteErrors(t *testing.T) {
	boom := errors.New("boom")
	cases := []Case{{Metric: CPU, Magnitude: "clean", Injection: Injection{Kind: None}}}
	_, err := RunSuite(cases, func(Metric) (Detector, error) { return nil, boom }, Options{FitDays: 1, StreamDays: 1})
	if !errors.Is(err, boom) {
		t.Errorf("detector error not returned: %v", err)
	}
	if _, err := RunSuite(cases, newBaseline, Options{FitDays: 5, StreamDays: 5, Traffic: Config{Days: 7}}); err == nil {
		t.Error("10 days in 7 accepted")
	}
	bad := []Case{{Metric: CPU, Magnitude: "late", Injection: Injection{Kind: Spike, Duration: time.Hour}, Starts: []time.Duration{at(30, 0, 0)}}}
	if _, err := RunSuite(bad, newBaseline, Options{FitDays: 1, StreamDays: 1}); err == nil {
		t.Error("injection outside the traffic accepted")
	}
}

func TestRowsAndMarkdown(t *testing.T) {
	t0 := DefaultStart()
	c := Case{Metric: Latency, Magnitude: "x2", Injection: Injection{Kind: LevelShift}}
	clean := Case{Metric: Latency, Magnitude: "clean", Injection: Injection{Kind: None}}
	w := Window{t0, t0.Add(time.Hour)}
	det := func(ok bool, delay time.Duration) Evaluation {
		return Evaluation{
			Detections:  []Detection{{Window: w, Detected: ok, Delay: delay, Span: 2 * time.Hour, Scored: 60, Alarms: 30}},
			FalseAlarms: 1, CleanTime: 12 * time.Hour, CleanAlarms: 7,
		}
	}
	runs := []Run{
		{Case: c, Step: time.Minute, Evaluation: det(true, 5*time.Minute)},
		{Case: clean, Step: time.Minute, Evaluation: Evaluation{FalseAlarms: 3, CleanTime: 24 * time.Hour, CleanAlarms: 10}},
		{Case: c, Step: time.Minute, Evaluation: det(false, 0)},
		{Case: c, Step: time.Minute, Evaluation: det(true, time.Minute)},
	}
	rows := Rows(runs)
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	r := rows[0]
	if r.Runs != 3 || r.Detected != 2 || r.MedianDelay() != time.Minute || r.MaxDelay() != 5*time.Minute {
		t.Errorf("row %+v", r)
	}
	// 3 false alarms in 36 h: 2 a day; chance over three 2-h spans is
	// 3 * (1 - exp(-2/12)).
	if got := r.FalseAlarmsPerDay(); math.Abs(got-2) > 1e-9 {
		t.Errorf("false alarms a day %v, want 2", got)
	}
	if got, want := r.ChanceDetected(), 3*(1-math.Exp(-2.0/12)); math.Abs(got-want) > 1e-9 {
		t.Errorf("chance %v, want %v", got, want)
	}
	// 90 of 180 window points; 21 of 3*720 clean points.
	if in, out := r.AlarmShare(); in != 0.5 || math.Abs(out-21.0/2160) > 1e-12 {
		t.Errorf("alarm shares %v %v", in, out)
	}
	md := Markdown(rows)
	for _, want := range []string{
		"| kind | metric | magnitude | detected |",
		"| level shift | latency | x2 | 2/3 | 0.5 | 1 min | 5 min | 50.0 % | 1.0 % | 2.00 |",
		"| none | latency | clean | – | – | – | – | – | 0.7 % | 3.00 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("table lacks %q:\n%s", want, md)
		}
	}
	sum := Summary(runs)
	if len(sum) != 2 || sum[0].Kind != None || sum[1].Kind != LevelShift || sum[1].Runs != 3 {
		t.Errorf("summary %+v", sum)
	}
	if !strings.Contains(Markdown(sum), "| level shift | all | all | 2/3 |") {
		t.Errorf("summary table:\n%s", Markdown(sum))
	}
}

func TestReevaluate(t *testing.T) {
	t0 := DefaultStart()
	runs := []Run{{Start: t0, Step: time.Minute, Scores: []float64{0, 1.5, 0, 3, 0}, Windows: []Window{{t0.Add(3 * time.Minute), t0.Add(4 * time.Minute)}}}}
	at1, err := Reevaluate(runs, EvalOptions{Threshold: 1, Grace: -1})
	if err != nil {
		t.Fatal(err)
	}
	at2, err := Reevaluate(runs, EvalOptions{Threshold: 2, Grace: -1})
	if err != nil {
		t.Fatal(err)
	}
	if at1[0].Evaluation.FalseAlarms != 1 || at2[0].Evaluation.FalseAlarms != 0 || !at2[0].Evaluation.Detections[0].Detected {
		t.Errorf("threshold 1: %+v; threshold 2: %+v", at1[0].Evaluation, at2[0].Evaluation)
	}
}
