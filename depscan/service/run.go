package service

import (
	"context"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Run scans at once, then every Interval and, with Watch, Debounce after the last of
// a burst of changes, until ctx ends. A failed scan is logged and counted, and the
// last good report stays. When the files cannot be watched it says so and relies on
// the schedule alone.
func (s *Service) Run(ctx context.Context) error {
	var (
		events <-chan fsnotify.Event
		errs   <-chan error
		w      *watcher
	)
	if s.o.Watch {
		var err error
		if w, err = newWatcher(s.o.Roots, s.o.DBPath, s.o.Logger); err != nil {
			s.o.Logger.Warn("cannot watch the files; rescanning on the schedule only", "interval", s.o.Interval, "err", err)
		} else {
			defer func() { _ = w.Close() }()
			events, errs = w.w.Events, w.w.Errors
		}
	}
	s.scan(ctx)
	ticker := time.NewTicker(s.o.Interval)
	defer ticker.Stop()
	debounce := time.NewTimer(time.Hour)
	debounce.Stop()
	defer debounce.Stop()
	var dbChanged bool
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			s.scan(ctx)
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			lock, db := w.classify(ev)
			if lock || db {
				s.o.Logger.Debug("change", "path", ev.Name, "op", ev.Op.String())
				dbChanged = dbChanged || db
				debounce.Reset(s.o.Debounce)
			}
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			s.o.Logger.Warn("watching the files", "err", err)
			if overflow(err) {
				debounce.Reset(s.o.Debounce)
			}
		case <-debounce.C:
			if dbChanged {
				dbChanged = false
				if err := s.reloadDB(ctx); err != nil {
					s.o.Logger.Error("reload the advisory database; scanning with the previous one", "err", err)
				}
			}
			s.scan(ctx)
			// The schedule counts from the last scan: a rescan on change is as fresh.
			ticker.Reset(s.o.Interval)
		}
	}
}

func (s *Service) scan(ctx context.Context) {
	if err := s.ScanOnce(ctx); err != nil && ctx.Err() == nil {
		s.o.Logger.Error("scan failed; the last good report stays", "err", err)
	}
}
