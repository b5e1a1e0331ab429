package exporter

import (
	"context"
	"fmt"
	"strconv"

	"github.com/prometheus/procfs"
)

// softnetCollector exports node_exporter 1.12's softnet families from
// /proc/net/softnet_stat, one series per CPU. Columns an older kernel lacks
// (received_rps before 2.6.39, flow_limit_count before 4.18, backlog_len
// before 5.14) read 0, as node_exporter reports them.
type softnetCollector struct {
	fs                              procfs.FS
	processed, dropped, timeSqueezd *Desc
	cpuCollision, receivedRps       *Desc
	flowLimitCount, backlogLen      *Desc
	cpus                            []string // formatted CPU indexes, reused
}

func newSoftnetCollector(cfg Config) (Collector, error) {
	pfs, err := procfs.NewFS(cfg.ProcFS)
	if err != nil {
		return nil, fmt.Errorf("open procfs %s: %w", cfg.ProcFS, err)
	}
	return &softnetCollector{
		fs:             pfs,
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
	stats, err := c.fs.NetSoftnetStat()
	if err != nil {
		return fmt.Errorf("could not get softnet statistics: %w", err)
	}
	for _, s := range stats {
		cpu := c.cpu(s.Index)
		b.Add(c.processed, float64(s.Processed), cpu)
		b.Add(c.dropped, float64(s.Dropped), cpu)
		b.Add(c.timeSqueezd, float64(s.TimeSqueezed), cpu)
		b.Add(c.cpuCollision, float64(s.CPUCollision), cpu)
		b.Add(c.receivedRps, float64(s.ReceivedRps), cpu)
		b.Add(c.flowLimitCount, float64(s.FlowLimitCount), cpu)
		b.Add(c.backlogLen, float64(s.SoftnetBacklogLen), cpu)
	}
	return nil
}
