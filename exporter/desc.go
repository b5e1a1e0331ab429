package exporter

import (
	"fmt"
	"regexp"
	"strings"
)

// MetricType is the Prometheus type of a metric family.
type MetricType int

// The metric types the exporter emits.
const (
	Gauge MetricType = iota
	Counter
	// Untyped is for families node_exporter exports untyped (netstat).
	Untyped
	// Histogram and Summary are written as their component series (see
	// Desc.Component); only the textfile collector passes them through.
	Histogram
	Summary
)

func (t MetricType) String() string {
	switch t {
	case Counter:
		return "counter"
	case Untyped:
		return "untyped"
	case Histogram:
		return "histogram"
	case Summary:
		return "summary"
	}
	return "gauge"
}

var (
	metricNameRE = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelNameRE  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// Desc describes one metric family. It is built once, when a collector is
// created, so that a scrape never re-validates names or re-renders headers.
type Desc struct {
	name   string
	help   string
	typ    MetricType
	labels []string
	header []byte // "# HELP ...\n# TYPE ...\n", rendered once
	// family is the name the HELP and TYPE lines carry and samples are
	// grouped by: the name itself, or for a histogram's or summary's
	// component (name_bucket, name_sum, ...) the family's name.
	family string
}

// NewDesc validates the name and label names and pre-renders the family's
// HELP and TYPE lines. It panics on an invalid name, like
// prometheus.MustNewConstMetric, because descriptors are fixed at build time.
func NewDesc(name, help string, typ MetricType, labels ...string) *Desc {
	if !metricNameRE.MatchString(name) {
		panic(fmt.Sprintf("exporter: invalid metric name %q", name))
	}
	for _, l := range labels {
		if !labelNameRE.MatchString(l) || strings.HasPrefix(l, "__") {
			panic(fmt.Sprintf("exporter: invalid label name %q for %s", l, name))
		}
	}
	d := &Desc{name: name, help: help, typ: typ, labels: labels, family: name}
	var b strings.Builder
	b.WriteString("# HELP ")
	b.WriteString(name)
	b.WriteByte(' ')
	b.WriteString(escapeHelp(help))
	b.WriteString("\n# TYPE ")
	b.WriteString(name)
	b.WriteByte(' ')
	b.WriteString(typ.String())
	b.WriteByte('\n')
	d.header = []byte(b.String())
	return d
}

// Component returns the descriptor of one series of a histogram or summary
// family: the family's name plus suffix ("_bucket", "_sum", "_count", or ""
// for a summary's quantiles), with extraLabel ("le", "quantile") after the
// family's labels when not empty. Its samples are written under the family's
// HELP and TYPE lines.
func (d *Desc) Component(suffix, extraLabel string) *Desc {
	if d.typ != Histogram && d.typ != Summary {
		panic(fmt.Sprintf("exporter: %s is a %s, not a histogram or summary", d.name, d.typ))
	}
	labels := d.labels
	if extraLabel != "" {
		labels = append(labels[:len(labels):len(labels)], extraLabel)
	}
	return &Desc{name: d.name + suffix, help: d.help, typ: d.typ, labels: labels, header: d.header, family: d.name}
}

// Name returns the metric family name.
func (d *Desc) Name() string { return d.name }

// Help returns the family's help text.
func (d *Desc) Help() string { return d.help }

// Type returns the family's metric type.
func (d *Desc) Type() MetricType { return d.typ }

// Labels returns the label names, in the order values are passed to Batch.Add.
func (d *Desc) Labels() []string { return d.labels }

// escapeHelp escapes backslash and newline as the text format requires. It
// is a loop rather than a strings.Replacer because building a Replacer per
// descriptor allocated about 270 KiB at startup.
func escapeHelp(s string) string {
	if !strings.ContainsAny(s, "\\\n") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
