package exporter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	"github.com/prometheus/procfs"
)

type processMatcher struct {
	name    string
	comm    *regexp.Regexp
	cmdline *regexp.Regexp
	pidFile string
}

// procKey identifies a process across scrapes; the comm guards against a pid
// being reused by another program.
type procKey struct {
	pid  int
	comm string
}

// processCollector sums the resources of the processes matching each
// configured name. It uses procfs, as the architecture asks: it only runs
// when processes are configured, and its cost is per watched process.
type processCollector struct {
	fs       procfs.FS
	root     string // the procfs mount point
	pathBuf  []byte // reused by procFile
	statPath string
	file     fileBuffer
	matchers []processMatcher
	needScan bool // some matcher selects by comm or cmdline
	// match caches which matcher (or -1) each process belongs to, so the
	// regexes run once per process rather than once per scrape.
	match map[procKey]int
	// counters keeps the per-group counters monotonic across process exits.
	counters *groupCounters
	unsure   map[int]bool // reused by each scrape
	// ioEver[i]: the I/O of some process of group i was read and counted;
	// until then the group's I/O byte counters are not exported.
	ioEver []bool

	count, cpu, rss, fds, threads, start *Desc
	ctxSwitches, majFaults, minFaults    *Desc
	readBytes, writeBytes, ioUnreadable  *Desc
}

type processTotals struct {
	count, threads, rss, fds int
	fdsOK                    bool
	ioUnreadable             int     // processes whose /proc/<pid>/io could not be read
	start                    float64 // oldest start time, 0 when none
}

func newProcessCollector(cfg Config) (Collector, error) {
	pfs, err := procfs.NewFS(cfg.ProcFS)
	if err != nil {
		return nil, fmt.Errorf("open procfs %s: %w", cfg.ProcFS, err)
	}
	c := &processCollector{
		fs:           pfs,
		root:         cfg.ProcFS,
		statPath:     filepath.Join(cfg.ProcFS, "stat"),
		match:        map[procKey]int{},
		count:        NewDesc("perfwatch_process_instances", "Number of running processes matching the watched process name.", Gauge, "name"),
		cpu:          NewDesc("perfwatch_process_cpu_seconds_total", "User and system CPU time of the matching processes, in seconds, including what processes that have exited used since the exporter started.", Counter, "name"),
		rss:          NewDesc("perfwatch_process_resident_memory_bytes", "Resident memory of the matching processes, in bytes.", Gauge, "name"),
		fds:          NewDesc("perfwatch_process_open_fds", "Open file descriptors of the matching processes.", Gauge, "name"),
		threads:      NewDesc("perfwatch_process_threads", "Threads of the matching processes.", Gauge, "name"),
		start:        NewDesc("perfwatch_process_start_time_seconds", "Start time of the oldest matching process, in seconds since the Unix epoch.", Gauge, "name"),
		ctxSwitches:  NewDesc("perfwatch_process_context_switches_total", "Context switches of the matching processes, voluntary or not, including what processes that have exited had since the exporter started.", Counter, "name", "ctxswitchtype"),
		majFaults:    NewDesc("perfwatch_process_major_page_faults_total", "Major page faults (that read from disk) of the matching processes, including what processes that have exited had since the exporter started.", Counter, "name"),
		minFaults:    NewDesc("perfwatch_process_minor_page_faults_total", "Minor page faults of the matching processes, including what processes that have exited had since the exporter started.", Counter, "name"),
		readBytes:    NewDesc("perfwatch_process_read_bytes_total", "Bytes the matching processes caused to be read from storage, including what processes that have exited read since the exporter started. Only processes whose /proc/<pid>/io the exporter may read (its own user's, or all with CAP_SYS_PTRACE) are counted: see perfwatch_process_io_unreadable. Absent until one is.", Counter, "name"),
		writeBytes:   NewDesc("perfwatch_process_write_bytes_total", "Bytes the matching processes caused to be written to storage, including what processes that have exited wrote since the exporter started. Only processes whose /proc/<pid>/io the exporter may read are counted, as for perfwatch_process_read_bytes_total.", Counter, "name"),
		ioUnreadable: NewDesc("perfwatch_process_io_unreadable", "Matching processes whose /proc/<pid>/io the exporter could not read (another user's, without CAP_SYS_PTRACE), and which are therefore left out of perfwatch_process_read_bytes_total and perfwatch_process_write_bytes_total.", Gauge, "name"),
	}
	for _, p := range cfg.Processes {
		if err := p.validate(); err != nil {
			return nil, fmt.Errorf("process config: %w", err)
		}
		m := processMatcher{name: p.Name, pidFile: p.PIDFile}
		if p.Comm != "" {
			m.comm = regexp.MustCompile(p.Comm) // validated above
			c.needScan = true
		}
		if p.Cmdline != "" {
			m.cmdline = regexp.MustCompile(p.Cmdline)
			c.needScan = true
		}
		c.matchers = append(c.matchers, m)
	}
	c.counters = newGroupCounters(len(c.matchers))
	c.unsure = map[int]bool{}
	c.ioEver = make([]bool, len(c.matchers))
	return c, nil
}

func (c *processCollector) Descs() []*Desc {
	return []*Desc{c.count, c.cpu, c.rss, c.fds, c.threads, c.start,
		c.ctxSwitches, c.majFaults, c.minFaults, c.readBytes, c.writeBytes, c.ioUnreadable}
}

func (c *processCollector) Update(ctx context.Context, b *Batch) error {
	if len(c.matchers) == 0 {
		return nil
	}
	bootTime, err := c.bootTime()
	if err != nil {
		return err
	}
	totals := make([]processTotals, len(c.matchers))
	// settled[i]: this scrape read every process of group i, so a process
	// of the last scrape it did not read has exited.
	settled := make([]bool, len(c.matchers))
	unsure := c.unsure // pids listed but unreadable: not known to have exited
	clear(unsure)
	c.counters.begin()
	var errs []error
	for i, m := range c.matchers {
		if m.pidFile == "" {
			continue
		}
		ok, err := c.addPIDFile(i, m.pidFile, bootTime, &totals[i])
		settled[i] = ok
		if err != nil {
			errs = append(errs, fmt.Errorf("process %q: %w", m.name, err))
		}
	}
	if c.needScan {
		complete, err := c.scan(ctx, bootTime, totals, unsure)
		if err != nil {
			errs = append(errs, err)
		}
		for i, m := range c.matchers {
			if m.pidFile == "" {
				settled[i] = complete
			}
		}
	}
	c.counters.end(settled, unsure)
	for i, m := range c.matchers {
		t := &totals[i]
		b.Add(c.count, float64(t.count), m.name)
		if c.counters.ever[i] {
			// Exported while the group has no process too, so that it
			// carries on from the same value when one starts again.
			tot := &c.counters.total[i]
			b.Add(c.cpu, float64(tot[pcCPUTicks])/userHZ, m.name)
			b.Add(c.ctxSwitches, float64(tot[pcVoluntaryCtxSw]), m.name, "voluntary")
			b.Add(c.ctxSwitches, float64(tot[pcNonvoluntaryCtxSw]), m.name, "nonvoluntary")
			b.Add(c.majFaults, float64(tot[pcMajorFaults]), m.name)
			b.Add(c.minFaults, float64(tot[pcMinorFaults]), m.name)
		}
		if c.ioEver[i] {
			tot := &c.counters.total[i]
			b.Add(c.readBytes, float64(tot[pcReadBytes]), m.name)
			b.Add(c.writeBytes, float64(tot[pcWriteBytes]), m.name)
		}
		if t.count == 0 {
			continue
		}
		b.Add(c.rss, float64(t.rss), m.name)
		b.Add(c.threads, float64(t.threads), m.name)
		b.Add(c.start, t.start, m.name)
		if t.fdsOK {
			b.Add(c.fds, float64(t.fds), m.name)
		}
		b.Add(c.ioUnreadable, float64(t.ioUnreadable), m.name)
	}
	return errors.Join(errs...)
}

// scan reads every process, classifies it and adds the matching ones to
// totals and the group counters. complete reports that every listed process
// was either read or found gone; the pids of the others go into unsure.
func (c *processCollector) scan(ctx context.Context, bootTime float64, totals []processTotals, unsure map[int]bool) (complete bool, _ error) {
	procs, err := c.fs.AllProcs()
	if err != nil {
		return false, fmt.Errorf("list processes: %w", err)
	}
	next := make(map[procKey]int, len(c.match))
	var errs []error
	for _, p := range procs {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		comm, err := p.Comm()
		if err != nil {
			if !gone(err) {
				unsure[p.PID] = true
				errs = append(errs, fmt.Errorf("pid %d: %w", p.PID, err))
			}
			continue
		}
		key := procKey{p.PID, comm}
		idx, ok := c.match[key]
		if !ok {
			idx = c.classify(p, comm)
		}
		next[key] = idx
		if idx < 0 || c.matchers[idx].pidFile != "" {
			continue
		}
		if err := c.addProcess(idx, p, bootTime, &totals[idx]); err != nil && !gone(err) {
			unsure[p.PID] = true
			errs = append(errs, fmt.Errorf("pid %d: %w", p.PID, err))
		}
	}
	c.match = next // drops processes that exited
	return true, errors.Join(errs...)
}

// classify returns the first matcher that selects the process, or -1.
func (c *processCollector) classify(p procfs.Proc, comm string) int {
	var cmdline string
	cmdlineRead := false
	for i, m := range c.matchers {
		switch {
		case m.comm != nil:
			if m.comm.MatchString(comm) {
				return i
			}
		case m.cmdline != nil:
			if !cmdlineRead {
				args, err := p.CmdLine()
				if err != nil {
					return -1 // exited or a kernel thread; retried if it reappears
				}
				cmdline, cmdlineRead = strings.Join(args, " "), true
			}
			if m.cmdline.MatchString(cmdline) {
				return i
			}
		}
	}
	return -1
}

// addPIDFile adds the process named by a pid file to group i. settled
// reports that the group's process is known: read, or not running.
func (c *processCollector) addPIDFile(i int, path string, bootTime float64, t *processTotals) (settled bool, _ error) {
	s, err := readFileString(path)
	if err != nil {
		return false, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || pid <= 0 {
		return false, fmt.Errorf("pid file %s: not a pid: %q", path, truncate([]byte(s)))
	}
	p, err := c.fs.Proc(pid)
	if err != nil {
		if gone(err) {
			return true, nil // stale pid file: the process is not running
		}
		return false, fmt.Errorf("pid %d from %s: %w", pid, path, err)
	}
	if err := c.addProcess(i, p, bootTime, t); err != nil && !gone(err) {
		return false, fmt.Errorf("pid %d from %s: %w", pid, path, err)
	}
	return true, nil
}

// addProcess adds one process of group i to its totals and counters.
func (c *processCollector) addProcess(i int, p procfs.Proc, bootTime float64, t *processTotals) error {
	st, err := p.Stat()
	if err != nil {
		return fmt.Errorf("read stat: %w", err)
	}
	var counters procCounters
	counters[pcCPUTicks] = uint64(st.UTime) + uint64(st.STime)
	counters[pcMajorFaults] = uint64(st.MajFlt)
	counters[pcMinorFaults] = uint64(st.MinFlt)
	if err := c.readCtxSwitches(p.PID, &counters); err != nil {
		return fmt.Errorf("read status: %w", err)
	}
	fds, fdErr := p.FileDescriptorsLen()
	if fdErr != nil && gone(fdErr) {
		return fdErr
	}
	// Read last: any error, even ENOENT (a kernel without task I/O
	// accounting has no io file), is taken as unreadable rather than as an
	// exit, which the reads above have ruled out. An unreadable io leaves
	// its counters at 0, which observe holds at what was last read: a
	// process that becomes unreadable keeps what it had, one never readable
	// adds nothing.
	ioErr := c.readIO(p.PID, &counters)
	if c.counters.observe(i, procID{p.PID, st.Starttime}, counters) && ioErr == nil {
		c.ioEver[i] = true
	}
	start := bootTime + float64(st.Starttime)/userHZ
	if t.count == 0 || start < t.start {
		t.start = start
	}
	if t.count == 0 {
		t.fdsOK = true
	}
	t.count++
	t.rss += st.ResidentMemory()
	t.threads += st.NumThreads
	if fdErr != nil {
		// Another user's process without CAP_SYS_PTRACE: a partial sum would
		// mislead, so open_fds is left out for this name.
		t.fdsOK = false
	} else {
		t.fds += fds
	}
	if ioErr != nil {
		// Another user's process without CAP_SYS_PTRACE (EACCES): left out
		// of the I/O counters and counted here, rather than failing the
		// scrape or the group's other counters.
		t.ioUnreadable++
	}
	return nil
}

// procFile returns the path of /proc/<pid>/<name>, built in a buffer kept
// between calls.
func (c *processCollector) procFile(pid int, name string) string {
	b := append(c.pathBuf[:0], c.root...)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(pid), 10)
	b = append(b, '/')
	b = append(b, name...)
	c.pathBuf = b
	return string(b)
}

// readCtxSwitches fills in the context switches from /proc/<pid>/status.
// procfs's Proc.NewStatus parses all of its ~60 lines into strings, which
// more than doubled the collector's cost per process; only two lines are
// needed. A kernel that has neither (before 2.6.23) leaves them 0.
func (c *processCollector) readCtxSwitches(pid int, pc *procCounters) error {
	data, err := c.file.read(c.procFile(pid, "status"))
	if err != nil {
		return err
	}
	for len(data) > 0 {
		var line []byte
		line, data = nextLine(data)
		var idx int
		switch {
		case bytes.HasPrefix(line, []byte("voluntary_ctxt_switches:")):
			idx = pcVoluntaryCtxSw
		case bytes.HasPrefix(line, []byte("nonvoluntary_ctxt_switches:")):
			idx = pcNonvoluntaryCtxSw
		default:
			continue
		}
		_, v, _ := bytes.Cut(line, []byte(":"))
		n, err := parseUint(bytes.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%s: %q: %w", c.procFile(pid, "status"), truncate(line), err)
		}
		pc[idx] = n
	}
	return nil
}

// readIO fills in read_bytes and write_bytes from /proc/<pid>/io, which
// only the process's own user (or CAP_SYS_PTRACE) may read. On an error it
// leaves them 0.
func (c *processCollector) readIO(pid int, pc *procCounters) error {
	data, err := c.file.read(c.procFile(pid, "io"))
	if err != nil {
		return err
	}
	found := 0
	for len(data) > 0 {
		var line []byte
		line, data = nextLine(data)
		var idx int
		switch {
		case bytes.HasPrefix(line, []byte("read_bytes:")):
			idx = pcReadBytes
		case bytes.HasPrefix(line, []byte("write_bytes:")):
			idx = pcWriteBytes
		default:
			continue
		}
		_, v, _ := bytes.Cut(line, []byte(":"))
		n, err := parseUint(bytes.TrimSpace(v))
		if err != nil {
			pc[pcReadBytes], pc[pcWriteBytes] = 0, 0
			return fmt.Errorf("%s: %q: %w", c.procFile(pid, "io"), truncate(line), err)
		}
		pc[idx] = n
		found++
	}
	if found != 2 {
		pc[pcReadBytes], pc[pcWriteBytes] = 0, 0
		return fmt.Errorf("%s: no read_bytes and write_bytes", c.procFile(pid, "io"))
	}
	return nil
}

// bootTime reads btime from /proc/stat once per scrape; procfs's
// ProcStat.StartTime re-reads and fully parses /proc/stat for every process.
func (c *processCollector) bootTime() (float64, error) {
	return readBootTime(&c.file, c.statPath)
}

// gone reports errors meaning the process exited while being read.
func gone(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH)
}
