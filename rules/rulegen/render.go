package rulegen

import (
	"fmt"
	"math"
	"strings"
	"text/template"
)

// templateDefs is the prelude Prometheus puts before every annotation template.
const templateDefs = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"

// templateFuncs are the Prometheus template functions the annotations may use; the
// generated tests expand annotations with them to state the exact expected text.
var templateFuncs = template.FuncMap{
	"humanize":           humanize,
	"humanizePercentage": func(v float64) string { return fmt.Sprintf("%.4g%%", v*100) },
}

// humanize is Prometheus's humanize: SI prefixes and four significant digits.
func humanize(v float64) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Sprintf("%.4g", v)
	}
	if math.Abs(v) >= 1 {
		prefix := ""
		for _, p := range []string{"k", "M", "G", "T", "P", "E", "Z", "Y"} {
			if math.Abs(v) < 1000 {
				break
			}
			prefix = p
			v /= 1000
		}
		return fmt.Sprintf("%.4g%s", v, prefix)
	}
	prefix := ""
	for _, p := range []string{"m", "u", "n", "p", "f", "a", "z", "y"} {
		if math.Abs(v) >= 1 {
			break
		}
		prefix = p
		v *= 1000
	}
	return fmt.Sprintf("%.4g%s", v, prefix)
}

// expand renders an annotation template as Prometheus would for an alert with these
// labels and value.
func expand(text string, labels map[string]string, value float64) (string, error) {
	t, err := template.New("annotation").Funcs(templateFuncs).Option("missingkey=zero").Parse(templateDefs + text)
	if err != nil {
		return "", fmt.Errorf("parse template %q: %w", text, err)
	}
	var b strings.Builder
	data := struct {
		Labels, ExternalLabels map[string]string
		ExternalURL            string
		Value                  float64
	}{Labels: labels, Value: value}
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("expand template %q: %w", text, err)
	}
	return b.String(), nil
}
