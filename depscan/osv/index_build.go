package osv

import (
	"archive/zip"
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// parallel calls fn(i) for every i below n on GOMAXPROCS goroutines, since
// inflating and decoding dominate loading a large export. It stops early, and
// returns ctx's error, when ctx is cancelled.
func parallel(ctx context.Context, n int, fn func(i int)) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(n, 1)) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
	return ctx.Err()
}

// isEntryMember reports whether a zip member can be an OSV entry: the exports
// hold only <id>.json members, and anything else is not one.
func isEntryMember(f *zip.File) bool {
	return !f.FileInfo().IsDir() && strings.EqualFold(filepath.Ext(f.Name), ".json")
}

// zipRecords reads every entry member of zr once and returns their records,
// in member order whatever the scheduling.
func zipRecords(ctx context.Context, zr *zip.Reader) ([]byte, error) {
	type result struct {
		s   *sketch
		err error
	}
	results := make([]result, len(zr.File))
	err := parallel(ctx, len(zr.File), func(i int) {
		f := zr.File[i]
		if !isEntryMember(f) {
			return
		}
		if f.UncompressedSize64 > MaxEntryBytes {
			results[i].err = fmt.Errorf("member of %d bytes, more than %d", f.UncompressedSize64, MaxEntryBytes)
			return
		}
		data, err := readMember(f)
		if err != nil {
			results[i].err = err
			return
		}
		results[i].s, results[i].err = decodeSketch(data)
	})
	if err != nil {
		return nil, err
	}
	var b []byte
	for i, r := range results {
		switch {
		case r.err != nil:
			b = appendProblem(b, i, r.err)
		case r.s != nil:
			b = appendSketch(b, i, r.s)
		}
	}
	return b, nil
}

// fileRecords reads loose JSON entries once each and returns their records.
func fileRecords(ctx context.Context, files []string) ([]byte, error) {
	type result struct {
		s   *sketch
		err error
	}
	results := make([]result, len(files))
	err := parallel(ctx, len(files), func(i int) {
		data, err := readFileBounded(files[i])
		if err != nil {
			results[i].err = err
			return
		}
		results[i].s, results[i].err = decodeSketch(data)
	})
	if err != nil {
		return nil, err
	}
	var b []byte
	for i, r := range results {
		if r.err != nil {
			b = appendProblem(b, i, r.err)
		} else {
			b = appendSketch(b, i, r.s)
		}
	}
	return b, nil
}
