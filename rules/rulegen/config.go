package rulegen

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// Config is rules/config.yml: everything the generated rules depend on.
type Config struct {
	EvaluationInterval Duration         `yaml:"evaluation_interval"`
	RunbookBaseURL     string           `yaml:"runbook_base_url"`
	GrafanaURL         string           `yaml:"grafana_url"`
	TestProfile        TestProfile      `yaml:"test_profile"`
	Sources            SourcesConfig    `yaml:"sources"`
	HTTP               HTTPConfig       `yaml:"http"`
	SLO                SLOConfig        `yaml:"slo"`
	Host               HostConfig       `yaml:"host"`
	Database           DatabaseConfig   `yaml:"database"`
	Errors             ErrorsConfig     `yaml:"errors"`
	Frontend           FrontendConfig   `yaml:"frontend"`
	Anomaly            AnomalyConfig    `yaml:"anomaly"`
	Depscan            DepscanConfig    `yaml:"depscan"`
	Monitoring         MonitoringConfig `yaml:"monitoring"`

	// maxFor caps every `for` duration; set by WithTestProfile only.
	maxFor Duration
}

// TestProfile shortens evaluation and `for` durations for the end-to-end test.
type TestProfile struct {
	EvaluationInterval Duration `yaml:"evaluation_interval"`
	MaxFor             Duration `yaml:"max_for"`
}

// Level is one severity of a threshold alert: the threshold (absent for alerts such as
// TargetDown whose condition has none) and how long it must hold.
type Level struct {
	Threshold *float64 `yaml:"threshold"`
	For       Duration `yaml:"for"`
}

// ThresholdAlert is the configuration of an alert with one rule per severity level.
type ThresholdAlert struct {
	Enabled bool               `yaml:"enabled"`
	Levels  map[Severity]Level `yaml:"levels"`
}

// Load reads and validates a configuration file. Unknown keys are errors; every error
// names the file and, where it can, the line.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse decodes and validates configuration bytes strictly; name is the file name
// errors start with.
func Parse(name string, data []byte) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err) // yaml's errors say "line N"
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var errs []error
	for _, fe := range c.validate() {
		errs = append(errs, fmt.Errorf("%s:%d: %s: %s", name, lineOf(&root, fe.path), strings.Join(fe.path, "."), fe.msg))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &c, nil
}

// fieldError is a validation failure at a path of mapping keys.
type fieldError struct {
	path []string
	msg  string
}

// validator collects field errors below a path.
type validator struct {
	errs []fieldError
}

func (v *validator) add(msg string, path ...string) {
	v.errs = append(v.errs, fieldError{path: path, msg: msg})
}

func (v *validator) positive(d Duration, path ...string) {
	if d <= 0 {
		v.add("must be a positive duration", path...)
	}
}

func (v *validator) positiveNumber(f float64, path ...string) {
	if !(f > 0) {
		v.add(fmt.Sprintf("must be positive, got %g", f), path...)
	}
}

func (v *validator) nonNegative(f float64, path ...string) {
	if f < 0 {
		v.add(fmt.Sprintf("must not be negative, got %g", f), path...)
	}
}

func (v *validator) ratio(f float64, path ...string) {
	if !(f > 0 && f < 1) {
		v.add(fmt.Sprintf("must be between 0 and 1 exclusive, got %g", f), path...)
	}
}

func (v *validator) url(s string, path ...string) {
	if !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
		v.add(fmt.Sprintf("must be an http(s) URL, got %q", s), path...)
	}
}

// thresholdAlert checks an alert's levels. threshold says whether levels need one
// (true), must not have one (false); check validates a present threshold.
func (v *validator) thresholdAlert(a ThresholdAlert, needThreshold bool, check func(float64, ...string), path ...string) {
	if a.Enabled && len(a.Levels) == 0 {
		v.add("an enabled alert needs at least one level", append(path, "levels")...)
	}
	for sev, l := range a.Levels {
		p := append(slices.Clone(path), "levels", string(sev))
		if sev.Rank() < 0 {
			v.add("unknown severity", p...)
		}
		if l.For < 0 {
			v.add("must not be negative", append(p, "for")...)
		}
		switch {
		case needThreshold && l.Threshold == nil:
			v.add("threshold is required", p...)
		case !needThreshold && l.Threshold != nil:
			v.add("this alert takes no threshold", append(p, "threshold")...)
		case l.Threshold != nil && check != nil:
			check(*l.Threshold, append(p, "threshold")...)
		}
	}
}

func (c *Config) validate() []fieldError {
	v := &validator{}
	v.positive(c.EvaluationInterval, "evaluation_interval")
	v.url(c.RunbookBaseURL, "runbook_base_url")
	v.url(c.GrafanaURL, "grafana_url")
	v.positive(c.TestProfile.EvaluationInterval, "test_profile", "evaluation_interval")
	v.positive(c.TestProfile.MaxFor, "test_profile", "max_for")
	for _, s := range sections(c) {
		s.validate(v)
	}
	return v.errs
}

// lineOf finds the line of the mapping key at path in a decoded document, or of the
// deepest ancestor that exists.
func lineOf(doc *yaml.Node, path []string) int {
	n := doc
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, key := range path {
		if n.Kind == yaml.SequenceNode {
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(n.Content) {
				break
			}
			n = n.Content[i]
			line = n.Line
			continue
		}
		if n.Kind != yaml.MappingNode {
			break
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				line = n.Content[i].Line
				n = n.Content[i+1]
				found = true
				break
			}
		}
		if !found {
			break
		}
	}
	return line
}

// WithTestProfile returns a copy of c whose groups evaluate at the test profile's
// interval and whose `for` durations are at most its max_for. Expressions are unchanged.
func (c *Config) WithTestProfile() *Config {
	t := *c
	t.EvaluationInterval = c.TestProfile.EvaluationInterval
	t.maxFor = c.TestProfile.MaxFor
	return &t
}

// holdFor is the `for` duration a rule gets: d, capped by the test profile.
func (c *Config) holdFor(d Duration) Duration {
	if c.maxFor > 0 && d > c.maxFor {
		return c.maxFor
	}
	return d
}

// Duration is a Prometheus duration ("30s", "5m", "1d") in the configuration; a bad
// one is reported with its line.
type Duration model.Duration

// UnmarshalYAML parses the duration.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := model.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = Duration(v)
	return nil
}

// String formats the duration as Prometheus does.
func (d Duration) String() string { return model.Duration(d).String() }

// MarshalYAML writes the duration as Prometheus does.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }
