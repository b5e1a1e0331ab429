package backtest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/baseline"
	"github.com/perfwatch/perfwatch/anomaly/detector"
)

// Row is one scored sample. Scored is false for NaN values, samples out of
// order and the cold start; the Result is then empty.
type Row struct {
	T      time.Time
	V      float64
	Scored bool
	detector.Result
}

// Run scores samples in order with a new detector for cfg, causally: each
// sample is scored against the samples before it and then learnt.
func Run(cfg detector.Config, samples []baseline.Sample) ([]Row, error) {
	det, err := detector.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	rows := make([]Row, len(samples))
	for i, s := range samples {
		res, err := det.ScoreUpdate(s.T, s.V)
		rows[i] = Row{T: s.T, V: s.V}
		switch {
		case err == nil:
			rows[i].Scored, rows[i].Result = true, res
		case errors.Is(err, detector.ErrColdStart), errors.Is(err, detector.ErrInvalidValue), errors.Is(err, detector.ErrOutOfOrder):
		default:
			return nil, fmt.Errorf("backtest: sample %d at %s: %w", i, s.T.Format(time.RFC3339), err)
		}
	}
	return rows, nil
}

// Header is the first line WriteCSV writes: anomaly_score is vmanomaly's
// score (1 at the band edge) and probability the detector's Probability
// (0 while an earlier alarm suppresses repeats).
const Header = "timestamp,value,yhat,yhat_lower,yhat_upper,anomaly_score,probability"

// WriteCSV writes rows as CSV under Header, timestamps in RFC 3339 and the
// model's columns empty for rows not scored.
func WriteCSV(w io.Writer, rows []Row) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(Header + "\n")
	var buf []byte
	for _, r := range rows {
		buf = r.T.AppendFormat(buf[:0], time.RFC3339Nano)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, r.V, 'g', -1, 64)
		if r.Scored {
			for _, f := range [...]float64{r.Yhat, r.YhatLower, r.YhatUpper, r.Score, r.Probability} {
				buf = append(buf, ',')
				buf = strconv.AppendFloat(buf, f, 'g', -1, 64)
			}
		} else {
			buf = append(buf, ",,,,,"...)
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}
