package exporter

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TextfileConfig points the textfile collector at directories of *.prom files.
type TextfileConfig struct {
	// Directories hold the *.prom files; each may be a glob pattern
	// (filepath.Match syntax) naming several. None, or only empty strings,
	// means the collector reads nothing (it still reports
	// node_textfile_scrape_error 0).
	Directories []string
}

// textfileCollector exports the metrics of the *.prom files in one directory,
// as node_exporter's textfile collector does: families are merged across
// files, a family whose HELP or TYPE disagrees with the one already read is
// dropped from the later file, and a file that does not parse or carries
// timestamps is skipped whole. Any of these sets node_textfile_scrape_error.
type textfileCollector struct {
	dirs        []string
	logger      *slog.Logger
	mtime       *Desc
	scrapeError *Desc
}

func newTextfileCollector(cfg Config) (Collector, error) {
	return &textfileCollector{
		dirs:        cfg.Textfile.Directories,
		logger:      loggerOrDiscard(cfg.Logger).With("collector", "textfile"),
		mtime:       NewDesc("node_textfile_mtime_seconds", "Unixtime mtime of textfiles successfully read.", Gauge, "file"),
		scrapeError: NewDesc("node_textfile_scrape_error", "1 if there was an error opening or reading a file, 0 otherwise", Gauge),
	}, nil
}

// Descs lists the collector's own families; those read from files are not
// known in advance.
func (c *textfileCollector) Descs() []*Desc { return []*Desc{c.mtime, c.scrapeError} }

// textfileFamily is one family merged across files.
type textfileFamily struct {
	name, help string
	typ        dto.MetricType
	metrics    []*dto.Metric
	files      []string
}

func (c *textfileCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	errored := false
	families := map[string]*textfileFamily{}
	var order []string
	type fileMtime struct {
		path  string
		mtime float64
	}
	var mtimes []fileMtime
	for _, dir := range c.directories() {
		entries, err := os.ReadDir(dir)
		if err != nil {
			errored = true
			c.logger.Error("failed to read textfile collector directory", "path", dir, "err", err)
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".prom") {
				continue
			}
			path := filepath.Join(dir, e.Name())
			mfs, mtime, err := readTextfile(path)
			if err != nil {
				errored = true
				c.logger.Error("failed to collect textfile data", "file", e.Name(), "err", err)
				continue
			}
			if c.merge(families, &order, mfs, path) {
				errored = true
			}
			mtimes = append(mtimes, fileMtime{path, mtime})
		}
	}
	sort.Strings(order)
	for _, n := range order {
		if err := c.emit(families[n], b); err != nil {
			errored = true
			c.logger.Error("failed to export textfile family", "metric", n, "err", err)
		}
	}
	for _, m := range mtimes {
		b.Add(c.mtime, m.mtime, m.path)
	}
	v := 0.0
	if errored {
		v = 1
	}
	b.Add(c.scrapeError, v)
	return nil
}

// directories expands the configured directories, as node_exporter does: a
// pattern that matches nothing (or is not a valid pattern) is taken as one
// directory, so that a missing directory is reported rather than ignored.
func (c *textfileCollector) directories() []string {
	var out []string
	for _, d := range c.dirs {
		if d == "" {
			continue
		}
		ps, err := filepath.Glob(d)
		if err != nil || len(ps) == 0 {
			ps = []string{d}
		}
		out = append(out, ps...)
	}
	return out
}

// merge adds one file's families to families (names in first-seen order in
// order). It reports whether a family disagreed with the same family read
// from an earlier file; that family is dropped from this file.
func (c *textfileCollector) merge(families map[string]*textfileFamily, order *[]string, mfs map[string]*dto.MetricFamily, path string) (errored bool) {
	names := make([]string, 0, len(mfs))
	for n := range mfs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		mf := mfs[n]
		f, seen := families[n]
		if !seen {
			f = &textfileFamily{name: n, help: mf.GetHelp(), typ: mf.GetType()}
			if mf.Help == nil {
				f.help = ""
			}
			families[n] = f
			*order = append(*order, n)
		} else if mf.GetType() != f.typ || (mf.Help != nil && f.help != "" && mf.GetHelp() != f.help) {
			errored = true
			c.logger.Error("inconsistent metric help text or type", "metric", n,
				"original_help_text", f.help, "new_help_text", mf.GetHelp(),
				"original_type", f.typ, "new_type", mf.GetType(), "file", path)
			continue
		} else if f.help == "" && mf.Help != nil {
			f.help = mf.GetHelp()
		}
		f.metrics = append(f.metrics, mf.Metric...)
		f.files = append(f.files, path)
	}
	return errored
}

// readTextfile parses one file and returns its families and its mtime in
// whole seconds. The file is stat'ed only after it parsed, so that a broken
// file never looks fresh.
func readTextfile(path string) (map[string]*dto.MetricFamily, float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("failed to open textfile data file %q: %w", path, err)
	}
	defer f.Close()
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(f)
	if err != nil {
		return nil, 0, fmt.Errorf("failed to parse textfile data from %q: %w", path, err)
	}
	for _, mf := range mfs {
		for _, m := range mf.Metric {
			if m.TimestampMs != nil {
				return nil, 0, fmt.Errorf("textfile %q contains unsupported client-side timestamps, skipping entire file", path)
			}
		}
	}
	st, err := f.Stat()
	if err != nil {
		return nil, 0, fmt.Errorf("failed to stat %q: %w", path, err)
	}
	return mfs, float64(st.ModTime().Unix()), nil
}

// emit adds one merged family. Metrics lacking a label another metric of the
// family has get it with an empty value, as node_exporter does, so the family
// has one label set. Series are ordered by label values. Histograms and
// summaries are written as node_exporter's client_golang writes them: the
// buckets as read, a +Inf bucket holding the count, then _sum and _count.
func (c *textfileCollector) emit(f *textfileFamily, b *Batch) error {
	var typ MetricType
	switch f.typ {
	case dto.MetricType_GAUGE:
		typ = Gauge
	case dto.MetricType_COUNTER:
		typ = Counter
	case dto.MetricType_UNTYPED:
		typ = Untyped
	case dto.MetricType_HISTOGRAM:
		typ = Histogram
	case dto.MetricType_SUMMARY:
		typ = Summary
	default:
		return fmt.Errorf("metric type %s is not supported by perfwatch-exporter's textfile collector", f.typ)
	}
	labelSet := map[string]bool{}
	for _, m := range f.metrics {
		for _, l := range m.GetLabel() {
			labelSet[l.GetName()] = true
		}
	}
	labels := make([]string, 0, len(labelSet))
	for l := range labelSet {
		if !labelNameRE.MatchString(l) || strings.HasPrefix(l, "__") ||
			(typ == Histogram && l == "le") || (typ == Summary && l == "quantile") {
			return fmt.Errorf("invalid label name %q", l)
		}
		labels = append(labels, l)
	}
	sort.Strings(labels)
	if !metricNameRE.MatchString(f.name) {
		return fmt.Errorf("invalid metric name %q", f.name)
	}
	help := f.help
	if help == "" {
		help = "Metric read from " + strings.Join(f.files, ", ")
	}
	d := NewDesc(f.name, help, typ, labels...)
	idx := map[string]int{}
	for i, l := range labels {
		idx[l] = i
	}
	type row struct {
		values []string
		m      *dto.Metric
	}
	rows := make([]row, 0, len(f.metrics))
	seen := map[string]bool{}
	var dups int
	for _, m := range f.metrics {
		values := make([]string, len(labels))
		for _, l := range m.GetLabel() {
			values[idx[l.GetName()]] = l.GetValue()
		}
		key := strings.Join(values, "\xff")
		if seen[key] {
			dups++
			continue
		}
		seen[key] = true
		rows = append(rows, row{values, m})
	}
	sort.SliceStable(rows, func(i, j int) bool { return slices.Compare(rows[i].values, rows[j].values) < 0 })
	add := c.adder(d)
	for _, r := range rows {
		add(b, r.m, r.values)
	}
	if dups > 0 {
		return fmt.Errorf("%d series collected before with the same name and label values", dups)
	}
	return nil
}

// adder returns the function that adds one metric of family d to b.
func (c *textfileCollector) adder(d *Desc) func(b *Batch, m *dto.Metric, values []string) {
	switch d.Type() {
	case Gauge:
		return func(b *Batch, m *dto.Metric, values []string) { b.Add(d, m.GetGauge().GetValue(), values...) }
	case Counter:
		return func(b *Batch, m *dto.Metric, values []string) { b.Add(d, m.GetCounter().GetValue(), values...) }
	case Histogram:
		bucket, sum, count := d.Component("_bucket", "le"), d.Component("_sum", ""), d.Component("_count", "")
		return func(b *Batch, m *dto.Metric, values []string) {
			h := m.GetHistogram()
			with := append(values[:len(values):len(values)], "")
			for _, bk := range h.GetBucket() {
				if math.IsInf(bk.GetUpperBound(), +1) {
					continue // written below from the count, as client_golang does
				}
				with[len(values)] = string(appendFloat(nil, bk.GetUpperBound()))
				b.Add(bucket, float64(bk.GetCumulativeCount()), with...)
			}
			with[len(values)] = "+Inf"
			b.Add(bucket, float64(h.GetSampleCount()), with...)
			b.Add(sum, h.GetSampleSum(), values...)
			b.Add(count, float64(h.GetSampleCount()), values...)
		}
	case Summary:
		quantile, sum, count := d.Component("", "quantile"), d.Component("_sum", ""), d.Component("_count", "")
		return func(b *Batch, m *dto.Metric, values []string) {
			s := m.GetSummary()
			with := append(values[:len(values):len(values)], "")
			for _, q := range s.GetQuantile() {
				with[len(values)] = string(appendFloat(nil, q.GetQuantile()))
				b.Add(quantile, q.GetValue(), with...)
			}
			b.Add(sum, s.GetSampleSum(), values...)
			b.Add(count, float64(s.GetSampleCount()), values...)
		}
	}
	return func(b *Batch, m *dto.Metric, values []string) { b.Add(d, m.GetUntyped().GetValue(), values...) }
}
