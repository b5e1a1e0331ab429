package exporter

import (
	"testing"
)

// TestGroupCounters drives the accumulation behind the per-group counters
// through scrapes of fixture processes: every group total must never fall,
// whatever exits, restarts, reuses a pid or cannot be read.
func TestGroupCounters(t *testing.T) {
	type proc struct {
		group, pid int
		start      uint64
		cpu        uint64 // ticks read this scrape
	}
	type scrape struct {
		procs   []proc
		settled []bool // per group; nil means every group settled
		unsure  []int
		want    []uint64 // per group total, in ticks
		tracked int      // table size after the scrape
	}
	for _, tc := range []struct {
		name    string
		groups  int
		limit   int // 0: maxTrackedProcs
		scrapes []scrape
	}{
		{"worker exits between scrapes", 1, 0, []scrape{
			{procs: []proc{{0, 10, 100, 500}, {0, 11, 200, 300}}, want: []uint64{800}, tracked: 2},
			{procs: []proc{{0, 10, 100, 600}}, want: []uint64{900}, tracked: 1}, // 11 exited at 300
			{procs: []proc{{0, 10, 100, 650}, {0, 12, 900, 5}}, want: []uint64{955}, tracked: 2},
			{procs: nil, want: []uint64{955}, tracked: 0}, // every worker gone: the total stays
			{procs: []proc{{0, 13, 1000, 1}}, want: []uint64{956}, tracked: 1},
		}},
		{"pid reused by a new process", 1, 0, []scrape{
			{procs: []proc{{0, 10, 100, 500}}, want: []uint64{500}, tracked: 1},
			// Same pid, later start: another process, whose 20 ticks add up.
			{procs: []proc{{0, 10, 5000, 20}}, want: []uint64{520}, tracked: 1},
			{procs: []proc{{0, 10, 5000, 30}}, want: []uint64{530}, tracked: 1},
		}},
		{"a process's own counter falling is held", 1, 0, []scrape{
			{procs: []proc{{0, 10, 100, 500}}, want: []uint64{500}, tracked: 1},
			{procs: []proc{{0, 10, 100, 499}}, want: []uint64{500}, tracked: 1},
			{procs: []proc{{0, 10, 100, 510}}, want: []uint64{510}, tracked: 1},
		}},
		{"unsettled scrape carries what it could not read", 1, 0, []scrape{
			{procs: []proc{{0, 10, 100, 500}, {0, 11, 200, 300}}, want: []uint64{800}, tracked: 2},
			// Scan cancelled after pid 10: pid 11 is carried, not retired…
			{procs: []proc{{0, 10, 100, 510}}, settled: []bool{false}, want: []uint64{810}, tracked: 2},
			// …so reading it again adds only what it used since.
			{procs: []proc{{0, 10, 100, 520}, {0, 11, 200, 350}}, want: []uint64{870}, tracked: 2},
		}},
		{"unreadable pid is carried, then retired after maxMissedScrapes", 1, 0, []scrape{
			{procs: []proc{{0, 10, 100, 500}, {0, 11, 200, 300}}, want: []uint64{800}, tracked: 2},
			{procs: []proc{{0, 10, 100, 500}}, unsure: []int{11}, want: []uint64{800}, tracked: 2},
			{procs: []proc{{0, 10, 100, 500}}, unsure: []int{11}, want: []uint64{800}, tracked: 2},
			{procs: []proc{{0, 10, 100, 500}}, unsure: []int{11}, want: []uint64{800}, tracked: 2},
			{procs: []proc{{0, 10, 100, 500}}, unsure: []int{11}, want: []uint64{800}, tracked: 2},
			{procs: []proc{{0, 10, 100, 500}}, unsure: []int{11}, want: []uint64{800}, tracked: 2},
			{procs: []proc{{0, 10, 100, 500}}, unsure: []int{11}, want: []uint64{800}, tracked: 1}, // 6th miss: retired
			{procs: []proc{{0, 10, 100, 500}}, want: []uint64{800}, tracked: 1},
		}},
		{"groups are separate, one process may be in two", 2, 0, []scrape{
			{procs: []proc{{0, 10, 100, 500}, {1, 10, 100, 500}, {1, 20, 300, 40}}, want: []uint64{500, 540}, tracked: 3},
			// pid 10 exits; group 1's pid file now names pid 30.
			{procs: []proc{{1, 30, 900, 7}}, want: []uint64{500, 547}, tracked: 1},
		}},
		{"a full table leaves new processes out and stays monotonic", 1, 2, []scrape{
			{procs: []proc{{0, 10, 100, 500}, {0, 11, 200, 300}, {0, 12, 300, 1000}}, want: []uint64{800}, tracked: 2},
			{procs: []proc{{0, 10, 100, 510}, {0, 12, 300, 1010}}, want: []uint64{1820}, tracked: 2}, // 11 exited: room for 12
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newGroupCounters(tc.groups)
			if tc.limit > 0 {
				a.limit = tc.limit
			}
			prev := make([]uint64, tc.groups)
			for i, s := range tc.scrapes {
				a.begin()
				for _, p := range s.procs {
					var c procCounters
					c[pcCPUTicks] = p.cpu
					a.observe(p.group, procID{p.pid, p.start}, c)
				}
				settled := s.settled
				if settled == nil {
					settled = make([]bool, tc.groups)
					for g := range settled {
						settled[g] = true
					}
				}
				unsure := map[int]bool{}
				for _, pid := range s.unsure {
					unsure[pid] = true
				}
				a.end(settled, unsure)
				for g, want := range s.want {
					got := a.total[g][pcCPUTicks]
					if got != want {
						t.Errorf("scrape %d: group %d total %d, want %d", i, g, got, want)
					}
					if got < prev[g] {
						t.Errorf("scrape %d: group %d fell from %d to %d", i, g, prev[g], got)
					}
					prev[g] = got
				}
				if len(a.procs) != s.tracked {
					t.Errorf("scrape %d: %d processes tracked, want %d", i, len(a.procs), s.tracked)
				}
			}
		})
	}
}

// TestGroupCountersEachIndex checks that every per-process counter is held
// and retired on its own: the I/O bytes of a process whose io stops being
// readable (read as 0) are held while its other counters advance, and every
// index keeps what an exited process had.
func TestGroupCountersEachIndex(t *testing.T) {
	counters := func(base uint64, io uint64) procCounters {
		var c procCounters
		for i := range c {
			c[i] = base * uint64(i+1)
		}
		c[pcReadBytes], c[pcWriteBytes] = io, 2*io
		return c
	}
	a := newGroupCounters(1)
	var prev procCounters
	for i, s := range []struct {
		procs map[procID]procCounters
		want  procCounters
	}{
		{map[procID]procCounters{{10, 1}: counters(100, 1000), {11, 2}: counters(5, 10)}, counters(105, 1010)},
		// 10's io unreadable: its I/O is held at 1000, the rest advances.
		{map[procID]procCounters{{10, 1}: counters(200, 0), {11, 2}: counters(6, 20)}, counters(206, 1020)},
		// 10 exits: every index keeps what it had.
		{map[procID]procCounters{{11, 2}: counters(7, 30)}, counters(207, 1030)},
		{nil, counters(207, 1030)},
	} {
		a.begin()
		for id, c := range s.procs {
			a.observe(0, id, c)
		}
		a.end([]bool{true}, nil)
		if a.total[0] != s.want {
			t.Errorf("scrape %d: total %v, want %v", i, a.total[0], s.want)
		}
		for k := range prev {
			if a.total[0][k] < prev[k] {
				t.Errorf("scrape %d: counter %d fell from %d to %d", i, k, prev[k], a.total[0][k])
			}
		}
		prev = a.total[0]
	}
}
