package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/perfwatch/perfwatch/anomaly/backtest"
	"github.com/perfwatch/perfwatch/anomaly/config"
	"github.com/perfwatch/perfwatch/anomaly/sidecar"
)

// backtestCmd scores a CSV (timestamp,value) or the JSON body of a saved
// /api/v1/query_range offline, with the model of a configured query.
type backtestCmd struct {
	cmd    *kingpin.CmdClause
	input  *string
	output *string
	query  *string
	step   *time.Duration
}

func addBacktest(app *kingpin.Application) *backtestCmd {
	c := app.Command("backtest", "Score a CSV (timestamp,value) or a saved range query (JSON of /api/v1/query_range) offline, causally, and write the scores as CSV (a range query's rows start with a series column).")
	return &backtestCmd{
		cmd:    c,
		input:  c.Flag("input", "The CSV or JSON file to score; - reads standard input.").Required().String(),
		output: c.Flag("output", "Where to write the scores; - is standard output.").Default("-").String(),
		query:  c.Flag("query", "Score with the model of this configured query (its detection direction, thresholds…); empty uses the global model.").Default("").String(),
		step:   c.Flag("step", "The input's sampling step; 0 takes each series' median interval.").Default("0").Duration(),
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
	dcfg, err := sidecar.DetectorConfig(m, *c.step)
	if err != nil {
		return fmt.Errorf("backtest: %w", err)
	}
	in, err := openInput(*c.input)
	if err != nil {
		return err
	}
	defer in.Close()
	series, multi, err := backtest.ReadAny(in)
	if err != nil {
		return fmt.Errorf("backtest %s: %w", *c.input, err)
	}
	if len(series) == 0 {
		return fmt.Errorf("backtest %s: no series", *c.input)
	}
	return writeTo(*c.output, stdout, func(w io.Writer) error { return backtest.WriteScores(w, series, multi, dcfg) })
}

func openInput(path string) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(os.Stdin), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	return f, nil
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
