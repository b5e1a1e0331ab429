package service

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/fsnotify/fsnotify"

	"github.com/perfwatch/perfwatch/depscan/lockfile"
)

// watcher tells the lockfile and database changes apart among the file events under
// the roots and the database. inotify watches directories, not trees, so every
// directory is added, and directories created later are added as they appear.
type watcher struct {
	w       *fsnotify.Watcher
	parsers []lockfile.Parser
	db      string // the database, cleaned
	dbIsDir bool
	dirs    map[string]bool // watched directories
	log     *slog.Logger
}

func newWatcher(roots []string, db string, log *slog.Logger) (*watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	w := &watcher{w: fw, parsers: lockfile.Parsers(), db: filepath.Clean(db), dirs: map[string]bool{}, log: log}
	for _, r := range roots {
		if err := w.addTree(r, true); err != nil {
			_ = fw.Close()
			return nil, err
		}
	}
	st, err := os.Stat(w.db)
	if err != nil {
		_ = fw.Close()
		return nil, fmt.Errorf("watch %s: %w", db, err)
	}
	w.dbIsDir = st.IsDir()
	dbDir := w.db
	if !w.dbIsDir {
		// A file replaced by a rename is seen only from its directory.
		dbDir = filepath.Dir(w.db)
	}
	if err := w.addTree(dbDir, false); err != nil {
		_ = fw.Close()
		return nil, err
	}
	return w, nil
}

func (w *watcher) Close() error { return w.w.Close() }

// skipDir mirrors the directories lockfile.Walk does not enter (its package doc lists
// them): watching node_modules would cost a watch per installed package for lockfiles
// no scan reads.
func skipDir(name string) bool {
	return name == "node_modules" || name == "vendor" || name == "testdata" || name == "__pycache__" ||
		name == "site-packages" || (strings.HasPrefix(name, ".") && name != "." && name != "..")
}

// addTree watches dir and the directories below it; skip applies Walk's exclusions.
// A directory that cannot be watched is logged and left to the schedule, as the
// root itself is not: without it there is nothing to watch.
func (w *watcher) addTree(dir string, skip bool) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == dir {
				return fmt.Errorf("watch %s: %w", path, err)
			}
			w.log.Warn("not watching a directory; its changes wait for the schedule", "dir", path, "err", err)
			return fs.SkipDir
		}
		if !d.IsDir() {
			return nil
		}
		if skip && path != dir && skipDir(d.Name()) {
			return fs.SkipDir
		}
		if err := w.w.Add(path); err != nil {
			if path == dir {
				return fmt.Errorf("watch %s: %w", path, err)
			}
			w.log.Warn("not watching a directory; its changes wait for the schedule", "dir", path, "err", err)
			return fs.SkipDir
		}
		w.dirs[filepath.Clean(path)] = true
		return nil
	})
}

// classify says whether an event changes what a scan reads (lock) or the advisory
// database (db). A new directory is watched at once and counts as a change, since
// it may arrive with its lockfiles already inside (a clone, a tar extraction).
func (w *watcher) classify(ev fsnotify.Event) (lock, db bool) {
	if ev.Op == fsnotify.Chmod {
		return false, false
	}
	path := filepath.Clean(ev.Name)
	if path == w.db || (w.dbIsDir && strings.HasPrefix(path, w.db+string(filepath.Separator))) {
		db = true
	}
	if ev.Has(fsnotify.Create) {
		if st, err := os.Stat(path); err == nil && st.IsDir() {
			if !db && skipDir(filepath.Base(path)) {
				return false, false
			}
			if err := w.addTree(path, !db); err != nil {
				w.log.Warn("not watching a new directory; its changes wait for the schedule", "err", err)
			}
			return !db, db
		}
	}
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		if w.dirs[path] {
			delete(w.dirs, path)
			return !db, db
		}
	}
	if db {
		return false, true
	}
	base := filepath.Base(path)
	for _, p := range w.parsers {
		if p.Match(base) {
			return true, false
		}
	}
	return lockfile.ReadBeside(base), false
}

// overflow reports an error meaning events were lost, after which only a rescan
// knows what changed.
func overflow(err error) bool { return errors.Is(err, fsnotify.ErrEventOverflow) }
