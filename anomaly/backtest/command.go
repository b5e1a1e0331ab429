package backtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/baseline"
	"github.com/perfwatch/perfwatch/anomaly/detector"
)

// WriteScores scores every series causally with cfg and writes the scores as CSV
// under Header. With multi (a range query's series) each row starts with a series
// column naming its series. A cfg.Step of 0 takes each series' median interval.
func WriteScores(w io.Writer, series []Series, multi bool, cfg detector.Config) error {
	bw := bufio.NewWriter(w)
	if multi {
		fmt.Fprintln(bw, "series,"+Header)
	}
	for _, s := range series {
		c := cfg
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
		if !multi {
			bw.Write(buf.Bytes())
			continue
		}
		name := csvQuote(s.Name())
		for _, l := range bytes.SplitAfter(buf.Bytes(), []byte("\n"))[1:] {
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

// ReadAny reads a query_range JSON body (multi is true) or a CSV, told apart by
// the first byte that is not white space.
func ReadAny(r io.Reader) (series []Series, multi bool, err error) {
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
