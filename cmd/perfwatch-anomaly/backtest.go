package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/perfwatch/perfwatch/anomaly/backtest"
	"github.com/perfwatch/perfwatch/anomaly/config"
	"github.com/perfwatch/perfwatch/anomaly/detector"
	"github.com/perfwatch/perfwatch/anomaly/sidecar"
)

// backtestCmd scores a CSV (timestamp,value) or the JSON body of a saved
// /api/v1/query_range offline, with the model of a configured query.
type backtestCmd struct {
	cmd       *kingpin.CmdClause
	input     *string
	output    *string
	outputDir *string
	query     *string
	step      *time.Duration
}

func addBacktest(app *kingpin.Application) *backtestCmd {
	c := app.Command("backtest", "Score a CSV (timestamp,value) or a saved range query (JSON of /api/v1/query_range) offline, causally, and write the scores as CSV.")
	return &backtestCmd{
		cmd:       c,
		input:     c.Flag("input", "The CSV or JSON file to score; - reads standard input.").Required().String(),
		output:    c.Flag("output", "Where to write the scores of a CSV input or of a range query with one series; - is standard output.").Default("-").String(),
		outputDir: c.Flag("output-dir", "Directory for a range query with several series: one CSV per series and index.csv naming them.").Default("").String(),
		query:     c.Flag("query", "Score with the model of this configured query (its detection direction, thresholds…); empty uses the global model.").Default("").String(),
		step:      c.Flag("step", "The input's sampling step; 0 uses schedule.step.").Default("0").Duration(),
	}
}

func (c *backtestCmd) run(cfg *config.Config, stdout io.Writer) error {
	m := cfg.Model
	if *c.query != "" {
		found := false
		for _, q := range cfg.Queries {
			if q.Name == *c.query {
				m, found = q.Model, true
			}
		}
		if !found {
			return fmt.Errorf("backtest: no query %q in the configuration", *c.query)
		}
	}
	step := *c.step
	if step == 0 {
		step = time.Duration(cfg.Schedule.Step)
	}
	dcfg, err := sidecar.DetectorConfig(m, step)
	if err != nil {
		return fmt.Errorf("backtest: %w", err)
	}
	data, err := readInput(*c.input)
	if err != nil {
		return err
	}
	var series []backtest.Series
	if isJSON(data) {
		series, err = backtest.ReadQueryRange(bytes.NewReader(data))
	} else {
		var s backtest.Series
		s.Samples, err = backtest.ReadCSV(bytes.NewReader(data))
		series = []backtest.Series{s}
	}
	if err != nil {
		return fmt.Errorf("backtest %s: %w", *c.input, err)
	}
	if len(series) == 0 {
		return fmt.Errorf("backtest %s: no series", *c.input)
	}
	if len(series) > 1 && *c.outputDir == "" {
		return fmt.Errorf("backtest %s: %d series: give --output-dir", *c.input, len(series))
	}
	if *c.outputDir != "" {
		return writeDir(*c.outputDir, dcfg, series)
	}
	rows, err := backtest.Run(dcfg, series[0].Samples)
	if err != nil {
		return err
	}
	return writeTo(*c.output, stdout, func(w io.Writer) error { return backtest.WriteCSV(w, rows) })
}

func readInput(path string) ([]byte, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("backtest: read %s: %w", path, err)
	}
	return data, nil
}

func isJSON(data []byte) bool {
	t := bytes.TrimSpace(data)
	return len(t) > 0 && t[0] == '{'
}

// writeTo writes through f to path, or to stdout for "-"; a file is complete or
// absent: it is written under a temporary name and renamed.
func writeTo(path string, stdout io.Writer, f func(io.Writer) error) error {
	if path == "-" {
		return f(stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".backtest-*")
	if err != nil {
		return fmt.Errorf("backtest: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	if err := f(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("backtest: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("backtest: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("backtest: %w", err)
	}
	return nil
}

// writeDir writes series-<n>.csv for each series and index.csv mapping the files to
// the series' selectors.
func writeDir(dir string, dcfg detector.Config, series []backtest.Series) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("backtest: %w", err)
	}
	var index bytes.Buffer
	cw := csv.NewWriter(&index)
	_ = cw.Write([]string{"file", "series"}) // into a buffer: cannot fail
	var errs []error
	for i, s := range series {
		name := fmt.Sprintf("series-%d.csv", i+1)
		rows, err := backtest.Run(dcfg, s.Samples)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.Name(), err))
			continue
		}
		if err := writeTo(filepath.Join(dir, name), nil, func(w io.Writer) error { return backtest.WriteCSV(w, rows) }); err != nil {
			errs = append(errs, err)
			continue
		}
		_ = cw.Write([]string{name, s.Name()})
	}
	cw.Flush()
	if err := writeTo(filepath.Join(dir, "index.csv"), nil, func(w io.Writer) error {
		_, err := w.Write(index.Bytes())
		return err
	}); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
