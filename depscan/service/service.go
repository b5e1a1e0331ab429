// Package service is perfwatch-depscan's long-running mode: it scans the configured
// roots at start, then on a schedule and whenever a lockfile or manifest under them
// changes, and keeps the last report for the JSON API and the metrics for /metrics.
//
// The advisory database is loaded once at start and reloaded only when its files
// change, so a rescan costs the walk and the matching, not a reload. One scan runs at a
// time; changes that arrive meanwhile make one more scan after it.
package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/perfwatch/perfwatch/depscan/metrics"
	"github.com/perfwatch/perfwatch/depscan/osv"
	"github.com/perfwatch/perfwatch/depscan/scan"
)

// Defaults of Options.
const (
	DefaultInterval = time.Hour
	DefaultDebounce = 2 * time.Second
)

// ReportPath is where Handler serves the last report.
const ReportPath = "/api/v1/report"

// Options configure a Service.
type Options struct {
	// Roots are the directories scanned; every project below them is found.
	Roots []string
	// DBPath is the OSV database: a directory of JSON files, an all.zip, or
	// osv-scanner's --local-db-path directory.
	DBPath string
	// Interval is the time between scheduled scans; zero means DefaultInterval.
	Interval time.Duration
	// Debounce is how long the files must be quiet after a change before the rescan
	// (an editor's save or a package manager's install writes in bursts); zero means
	// DefaultDebounce.
	Debounce time.Duration
	// Watch switches rescans on file changes on; without it only the schedule rescans.
	Watch bool
	// Sources are what each scan consults besides the database (Registry, Policy,
	// GoLicences, Concurrency); its Root, Found, DB and Now are set per scan.
	Sources scan.Options
	// Metrics receives each scan's outcome; New makes one when nil.
	Metrics *metrics.Collector
	Logger  *slog.Logger
}

// Service scans on a schedule and on change. Its methods are safe for concurrent use.
type Service struct {
	o Options

	mu     sync.Mutex
	db     *osv.DB
	report *scan.Report
	scans  int
}

// New checks the options and loads the advisory database.
func New(ctx context.Context, o Options) (*Service, error) {
	if len(o.Roots) == 0 {
		return nil, errors.New("service: no directory to scan")
	}
	for _, r := range o.Roots {
		st, err := os.Stat(r)
		if err != nil {
			return nil, fmt.Errorf("scan.dir: %w", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("scan.dir %s: not a directory", r)
		}
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Debounce <= 0 {
		o.Debounce = DefaultDebounce
	}
	if o.Metrics == nil {
		o.Metrics = metrics.New(metrics.Options{})
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	db, err := LoadDB(ctx, o.DBPath)
	if err != nil {
		return nil, err
	}
	return &Service{o: o, db: db}, nil
}

// LoadDB opens an OSV database: a directory (of JSON files, or osv-scanner's layout
// of zips) or a zip file.
func LoadDB(ctx context.Context, path string) (*osv.DB, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("osv.db: %w", err)
	}
	if st.IsDir() {
		return osv.LoadDir(ctx, path)
	}
	return osv.LoadZip(path)
}

// Metrics is the collector the service updates.
func (s *Service) Metrics() *metrics.Collector { return s.o.Metrics }

// Report is the last successful scan's report, nil before the first.
func (s *Service) Report() *scan.Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.report
}

// Scans counts the scans run, successful or not.
func (s *Service) Scans() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.scans
}

// Handler serves the last report at ReportPath as `scan --format=json` writes it,
// or 503 before the first scan has succeeded.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+ReportPath, func(w http.ResponseWriter, _ *http.Request) {
		r := s.Report()
		if r == nil {
			http.Error(w, "no scan has succeeded yet", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			s.o.Logger.Debug("write report", "err", err) // the client went away
		}
	})
	return mux
}

// ScanOnce scans every root against the current database and records the outcome.
func (s *Service) ScanOnce(ctx context.Context) error {
	start := time.Now()
	s.mu.Lock()
	db := s.db
	s.mu.Unlock()
	r, err := scanRoots(ctx, s.o.Roots, s.o.Sources, db, start)
	took := time.Since(start)
	if err != nil && ctx.Err() != nil {
		return err // stopped, not failed: neither counted nor a reason to alert
	}
	s.mu.Lock()
	s.scans++
	if err == nil {
		s.report = r
	}
	s.mu.Unlock()
	if err != nil {
		s.o.Metrics.Failed(took)
		return err
	}
	s.o.Metrics.Succeeded(r, took, db.Len())
	s.o.Logger.Info("scanned", "projects", len(r.Projects), "problems", len(r.Problems), "duration", took)
	return nil
}

// scanRoots scans each root and merges the reports into one. With more than one root
// the project names start with their root, so that two roots' "." stay apart.
func scanRoots(ctx context.Context, roots []string, sources scan.Options, db *osv.DB, now time.Time) (*scan.Report, error) {
	var out *scan.Report
	for _, root := range roots {
		o := sources
		o.Root, o.Found, o.DB, o.Now = root, nil, db, now
		r, err := scan.Run(ctx, o)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", root, err)
		}
		if len(roots) > 1 {
			for i := range r.Projects {
				r.Projects[i].Name = filepath.ToSlash(filepath.Join(root, r.Projects[i].Name))
			}
		}
		if out == nil {
			out = r
			continue
		}
		out.Projects = append(out.Projects, r.Projects...)
		out.Problems = append(out.Problems, r.Problems...)
		for _, n := range r.Notes {
			if !slices.Contains(out.Notes, n) {
				out.Notes = append(out.Notes, n)
			}
		}
	}
	out.Root = strings.Join(roots, string(os.PathListSeparator))
	return out, nil
}

// reloadDB reads the database again; a database that no longer loads leaves the last
// one in use, so a half-copied update does not stop the scans.
func (s *Service) reloadDB(ctx context.Context) error {
	db, err := LoadDB(ctx, s.o.DBPath)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.db = db
	s.mu.Unlock()
	s.o.Logger.Info("advisory database reloaded", "path", s.o.DBPath, "advisories", db.Len())
	return nil
}
