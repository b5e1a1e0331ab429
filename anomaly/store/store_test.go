package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// clock is a test clock that moves one second per reading, so that files
// moved aside get distinct names.
type clock struct{ n atomic.Int64 }

func (c *clock) now() time.Time { return time.Unix(1_700_000_000+c.n.Add(1), 123456789) }

func open(t *testing.T, dir string, opts Options) *Store {
	t.Helper()
	if opts.Now == nil {
		opts.Now = (&clock{}).now
	}
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// names lists dir's entries, sorted.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// recrc rewrites a file's trailing checksum, to forge intact files.
func recrc(b []byte) []byte {
	n := len(b) - crcLen
	binary.LittleEndian.PutUint32(b[n:], crc32.Checksum(b[:n], crc32.MakeTable(crc32.Castagnoli)))
	return b
}

func TestRoundTrip(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	for _, tc := range []struct {
		key, kind string
		version   uint32
		payload   []byte
	}{
		{"latency_p99/0123456789abcdef", "iforest", 1, []byte("forest bytes")},
		{"baseline:rps", "baseline", 7, bytes.Repeat([]byte{0, 1, 2, 255}, 10000)},
		{"empty payload", "rforest", 0, nil},
		{"k", strings.Repeat("x", MaxKindLen), 1<<32 - 1, []byte{42}},
	} {
		if err := s.Save(tc.key, tc.kind, tc.version, tc.payload); err != nil {
			t.Fatal(err)
		}
		m, err := s.Load(tc.key, tc.kind, tc.version)
		if err != nil {
			t.Fatal(err)
		}
		if m.Key != tc.key || m.Kind != tc.kind || m.ModelVersion != tc.version || !bytes.Equal(m.Payload, tc.payload) {
			t.Errorf("%q: loaded %q %q v%d %d bytes", tc.key, m.Key, m.Kind, m.ModelVersion, len(m.Payload))
		}
		if m.Created.Nanosecond() != 123456789 || m.Created.Location() != time.UTC || m.Created.Year() != 2023 {
			t.Errorf("%q: created %v", tc.key, m.Created)
		}
	}
	// A second save replaces the first.
	if err := s.Save("k", "iforest", 2, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if m, err := s.Load("k", "iforest", 2); err != nil || string(m.Payload) != "new" {
		t.Fatalf("after overwrite: %q, %v", m.Payload, err)
	}
	if _, err := s.Load("absent", "iforest", 1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("absent key: %v, want ErrNotFound", err)
	}
	st := s.Stats()
	if st.SavesOK != 5 || st.LoadsOK != 5 || st.LoadsNotFound != 1 || st.BytesWritten == 0 || st.BytesRead == 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestCorruption(t *testing.T) {
	const key, kind, version = "q/series-1", "iforest", 3
	payload := []byte("0123456789")
	fileLen := headerLen + len(kind) + len(key) + len(payload) + crcLen
	payloadAt := headerLen + len(kind) + len(key)
	flip := func(i int) func([]byte) []byte {
		return func(b []byte) []byte { b[i] ^= 0xff; return b }
	}
	type tc struct {
		name   string
		mutate func([]byte) []byte
		kind   string
		vers   uint32
		want   error
	}
	var cases []tc
	for i := range payloadAt {
		cases = append(cases, tc{name: fmt.Sprintf("flip header byte %d", i), mutate: flip(i), want: ErrCorrupt})
	}
	for _, i := range []int{payloadAt, payloadAt + 5, fileLen - crcLen - 1} {
		cases = append(cases, tc{name: fmt.Sprintf("flip payload byte %d", i), mutate: flip(i), want: ErrCorrupt})
	}
	for i := fileLen - crcLen; i < fileLen; i++ {
		cases = append(cases, tc{name: fmt.Sprintf("flip checksum byte %d", i), mutate: flip(i), want: ErrCorrupt})
	}
	for n := range fileLen {
		cases = append(cases, tc{name: fmt.Sprintf("truncate to %d", n), mutate: func(b []byte) []byte { return b[:n] }, want: ErrCorrupt})
	}
	cases = append(cases,
		tc{name: "trailing byte", mutate: func(b []byte) []byte { return append(b, 0) }, want: ErrCorrupt},
		tc{name: "future format version", mutate: func(b []byte) []byte {
			binary.LittleEndian.PutUint16(b[4:], FormatVersion+1)
			return recrc(b)
		}, want: ErrVersion},
		tc{name: "payload length beyond file, checksum intact", mutate: func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[24:], 1<<62)
			return recrc(b)
		}, want: ErrCorrupt},
		tc{name: "kind length 0, checksum intact", mutate: func(b []byte) []byte {
			binary.LittleEndian.PutUint16(b[6:], 0)
			return recrc(b)
		}, want: ErrCorrupt},
		tc{name: "another key, checksum intact", mutate: func(b []byte) []byte {
			b[payloadAt-1] = 'X'
			return recrc(b)
		}, want: ErrCorrupt},
		tc{name: "another kind", kind: "rforest", want: ErrVersion},
		tc{name: "older model version", vers: version - 1, want: ErrVersion},
		tc{name: "too large", mutate: func(b []byte) []byte { return append(b, make([]byte, 1000)...) }, want: ErrTooLarge},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := open(t, dir, Options{MaxFileSize: 500, MaxAside: 1000})
			if err := s.Save(key, kind, version, payload); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, FileName(key))
			if c.mutate != nil {
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if len(b) != fileLen {
					t.Fatalf("file of %d bytes, want %d", len(b), fileLen)
				}
				if err := os.WriteFile(path, c.mutate(b), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			wantKind, wantVers := kind, uint32(version)
			if c.kind != "" {
				wantKind = c.kind
			}
			if c.vers != 0 {
				wantVers = c.vers
			}
			_, err := s.Load(key, wantKind, wantVers)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			var le *LoadError
			if !errors.As(err, &le) || le.Aside == "" || le.Key != key || le.Path != path {
				t.Fatalf("err = %#v, want a *LoadError with the file moved aside", err)
			}
			if _, err := os.Stat(le.Aside); err != nil {
				t.Fatalf("moved-aside file: %v", err)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("bad file still in place: %v", err)
			}
			if !strings.HasPrefix(filepath.Base(le.Aside), FileName(key)+".corrupt-") {
				t.Fatalf("moved to %s", le.Aside)
			}
			// The next load finds nothing, and a refit saves and loads again.
			if _, err := s.Load(key, kind, version); !errors.Is(err, ErrNotFound) {
				t.Fatalf("second load: %v, want ErrNotFound", err)
			}
			if err := s.Save(key, kind, version, payload); err != nil {
				t.Fatal(err)
			}
			if m, err := s.Load(key, kind, version); err != nil || !bytes.Equal(m.Payload, payload) {
				t.Fatalf("after refit: %q, %v", m.Payload, err)
			}
			if st := s.Stats(); st.MovedAside != 1 || st.LoadsCorrupt+st.LoadsVersion+st.LoadsTooLarge != 1 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

func TestAsideBounded(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{MaxAside: 3})
	for i := range 6 {
		if err := os.WriteFile(filepath.Join(dir, FileName("k")), []byte(fmt.Sprintf("junk %d", i)), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Load("k", "iforest", 1); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("load %d: %v", i, err)
		}
	}
	got := names(t, dir)
	if len(got) != 3 {
		t.Fatalf("directory holds %v, want the 3 newest aside files", got)
	}
	// The clock ticks once per reading; the newest three are kept.
	for _, name := range got {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("junk ")) || b[5] < '3' {
			t.Fatalf("kept %s holding %q, want one of the newest", name, b)
		}
	}
	if st := s.Stats(); st.MovedAside != 6 || st.AsideDeleted != 3 {
		t.Fatalf("stats %+v", st)
	}
	// MaxAside < 0 deletes bad files at once.
	s2 := open(t, dir, Options{MaxAside: -1})
	if err := os.WriteFile(filepath.Join(dir, FileName("k")), []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Load("k", "iforest", 1); !errors.Is(err, ErrCorrupt) {
		t.Fatal(err)
	}
	if got := names(t, dir); len(got) != 0 {
		t.Fatalf("MaxAside -1 left %v", got)
	}
}

func TestCrashBeforeRename(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	if err := s.Save("k", "iforest", 1, []byte("old")); err != nil {
		t.Fatal(err)
	}
	// A crash after writing the new version and before the rename leaves
	// its temporary file, complete or not, next to the old one.
	tmp := filepath.Join(dir, "."+FileName("k")+".tmp-123456")
	if err := os.WriteFile(tmp, []byte("PWMS half a new mod"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad, err := s.LoadAll(context.Background(), nil, func(Model) error { return nil })
	if err != nil || len(bad) != 0 {
		t.Fatalf("LoadAll with a temporary file present: %v, %v", bad, err)
	}
	s = open(t, dir, Options{})
	if st := s.Stats(); st.TempRemoved != 1 {
		t.Fatalf("Open removed %d temporary files, want 1", st.TempRemoved)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temporary file after Open: %v", err)
	}
	m, err := s.Load("k", "iforest", 1)
	if err != nil || string(m.Payload) != "old" {
		t.Fatalf("old model after the crash: %q, %v", m.Payload, err)
	}
}

func TestFileNames(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	keys := []string{
		"a", ".", "..", "../../../etc/passwd", "/abs/path", `C:\win\path`, "a/b", "a_b", "a\x00b", "a\x00c",
		"日本語/ключ/🙂", strings.Repeat("long/", 2000), strings.Repeat("x", MaxKeyLen), ".hidden", "-dash",
		"name.model", "x.model.tmp-1", "x.model.corrupt-1", "\xff\xfe invalid utf-8",
	}
	seen := map[string]string{}
	for _, key := range keys {
		name := FileName(key)
		if strings.ContainsAny(name, "/\\\x00") || strings.HasPrefix(name, ".") || filepath.Base(name) != name ||
			!filepath.IsLocal(name) || len(name) > 79 || !strings.HasSuffix(name, modelExt) {
			t.Errorf("key %.40q: name %q escapes or hides", key, name)
		}
		if other, ok := seen[name]; ok {
			t.Errorf("keys %.40q and %.40q share the name %q", key, other, name)
		}
		seen[name] = key
		if err := s.Save(key, "iforest", 1, []byte(key)); err != nil {
			t.Fatalf("save %.40q: %v", key, err)
		}
		if m, err := s.Load(key, "iforest", 1); err != nil || m.Key != key || string(m.Payload) != key {
			t.Fatalf("load %.40q: %v", key, err)
		}
	}
	if got := names(t, dir); len(got) != len(keys) {
		t.Fatalf("directory holds %d files, want %d", len(got), len(keys))
	}
	if name := FileName("latency_p99/{job=api}"); !strings.HasPrefix(name, "latency_p99__job_api_-") {
		t.Errorf("readable prefix lost: %q", name)
	}
	for _, bad := range []string{"", strings.Repeat("x", MaxKeyLen+1)} {
		if err := s.Save(bad, "iforest", 1, nil); err == nil {
			t.Errorf("save of a %d-byte key succeeded", len(bad))
		}
	}
	if err := s.Save("k", "", 1, nil); err == nil {
		t.Error("save with an empty kind succeeded")
	}
}

func TestSaveTooLarge(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{MaxFileSize: 100})
	if err := s.Save("k", "iforest", 1, make([]byte, 100)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if got := names(t, dir); len(got) != 0 {
		t.Fatalf("a refused save left %v", got)
	}
	if st := s.Stats(); st.SavesFailed != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestLoadAll(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	want := map[string]uint32{"iforest": 2, "baseline": 1}
	good := map[string]string{"a": "iforest", "b": "iforest", "c": "baseline", "d/e": "baseline", "日本": "iforest"}
	for key, kind := range good {
		if err := s.Save(key, kind, want[kind], []byte(key)); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Save("old", "iforest", 1, nil))      // older model version
	must(s.Save("gone", "seasonal-v0", 1, nil)) // a kind no longer read
	must(os.WriteFile(filepath.Join(dir, FileName("junk")), []byte("not a model"), 0o600))
	must(s.Save("renamed", "iforest", 2, nil)) // a valid file under another key's name
	must(os.Rename(filepath.Join(dir, FileName("renamed")), filepath.Join(dir, FileName("elsewhere"))))
	must(os.WriteFile(filepath.Join(dir, "README"), []byte("not ours"), 0o600))
	must(os.WriteFile(filepath.Join(dir, ".x.model.tmp-9"), []byte("in flight"), 0o600))

	got := map[string]string{}
	bad, err := s.LoadAll(context.Background(), want, func(m Model) error {
		got[m.Key] = m.Kind
		if string(m.Payload) != m.Key {
			t.Errorf("%q: payload %q", m.Key, m.Payload)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(good) {
		t.Fatalf("restored %v, want %v", got, good)
	}
	var reasons []string
	for _, le := range bad {
		if le.Aside == "" {
			t.Errorf("%v: not moved aside", le)
		}
		switch {
		case errors.Is(le, ErrVersion):
			reasons = append(reasons, "version")
		case errors.Is(le, ErrCorrupt):
			reasons = append(reasons, "corrupt")
		default:
			t.Errorf("unexpected report %v", le)
		}
		t.Log(le)
	}
	slices.Sort(reasons)
	if !slices.Equal(reasons, []string{"corrupt", "corrupt", "version", "version"}) {
		t.Fatalf("reports %v, want two corrupt and two version", reasons)
	}
	// The second start trips on nothing.
	n := 0
	bad, err = s.LoadAll(context.Background(), want, func(Model) error { n++; return nil })
	if err != nil || len(bad) != 0 || n != len(good) {
		t.Fatalf("second LoadAll: %d models, %v, %v", n, bad, err)
	}
	// nil want takes every kind and version.
	must(s.Save("any", "whatever", 99, nil))
	n = 0
	if _, err := s.LoadAll(context.Background(), nil, func(Model) error { n++; return nil }); err != nil || n != len(good)+1 {
		t.Fatalf("LoadAll(nil): %d models, %v", n, err)
	}
	// fn's error stops the walk; so does a done context.
	stop := errors.New("stop")
	n = 0
	if _, err := s.LoadAll(context.Background(), nil, func(Model) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Fatalf("fn error: %d calls, %v", n, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.LoadAll(ctx, nil, func(Model) error { t.Fatal("called"); return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestDeletePrune(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		if err := s.Save(k, "iforest", 1, []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	junk := filepath.Join(dir, FileName("junk"))
	if err := os.WriteFile(junk, []byte("PWMS"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("e"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("e"); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	live := map[string]bool{"a": true, "c": true}
	n, err := s.Prune(context.Background(), func(k string) bool { return live[k] })
	if err != nil || n != 2 {
		t.Fatalf("Prune deleted %d, %v; want 2", n, err)
	}
	for k, want := range map[string]error{"a": nil, "b": ErrNotFound, "c": nil, "d": ErrNotFound, "e": ErrNotFound} {
		if _, err := s.Load(k, "iforest", 1); !errors.Is(err, want) {
			t.Errorf("load %q: %v, want %v", k, err, want)
		}
	}
	if _, err := os.Stat(junk); err != nil {
		t.Fatalf("Prune touched a file it cannot read: %v", err)
	}
	if st := s.Stats(); st.Deleted != 3 {
		t.Fatalf("stats %+v", st)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Prune(ctx, func(string) bool { return false }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled prune: %v", err)
	}
}

func TestConcurrent(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	payloads := [][]byte{bytes.Repeat([]byte{1}, 5000), bytes.Repeat([]byte{2}, 7000)}
	if err := s.Save("shared", "iforest", 1, payloads[0]); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := range 4 {
		wg.Go(func() {
			own := fmt.Sprintf("own-%d", g)
			for i := range 20 {
				if err := s.Save(own, "iforest", 1, []byte(own)); err != nil {
					errs <- err
					return
				}
				if m, err := s.Load(own, "iforest", 1); err != nil || string(m.Payload) != own {
					errs <- fmt.Errorf("%s: %q, %v", own, m.Payload, err)
					return
				}
				// One key saved and loaded by every goroutine: a load
				// sees one complete version or the other.
				if err := s.Save("shared", "iforest", 1, payloads[(g+i)%2]); err != nil {
					errs <- err
					return
				}
				m, err := s.Load("shared", "iforest", 1)
				if err != nil || !bytes.Equal(m.Payload, payloads[0]) && !bytes.Equal(m.Payload, payloads[1]) {
					errs <- fmt.Errorf("shared: %d bytes, %v", len(m.Payload), err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCollector(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	if err := s.Save("k", "iforest", 1, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load("k", "iforest", 2); !errors.Is(err, ErrVersion) {
		t.Fatal(err)
	}
	c := s.Collector()
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) != 0 {
		t.Fatalf("lint: %v %v", problems, err)
	}
	want := `
# HELP perfwatch_anomaly_model_store_loads_total Model file loads by result: success, not_found, corrupt, version (another format, kind or model version), too_large, io_error.
# TYPE perfwatch_anomaly_model_store_loads_total counter
perfwatch_anomaly_model_store_loads_total{result="corrupt"} 0
perfwatch_anomaly_model_store_loads_total{result="io_error"} 0
perfwatch_anomaly_model_store_loads_total{result="not_found"} 0
perfwatch_anomaly_model_store_loads_total{result="success"} 0
perfwatch_anomaly_model_store_loads_total{result="too_large"} 0
perfwatch_anomaly_model_store_loads_total{result="version"} 1
# HELP perfwatch_anomaly_model_store_moved_aside_total Unusable model files renamed to <name>.corrupt-<unix> for a refit.
# TYPE perfwatch_anomaly_model_store_moved_aside_total counter
perfwatch_anomaly_model_store_moved_aside_total 1
# HELP perfwatch_anomaly_model_store_saves_total Model saves by result: success, failure.
# TYPE perfwatch_anomaly_model_store_saves_total counter
perfwatch_anomaly_model_store_saves_total{result="failure"} 0
perfwatch_anomaly_model_store_saves_total{result="success"} 1
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want),
		"perfwatch_anomaly_model_store_loads_total", "perfwatch_anomaly_model_store_saves_total", "perfwatch_anomaly_model_store_moved_aside_total"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(c); n != 6+2+6 {
		t.Fatalf("%d series, want 14", n)
	}
}

// FuzzDecode checks that no file content panics the decoder, that every
// refusal is ErrCorrupt or ErrVersion, and that what decodes is what Save
// would write. Run by hand: go test -run '^$' -fuzz FuzzDecode -fuzztime 30s ./anomaly/store
func FuzzDecode(f *testing.F) {
	dir := f.TempDir()
	s, err := Open(dir, Options{Now: (&clock{}).now})
	if err != nil {
		f.Fatal(err)
	}
	for i, payload := range [][]byte{nil, []byte("x"), bytes.Repeat([]byte("ab"), 40)} {
		key := fmt.Sprintf("key/%d", i)
		if err := s.Save(key, "iforest", uint32(i), payload); err != nil {
			f.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, FileName(key)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
		future := recrc(bytes.Clone(b))
		future[4]++
		f.Add(recrc(future))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := s.decode(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
				t.Fatalf("error %v is neither ErrCorrupt nor ErrVersion", err)
			}
			return
		}
		if len(m.Key) == 0 || len(m.Kind) == 0 || len(m.Payload) > len(data) {
			t.Fatalf("decoded %+v from %d bytes", m, len(data))
		}
		// Save writes exactly these bytes for the same model and time.
		s2, err := Open(t.TempDir(), Options{Now: func() time.Time { return m.Created }})
		if err != nil {
			t.Fatal(err)
		}
		if err := s2.Save(m.Key, m.Kind, m.ModelVersion, m.Payload); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(s2.Dir(), FileName(m.Key)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, data) {
			t.Fatalf("re-saved file differs:\n in %x\nout %x", data, b)
		}
	})
}

// BenchmarkSave and BenchmarkLoad use a 1 MiB payload, about ten default
// Isolation Forests; Save's cost is mostly the two fsyncs.
func BenchmarkSave(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	payload := bytes.Repeat([]byte{7}, 1<<20)
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if err := s.Save("k", "iforest", 1, payload); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	payload := bytes.Repeat([]byte{7}, 1<<20)
	if err := s.Save("k", "iforest", 1, payload); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if _, err := s.Load("k", "iforest", 1); err != nil {
			b.Fatal(err)
		}
	}
}
