package rulegen

import (
	"fmt"
	"slices"
	"time"
)

// promtool's unit-test file format.
type testFile struct {
	RuleFiles          []string    `yaml:"rule_files"`
	EvaluationInterval Duration    `yaml:"evaluation_interval"`
	GroupEvalOrder     []string    `yaml:"group_eval_order"`
	Tests              []testGroup `yaml:"tests"`
}

type testGroup struct {
	Name           string        `yaml:"name"`
	Interval       Duration      `yaml:"interval"`
	InputSeries    []inputSeries `yaml:"input_series"`
	AlertRuleTests []alertTest   `yaml:"alert_rule_test"`
}

type inputSeries struct {
	Series string `yaml:"series"`
	Values string `yaml:"values"`
}

type alertTest struct {
	EvalTime  Duration   `yaml:"eval_time"`
	Alertname string     `yaml:"alertname"`
	ExpAlerts []expAlert `yaml:"exp_alerts"`
}

type expAlert struct {
	ExpLabels      map[string]string `yaml:"exp_labels"`
	ExpAnnotations map[string]string `yaml:"exp_annotations"`
}

// The generated tests sample and evaluate once a minute.
const testStep = Duration(time.Minute)

func minutes(d Duration) int { return int(time.Duration(d) / time.Minute) }

// testFile writes, for every level of every alert with a fixture, two tests: just
// on the silent side of its threshold it stays silent; just on the firing side it is
// pending until its `for` elapses, then fires with the exact labels and annotations,
// and resolves once the value clears. Expected alerts come from simulating every
// level's condition minute by minute, so lower levels firing alongside are expected too.
func (c *Config) testFile(s section) (*testFile, error) {
	tf := &testFile{RuleFiles: []string{"../" + RuleFileName(s.name())}, EvaluationInterval: testStep}
	for _, g := range c.groups(s) {
		tf.GroupEvalOrder = append(tf.GroupEvalOrder, g.Name)
	}
	for _, a := range s.alerts(c) {
		if !a.Enabled || a.Fixture == nil {
			continue
		}
		for _, l := range a.Levels {
			tests, err := c.levelTests(a, l)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", a.Name, l.Severity, err)
			}
			tf.Tests = append(tf.Tests, tests...)
		}
	}
	if len(tf.Tests) == 0 {
		return nil, nil
	}
	return tf, nil
}

func (c *Config) levelTests(a *Alert, l AlertLevel) ([]testGroup, error) {
	f := a.Fixture
	silent, firing := f.near(l.Threshold)
	maxFor, maxWindow := 0, 0
	for _, o := range a.Levels {
		maxFor = max(maxFor, minutes(o.For))
		for _, w := range o.Windows {
			maxWindow = max(maxWindow, minutes(w))
		}
	}
	name := fmt.Sprintf("%s %s", a.Name, l.Severity)
	if len(l.Labels) > 0 {
		name += " " + labelString(l.Labels)
	}

	// Silent just on the other side of the threshold, long after every `for`.
	quiet := timeline{{silent, maxFor + 11}}
	end := quiet.length() - 1
	below, err := c.alertTest(a, quiet, end)
	if err != nil {
		return nil, err
	}
	for _, e := range below.ExpAlerts {
		if e.ExpLabels["severity"] == string(l.Severity) && sameLabels(e.ExpLabels, l.Labels) {
			return nil, fmt.Errorf("fires at %g, on the silent side of its threshold %g", silent, l.Threshold)
		}
	}
	silentTest := testGroup{
		Name:           fmt.Sprintf("%s: silent at %s, just short of the threshold %s", name, fnum(silent), fnum(l.Threshold)),
		Interval:       testStep,
		InputSeries:    inputs(f, quiet),
		AlertRuleTests: []alertTest{below},
	}

	// Firing: pending until `for` elapses, firing after, resolved once cleared.
	start := 0
	switch {
	case len(l.Windows) > 0 && f.Rate:
		start = minutes(slices.Max(l.Windows)) // the rate reaches v once its window is full
	case len(l.Windows) > 0:
		start = 1 // a rate needs two samples
	}
	hold := minutes(l.For)
	fire := start + hold + 3
	drain := 0
	for _, o := range a.Levels {
		if len(o.Windows) > 0 {
			drain = max(drain, minutes(slices.Min(o.Windows)))
		}
	}
	tl := timeline{{firing, fire}, {f.Clear, drain + 3}}
	var evals []alertTest
	if hold > 0 {
		pending, err := c.alertTest(a, tl, start+hold-1)
		if err != nil {
			return nil, err
		}
		evals = append(evals, pending)
	}
	fired, err := c.alertTest(a, tl, start+hold+1)
	if err != nil {
		return nil, err
	}
	if !firesLevel(fired, l) {
		return nil, fmt.Errorf("does not fire at %g, on the firing side of its threshold %g", firing, l.Threshold)
	}
	resolved, err := c.alertTest(a, tl, tl.length()-1)
	if err != nil {
		return nil, err
	}
	if len(resolved.ExpAlerts) > 0 {
		return nil, fmt.Errorf("still fires %d minutes after clearing", drain+2)
	}
	evals = append(evals, fired, resolved)
	return []testGroup{silentTest, {
		Name:           fmt.Sprintf("%s: fires at %s after %s, resolves at %s", name, fnum(firing), l.For, fnum(f.Clear)),
		Interval:       testStep,
		InputSeries:    inputs(f, tl),
		AlertRuleTests: evals,
	}}, nil
}

func sameLabels(got, want map[string]string) bool {
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func firesLevel(t alertTest, l AlertLevel) bool {
	for _, e := range t.ExpAlerts {
		if e.ExpLabels["severity"] == string(l.Severity) && sameLabels(e.ExpLabels, l.Labels) {
			return true
		}
	}
	return false
}

func inputs(f *Fixture, tl timeline) []inputSeries {
	in := make([]inputSeries, len(f.Series))
	for i, s := range f.Series {
		in[i] = inputSeries{Series: s.Series, Values: tl.values(s)}
	}
	return in
}

// alertTest simulates every level of a over the timeline and states which fire at
// minute at, with their labels and expanded annotations.
func (c *Config) alertTest(a *Alert, tl timeline, at int) (alertTest, error) {
	t := alertTest{EvalTime: Duration(time.Duration(at) * time.Minute), Alertname: a.Name, ExpAlerts: []expAlert{}}
	for _, l := range a.Levels {
		value, firing := simulate(a.Fixture, l, tl, at)
		if !firing {
			continue
		}
		labels := levelLabels(l)
		for k, v := range a.Fixture.Labels {
			labels[k] = v
		}
		ann := c.annotations(a, l)
		for _, k := range []string{"summary", "description"} {
			s, err := expand(ann[k], a.Fixture.Labels, value)
			if err != nil {
				return t, err
			}
			ann[k] = s
		}
		t.ExpAlerts = append(t.ExpAlerts, expAlert{ExpLabels: labels, ExpAnnotations: ann})
	}
	return t, nil
}

// simulate replays Prometheus's evaluation of one level once a minute up to minute
// at: the condition must hold on every window, and hold for `for`. It returns the
// alert's value (the first window's average) and whether it fires at minute at.
func simulate(f *Fixture, l AlertLevel, tl timeline, at int) (float64, bool) {
	windows := []int{0}
	if len(l.Windows) > 0 {
		windows = windows[:0]
		for _, w := range l.Windows {
			windows = append(windows, minutes(w))
		}
	}
	active := -1
	var value float64
	for m := 0; m <= at; m++ {
		cond := true
		for i, w := range windows {
			v, ok := tl.average(m, w)
			if ok && f.Rate && m < w {
				v = v * float64(m) / float64(w) // m increments so far, divided by the whole window
			}
			if i == 0 {
				value = v
			}
			if !ok || (f.Below && !(v < l.Threshold)) || (!f.Below && !(v > l.Threshold)) {
				cond = false
			}
		}
		switch {
		case !cond:
			active = -1
		case active < 0:
			active = m
		}
	}
	return value, active >= 0 && at-active >= minutes(l.For)
}
