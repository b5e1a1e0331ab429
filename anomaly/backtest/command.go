package backtest

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/baseline"
	"github.com/perfwatch/perfwatch/anomaly/detector"
)

// Command is `perfwatch-anomaly backtest`: it reads -in (a CSV with a
// timestamp,value header, or the JSON body of a Prometheus query_range
// response, told apart by a leading '{'), scores every series with the
// default detector and writes CSV to -out (default stdout). A query range
// gets a leading series column naming each row's series.
func Command(args []string, stdin io.Reader, stdout io.Writer) error {
	fl := flag.NewFlagSet("backtest", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	in := fl.String("in", "-", "input file, - for stdin")
	out := fl.String("out", "-", "output file, - for stdout")
	cfg := detector.DefaultConfig()
	step := fl.Duration("step", 0, "sampling step (default: the median interval of the data)")
	fl.DurationVar(&cfg.Season, "season", cfg.Season, "seasonal cycle, 0 for none")
	fl.DurationVar(&cfg.BucketWidth, "bucket-width", cfg.BucketWidth, "seasonal bucket width")
	fl.DurationVar(&cfg.MinHistory, "min-history", cfg.MinHistory, "history the seasonal baseline needs")
	fl.Float64Var(&cfg.Threshold, "threshold", cfg.Threshold, "band half-width in standard deviations")
	dir := fl.String("detection-direction", "both", "both, above_expected or below_expected")
	fl.Float64Var(&cfg.MinDevFromExpected, "min-dev-from-expected", 0, "smallest deviation that scores")
	if err := fl.Parse(args); err != nil {
		return fmt.Errorf("backtest: %w", err)
	}
	d, err := baseline.ParseDirection(*dir)
	if err != nil {
		return fmt.Errorf("backtest: %w", err)
	}
	cfg.Direction = d
	r := stdin
	if *in != "-" {
		f, err := os.Open(*in)
		if err != nil {
			return fmt.Errorf("backtest: %w", err)
		}
		defer f.Close()
		r = f
	}
	series, multi, err := readAny(r)
	if err != nil {
		return fmt.Errorf("backtest: %s: %w", *in, err)
	}
	w := stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return fmt.Errorf("backtest: %w", err)
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	if multi {
		fmt.Fprintln(bw, "series,"+Header)
	}
	for _, s := range series {
		c := cfg
		c.Step = *step
		if c.Step == 0 {
			c.Step = MedianStep(s.Samples)
		}
		rows, err := Run(c, s.Samples)
		if err != nil {
			return fmt.Errorf("backtest: %s: %w", s.Name(), err)
		}
		var buf bytes.Buffer
		if err := WriteCSV(&buf, rows); err != nil {
			return fmt.Errorf("backtest: %w", err)
		}
		lines := bytes.SplitAfter(buf.Bytes(), []byte("\n"))
		if !multi {
			bw.Write(buf.Bytes())
			continue
		}
		name := csvQuote(s.Name())
		for _, l := range lines[1:] {
			if len(l) > 0 {
				bw.WriteString(name + ",")
				bw.Write(l)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("backtest: write: %w", err)
	}
	return nil
}

// readAny reads a query_range JSON body (multi is true) or a CSV.
func readAny(r io.Reader) (series []Series, multi bool, err error) {
	br := bufio.NewReader(r)
	for {
		b, err := br.Peek(1)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, false, errors.New("empty input")
			}
			return nil, false, err
		}
		if b[0] == ' ' || b[0] == '\n' || b[0] == '\r' || b[0] == '\t' {
			br.ReadByte()
			continue
		}
		if b[0] == '{' {
			s, err := ReadQueryRange(br)
			return s, true, err
		}
		samples, err := ReadCSV(br)
		return []Series{{Samples: samples}}, false, err
	}
}

func csvQuote(s string) string {
	var b bytes.Buffer
	b.WriteByte('"')
	for _, r := range s {
		if r == '"' {
			b.WriteByte('"')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// MedianStep is the median interval between consecutive samples (one
// minute when there are fewer than two), the sampling step to configure the
// detector with.
func MedianStep(samples []baseline.Sample) time.Duration {
	var ds []time.Duration
	for i := 1; i < len(samples); i++ {
		if d := samples[i].T.Sub(samples[i-1].T); d > 0 {
			ds = append(ds, d)
		}
	}
	if len(ds) == 0 {
		return time.Minute
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}
