package errtrack

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// stateVersion is the format of the state file; a file of another version is moved
// aside like a corrupt one.
const stateVersion = 1

type stateFile struct {
	Version int          `json:"version"`
	SavedAt time.Time    `json:"saved_at"`
	Groups  []savedGroup `json:"groups"`
}

type savedGroup struct {
	Group
	Hour   int64    `json:"hour"`
	Counts []uint64 `json:"hourly_counts"`
}

// load reads the state file into the empty Tracker. A missing file is a first start;
// one that cannot be read is moved aside, logged and counted, and the Tracker starts
// empty.
func (t *Tracker) load() {
	path := t.cfg.stateFile
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	var st stateFile
	if err == nil {
		err = decodeState(b, &st)
	}
	if err != nil {
		t.m.stateLoads.Inc()
		aside := fmt.Sprintf("%s.corrupt-%s", path, t.cfg.now().UTC().Format("20060102T150405Z"))
		if rerr := os.Rename(path, aside); rerr != nil {
			t.cfg.log().Error("error tracker state file unreadable and not moved aside; starting empty",
				"path", path, "err", err.Error(), "rename_err", rerr.Error())
			return
		}
		t.cfg.log().Error("error tracker state file unreadable, moved aside; starting empty",
			"path", path, "moved_to", aside, "err", err.Error())
		return
	}
	// The most frequent groups get the group labels first.
	slices.SortStableFunc(st.Groups, func(a, b savedGroup) int { return cmp.Compare(b.Count, a.Count) })
	if len(st.Groups) > t.cfg.maxGroups {
		st.Groups = st.Groups[:t.cfg.maxGroups]
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := len(st.Groups) - 1; i >= 0; i-- { // least frequent first, so it ends last in the list
		sg := st.Groups[i]
		g := &group{Group: sg.Group, hour: sg.Hour}
		g.Recent, g.Hourly = nil, nil
		g.nrecent = copy(g.recent[:], sg.Recent)
		copy(g.hourly[:], sg.Counts)
		g.Type = t.typeLabel(g.Type)
		t.groups[g.ID] = g
		t.pushFront(g)
	}
	// Labels in count order, then each group's series made visible at 0, so a restart
	// neither makes a known group look new nor leaves its counter absent until it recurs.
	for _, sg := range st.Groups {
		g := t.groups[sg.ID]
		if len(t.slots) < t.cfg.maxGroupLabels {
			t.slots[g.ID] = true
			g.label = g.ID
			t.m.firstSeen.WithLabelValues(g.Source, g.ID).Set(float64(g.FirstSeen.UnixMilli()) / 1e3)
			t.setInfo(g)
		} else {
			g.label = GroupOther
		}
		if g.Severity > SeverityUnset && g.Severity <= SeverityCritical {
			t.m.groupEvents.WithLabelValues(g.Source, g.label, g.Severity.String())
		}
	}
}

func decodeState(b []byte, st *stateFile) error {
	if err := json.Unmarshal(b, st); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	if st.Version != stateVersion {
		return fmt.Errorf("version %d, want %d", st.Version, stateVersion)
	}
	for i, g := range st.Groups {
		if len(g.ID) != 16 || g.Source == "" {
			return fmt.Errorf("group %d: missing id or source", i)
		}
		if _, ok := ParseState(string(g.State)); !ok {
			return fmt.Errorf("group %s: unknown state %q", g.ID, g.State)
		}
	}
	return nil
}

// Save writes the state file when groups changed since the last write: to a
// temporary file in the same directory, synced, then renamed over the old one, so a
// crash leaves either the old state or the new. Without WithStateFile it does nothing.
func (t *Tracker) Save(ctx context.Context) error {
	if t.cfg.stateFile == "" || !t.dirty.Swap(false) {
		return nil
	}
	if err := t.save(ctx); err != nil {
		t.dirty.Store(true)
		t.m.stateWrites.WithLabelValues("failure").Inc()
		return fmt.Errorf("errtrack: save state: %w", err)
	}
	t.m.stateWrites.WithLabelValues("success").Inc()
	t.m.lastWrite.SetToCurrentTime()
	return nil
}

func (t *Tracker) save(ctx context.Context) error {
	now := t.cfg.now()
	st := stateFile{Version: stateVersion, SavedAt: now.UTC()}
	t.mu.Lock()
	for g := t.lru.next; g != &t.lru; g = g.next {
		sg := savedGroup{Group: g.snapshot(false, now), Hour: g.hour, Counts: slices.Clone(g.hourly[:])}
		if g.Sample != nil {
			s := *g.Sample
			sg.Sample = &s
		}
		st.Groups = append(st.Groups, sg)
	}
	t.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := json.Marshal(&st)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return writeAtomic(t.cfg.stateFile, b)
}

// writeAtomic replaces path with b: write a temporary file beside it, sync, rename,
// sync the directory.
func writeAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary file: %w", err)
	}
	tmp := f.Name()
	_, werr := f.Write(b)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", tmp, werr)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // best effort: not every file system syncs directories
		d.Close()
	}
	return nil
}

// Run writes the state file every save interval while groups change, and once more
// when ctx is done; it returns then. Failed writes are logged, counted and retried.
func (t *Tracker) Run(ctx context.Context) error {
	if t.cfg.stateFile == "" {
		<-ctx.Done()
		return nil
	}
	tick := time.NewTicker(t.cfg.saveInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			// The last write must not be cut short by the cancellation that asks for it.
			if err := t.Save(context.WithoutCancel(ctx)); err != nil {
				t.cfg.log().Error("error tracker state not saved at shutdown", "err", err.Error())
				return err
			}
			return nil
		case <-tick.C:
			if err := t.Save(ctx); err != nil {
				t.cfg.log().Error("error tracker state not saved", "err", err.Error())
			}
		}
	}
}
