package exporter

// Per-group counters that survive process exits, as process-exporter keeps
// them: a group's counter is what its exited processes used (as last read)
// plus what its live processes have used so far. Summing only the live
// processes made the counter fall whenever a worker exited, which rate()
// reads as a reset and turns into a spike that never happened.

// procID names one process for its lifetime: a pid the kernel hands to a
// later process comes with another start time.
type procID struct {
	pid   int
	start uint64 // starttime from /proc/<pid>/stat, in ticks since boot
}

type trackKey struct {
	group int
	procID
}

// Indexes into procCounters: the cumulative per-process counters the process
// collector turns into per-group counters. A new per-group counter is one
// more index here, filled in addProcess.
const (
	pcCPUTicks          = iota // utime+stime, in USER_HZ ticks
	pcVoluntaryCtxSw           // voluntary_ctxt_switches from /proc/<pid>/status
	pcNonvoluntaryCtxSw        // nonvoluntary_ctxt_switches from /proc/<pid>/status
	pcMajorFaults              // majflt from /proc/<pid>/stat
	pcMinorFaults              // minflt from /proc/<pid>/stat
	pcReadBytes                // read_bytes from /proc/<pid>/io
	pcWriteBytes               // write_bytes from /proc/<pid>/io
	numProcCounters
)

type procCounters [numProcCounters]uint64

func (c *procCounters) add(o *procCounters) {
	for i := range c {
		c[i] += o[i]
	}
}

type trackedProc struct {
	counters procCounters
	// missed counts scrapes in a row in which the process was neither read
	// nor known to have exited (a read error, a cancelled scan).
	missed int
}

const (
	// maxTrackedProcs bounds the table of processes: beyond it a new
	// process is left out of its group's counters (never added, so they stay
	// monotonic) while still counted by the gauges.
	maxTrackedProcs = 1 << 16
	// maxMissedScrapes is how long a process that could not be read is
	// carried before it counts as exited.
	maxMissedScrapes = 5
)

// groupCounters accumulates procCounters per group across scrapes. One scrape
// is begin, observe for each process read, then end.
type groupCounters struct {
	procs map[trackKey]trackedProc // as of the last end
	next  map[trackKey]trackedProc // being built by this scrape
	spare map[trackKey]trackedProc // the one before, reused by begin
	done  []procCounters           // per group: what exited processes used
	total []procCounters           // per group, computed by end
	ever  []bool                   // per group: some process was ever counted
	limit int                      // maxTrackedProcs; smaller in tests
}

func newGroupCounters(groups int) *groupCounters {
	return &groupCounters{
		procs: map[trackKey]trackedProc{},
		done:  make([]procCounters, groups),
		total: make([]procCounters, groups),
		ever:  make([]bool, groups),
		limit: maxTrackedProcs,
	}
}

func (a *groupCounters) begin() {
	if a.spare == nil {
		a.spare = make(map[trackKey]trackedProc, len(a.procs))
	}
	a.next, a.spare = a.spare, nil
	clear(a.next)
}

// observe records the counters just read for one process of a group. It
// reports false when the table is full and the process is left out.
func (a *groupCounters) observe(group int, id procID, cur procCounters) bool {
	k := trackKey{group, id}
	prev, known := a.procs[k]
	if !known {
		if _, dup := a.next[k]; !dup && len(a.next) >= a.limit {
			return false
		}
	}
	for i := range cur {
		if cur[i] < prev.counters[i] {
			cur[i] = prev.counters[i] // a process's own counter never falls; hold it
		}
	}
	a.next[k] = trackedProc{counters: cur}
	a.ever[group] = true
	return true
}

// end retires the processes of the last scrape that this one did not read:
// their counters move to their group's done when the scrape proves them gone
// (settled[group] and their pid not in unsure), and are otherwise carried
// unchanged for up to maxMissedScrapes. Either way a group's total is
// unchanged by it, so totals never fall. It then computes the totals.
func (a *groupCounters) end(settled []bool, unsure map[int]bool) {
	for k, p := range a.procs {
		if _, ok := a.next[k]; ok {
			continue
		}
		if settled[k.group] && !unsure[k.pid] || p.missed >= maxMissedScrapes || len(a.next) >= a.limit {
			a.done[k.group].add(&p.counters)
			continue
		}
		p.missed++
		a.next[k] = p
	}
	a.procs, a.spare, a.next = a.next, a.procs, nil
	copy(a.total, a.done)
	for k, p := range a.procs {
		a.total[k.group].add(&p.counters)
	}
}
