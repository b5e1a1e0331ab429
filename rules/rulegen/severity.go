package rulegen

import "fmt"

// Severity is the value of an alert's severity label.
type Severity string

// The four severities, lowest first. Mixins use info, warning and critical;
// docs/alerting.md maps ours onto theirs.
const (
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Severities lists every severity, lowest first.
var Severities = []Severity{Low, Medium, High, Critical}

// Rank orders severities: low is 0, critical 3, anything else -1.
func (s Severity) Rank() int {
	for i, v := range Severities {
		if v == s {
			return i
		}
	}
	return -1
}

// UnmarshalYAML rejects values that are not one of the four severities.
func (s *Severity) UnmarshalYAML(unmarshal func(any) error) error {
	var v string
	if err := unmarshal(&v); err != nil {
		return err
	}
	if Severity(v).Rank() < 0 {
		return fmt.Errorf("unknown severity %q (want low, medium, high or critical)", v)
	}
	*s = Severity(v)
	return nil
}
