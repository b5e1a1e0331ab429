// Command nab runs the sidecar's default univariate detector (package
// anomaly/detector) over the NAB subset in ../shared/nab, causally and
// streaming, and writes one results CSV per data file
// (timestamp,value,anomaly_score) for nabscore.py. See README.md for the
// configuration, how it was tuned and the scores.
//
//	go run ./bench/nab -nab ../shared/nab -out /tmp/nab-results
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/perfwatch/perfwatch/anomaly/backtest"
	"github.com/perfwatch/perfwatch/anomaly/baseline"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "nab:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fl := flag.NewFlagSet("nab", flag.ContinueOnError)
	nabDir := fl.String("nab", "../shared/nab", "NAB root holding data/")
	out := fl.String("out", "", "results directory to write (required)")
	which := fl.String("detector", "perfwatch", "perfwatch or windowedGaussian")
	cfg := NABConfig()
	fl.DurationVar(&cfg.Season, "season", cfg.Season, "seasonal cycle (0: none)")
	fl.DurationVar(&cfg.BucketWidth, "bucket-width", cfg.BucketWidth, "seasonal bucket width")
	fl.DurationVar(&cfg.MinHistory, "min-history", cfg.MinHistory, "seasonal history needed")
	fl.DurationVar(&cfg.Warmup, "warmup", cfg.Warmup, "level warm-up")
	fl.DurationVar(&cfg.LevelWindow, "level-window", cfg.LevelWindow, "long-term level span")
	fl.DurationVar(&cfg.ShortWindow, "short-window", cfg.ShortWindow, "short-term level span")
	fl.DurationVar(&cfg.ExtremeBlock, "extreme-block", cfg.ExtremeBlock, "block of the maxima")
	fl.DurationVar(&cfg.ExtremeWindow, "extreme-window", cfg.ExtremeWindow, "span of the block maxima")
	fl.DurationVar(&cfg.SuppressFor, "suppress-for", cfg.SuppressFor, "alarm suppression")
	fl.Float64Var(&cfg.AlarmThreshold, "alarm-threshold", cfg.AlarmThreshold, "probability that alarms")
	fl.Float64Var(&cfg.Clip, "clip", cfg.Clip, "level clipping, in spreads")
	fl.Float64Var(&cfg.SeasonRatio, "season-ratio", cfg.SeasonRatio, "seasonal error ratio below which the season is used")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("-out is required")
	}
	var files []string
	root := filepath.Join(*nabDir, "data")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".csv") {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("list data: %w", err)
	}
	sort.Strings(files)
	var score func([]baseline.Sample) ([]float64, error)
	switch *which {
	case "perfwatch":
		score = func(s []baseline.Sample) ([]float64, error) { return perfwatch(cfg, s) }
	case "windowedGaussian":
		score = func(s []baseline.Sample) ([]float64, error) { return windowedGaussian(s), nil }
	default:
		return fmt.Errorf("unknown -detector %q", *which)
	}
	start := time.Now()
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, rel := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = scoreFile(filepath.Join(root, rel), filepath.Join(*out, rel), score)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "nab: %s: %d files in %v\n", *which, len(files), time.Since(start).Round(time.Millisecond))
	return nil
}

// perfwatch scores samples with the detector; cold start scores 0.
func perfwatch(cfg detectorConfig, samples []baseline.Sample) ([]float64, error) {
	rows, err := backtest.Run(cfg, samples)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(rows))
	for i, r := range rows {
		if r.Scored {
			out[i] = r.Probability
		}
	}
	return out, nil
}

func scoreFile(in, out string, score func([]baseline.Sample) ([]float64, error)) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	samples, err := backtest.ReadCSV(f)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	scores, err := score(samples)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	w, err := os.Create(out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("timestamp,value,anomaly_score\n")
	for i, s := range samples {
		bw.WriteString(s.T.Format("2006-01-02 15:04:05"))
		bw.WriteByte(',')
		bw.WriteString(strconv.FormatFloat(s.V, 'g', -1, 64))
		bw.WriteByte(',')
		bw.WriteString(strconv.FormatFloat(scores[i], 'g', -1, 64))
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		w.Close()
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	return nil
}
