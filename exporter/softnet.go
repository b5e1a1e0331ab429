package exporter

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
)

// softnetCollector exports node_exporter 1.12's softnet families from
// /proc/net/softnet_stat, one series per CPU. Columns an older kernel lacks
// (received_rps before 2.6.39, flow_limit_count before 4.18, backlog_len
// before 5.14) read 0, as node_exporter reports them.
type softnetCollector struct {
	path                            string
	file                            fileBuffer
	rows                            []softnetRow
	processed, dropped, timeSqueezd *Desc
	cpuCollision, receivedRps       *Desc
	flowLimitCount, backlogLen      *Desc
	cpus                            []string // formatted CPU indexes, reused
}

func newSoftnetCollector(cfg Config) (Collector, error) {
	return &softnetCollector{
		path:           filepath.Join(cfg.ProcFS, "net", "softnet_stat"),
		processed:      NewDesc("node_softnet_processed_total", "Number of processed packets", Counter, "cpu"),
		dropped:        NewDesc("node_softnet_dropped_total", "Number of dropped packets", Counter, "cpu"),
		timeSqueezd:    NewDesc("node_softnet_times_squeezed_total", "Number of times processing packets ran out of quota", Counter, "cpu"),
		cpuCollision:   NewDesc("node_softnet_cpu_collision_total", "Number of collision occur while obtaining device lock while transmitting", Counter, "cpu"),
		receivedRps:    NewDesc("node_softnet_received_rps_total", "Number of times cpu woken up received_rps", Counter, "cpu"),
		flowLimitCount: NewDesc("node_softnet_flow_limit_count_total", "Number of times flow limit has been reached", Counter, "cpu"),
		backlogLen:     NewDesc("node_softnet_backlog_len", "Softnet backlog status", Gauge, "cpu"),
	}, nil
}

func (c *softnetCollector) Descs() []*Desc {
	return []*Desc{c.processed, c.dropped, c.timeSqueezd, c.cpuCollision, c.receivedRps, c.flowLimitCount, c.backlogLen}
}

func (c *softnetCollector) cpu(i uint32) string {
	if int(i) < len(c.cpus) {
		return c.cpus[i]
	}
	s := strconv.FormatUint(uint64(i), 10)
	if int(i) == len(c.cpus) && i < 65536 {
		c.cpus = append(c.cpus, s)
	}
	return s
}

func (c *softnetCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := c.file.read(c.path)
	if err != nil {
		return fmt.Errorf("could not get softnet statistics: %w", err)
	}
	// A malformed line fails the file before anything is exported, as with
	// procfs: parse it all first.
	c.rows = c.rows[:0]
	for index := uint32(0); len(data) > 0; index++ {
		var line []byte
		line, data = nextLine(data)
		row, err := parseSoftnetLine(line, index)
		if err != nil {
			return fmt.Errorf("could not get softnet statistics: %s: %w", c.path, err)
		}
		c.rows = append(c.rows, row)
	}
	for i := range c.rows {
		s := &c.rows[i]
		cpu := c.cpu(s[softnetIndex])
		b.Add(c.processed, float64(s[0]), cpu)
		b.Add(c.dropped, float64(s[1]), cpu)
		b.Add(c.timeSqueezd, float64(s[2]), cpu)
		b.Add(c.cpuCollision, float64(s[8]), cpu)
		b.Add(c.receivedRps, float64(s[9]), cpu)
		b.Add(c.flowLimitCount, float64(s[10]), cpu)
		b.Add(c.backlogLen, float64(s[11]), cpu)
	}
	return nil
}

// softnetRow holds a line's 13 columns (Documentation/networking/scaling.rst
// and net/core/net-procfs.c): processed dropped time_squeeze, five zeros,
// cpu_collision received_rps flow_limit_count backlog_len cpu_index.
type softnetRow [13]uint32

const (
	softnetMinCols = 9
	softnetIndex   = 12
)

// parseSoftnetLine parses the hexadecimal columns as procfs does: the first
// 9 always, received_rps from 10 columns, flow_limit_count from 11,
// backlog_len and the CPU index from 13; with fewer, the CPU is the line's
// position. Columns after those are ignored.
func parseSoftnetLine(line []byte, index uint32) (softnetRow, error) {
	var row softnetRow
	var cols [13][]byte
	n := 0
	for f, r := nextSpaceField(line); len(f) > 0; f, r = nextSpaceField(r) {
		if n < len(cols) {
			cols[n] = f
		}
		n++
	}
	if n < softnetMinCols {
		return row, fmt.Errorf("line %q: %d columns, want at least %d", truncate(line), n, softnetMinCols)
	}
	use := n
	switch {
	case n >= 13:
		use = 13
	case n == 12:
		use = 11 // column 12 (backlog_len) is only read with the CPU index
	}
	for i := 0; i < use; i++ {
		v, err := parseHex(cols[i], 32)
		if err != nil {
			return row, fmt.Errorf("line %q: %w", truncate(line), err)
		}
		row[i] = uint32(v)
	}
	if n < 13 {
		row[softnetIndex] = index
	}
	return row, nil
}
