package errtrack

import "fmt"

// Severity is how bad an event is: the severity label of perfwatch_errors_total and of
// the alerts, from SeverityLow to SeverityCritical.
type Severity int8

// The severities, in rising order. The zero value means "classify by default".
const (
	SeverityUnset Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"", "low", "medium", "high", "critical"}

// String returns the label value: low, medium, high or critical ("" when unset).
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("Severity(%d)", int8(s))
	}
	return severityNames[s]
}

// ParseSeverity returns the Severity named s (low, medium, high, critical).
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames[1:] {
		if n == s {
			return Severity(i + 1), nil
		}
	}
	return SeverityUnset, fmt.Errorf("unknown severity %q (want low, medium, high or critical)", s)
}

// MarshalText writes the severity's name, so that JSON shows "high" rather than 3.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
