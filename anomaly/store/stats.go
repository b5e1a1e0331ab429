package store

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Load results, as counted and as the result label's values.
const (
	resultSuccess = iota
	resultNotFound
	resultCorrupt
	resultVersion
	resultTooLarge
	resultIOError
	numResults
)

// resultNames are the result label's values, by load result.
func resultNames() [numResults]string {
	return [numResults]string{"success", "not_found", "corrupt", "version", "too_large", "io_error"}
}

type counters struct {
	loads                    [numResults]atomic.Uint64
	savesOK, savesFailed     atomic.Uint64
	bytesRead, bytesWritten  atomic.Uint64
	movedAside, asideDeleted atomic.Uint64
	tempRemoved, deleted     atomic.Uint64
}

// Stats are the store's counters since Open, for self-metrics.
type Stats struct {
	// Loads by result: a model returned, no file, and the failures.
	LoadsOK, LoadsNotFound, LoadsCorrupt, LoadsVersion, LoadsTooLarge, LoadsIOError uint64
	// SavesOK and SavesFailed count Save calls.
	SavesOK, SavesFailed uint64
	// BytesRead counts the bytes of files loaded successfully; BytesWritten
	// those of files saved.
	BytesRead, BytesWritten uint64
	// MovedAside counts bad files renamed aside; AsideDeleted those deleted
	// to keep at most Options.MaxAside.
	MovedAside, AsideDeleted uint64
	// TempRemoved counts temporary files of interrupted saves that Open removed.
	TempRemoved uint64
	// Deleted counts model files removed by Delete and Prune.
	Deleted uint64
}

// Stats returns a snapshot of the counters.
func (s *Store) Stats() Stats {
	c := &s.stats
	return Stats{
		LoadsOK:       c.loads[resultSuccess].Load(),
		LoadsNotFound: c.loads[resultNotFound].Load(),
		LoadsCorrupt:  c.loads[resultCorrupt].Load(),
		LoadsVersion:  c.loads[resultVersion].Load(),
		LoadsTooLarge: c.loads[resultTooLarge].Load(),
		LoadsIOError:  c.loads[resultIOError].Load(),
		SavesOK:       c.savesOK.Load(),
		SavesFailed:   c.savesFailed.Load(),
		BytesRead:     c.bytesRead.Load(),
		BytesWritten:  c.bytesWritten.Load(),
		MovedAside:    c.movedAside.Load(),
		AsideDeleted:  c.asideDeleted.Load(),
		TempRemoved:   c.tempRemoved.Load(),
		Deleted:       c.deleted.Load(),
	}
}

// Collector exposes the counters as perfwatch_anomaly_model_store_* metrics,
// read at each scrape; register it once per store.
func (s *Store) Collector() prometheus.Collector {
	const ns = "perfwatch_anomaly_model_store_"
	return &collector{
		s:       s,
		loads:   prometheus.NewDesc(ns+"loads_total", "Model file loads by result: success, not_found, corrupt, version (another format, kind or model version), too_large, io_error.", []string{"result"}, nil),
		saves:   prometheus.NewDesc(ns+"saves_total", "Model saves by result: success, failure.", []string{"result"}, nil),
		read:    prometheus.NewDesc(ns+"read_bytes_total", "Bytes of model files loaded successfully.", nil, nil),
		written: prometheus.NewDesc(ns+"written_bytes_total", "Bytes of model files saved.", nil, nil),
		aside:   prometheus.NewDesc(ns+"moved_aside_total", "Unusable model files renamed to <name>.corrupt-<unix> for a refit.", nil, nil),
		asideRm: prometheus.NewDesc(ns+"aside_deleted_total", "Moved-aside files deleted to keep the configured number.", nil, nil),
		temp:    prometheus.NewDesc(ns+"temp_files_removed_total", "Temporary files of interrupted saves removed at start-up.", nil, nil),
		deleted: prometheus.NewDesc(ns+"deleted_total", "Model files deleted for series that vanished.", nil, nil),
	}
}

type collector struct {
	s                                                          *Store
	loads, saves, read, written, aside, asideRm, temp, deleted *prometheus.Desc
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.loads, c.saves, c.read, c.written, c.aside, c.asideRm, c.temp, c.deleted} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	st := &c.s.stats
	for i, name := range resultNames() {
		ch <- prometheus.MustNewConstMetric(c.loads, prometheus.CounterValue, float64(st.loads[i].Load()), name)
	}
	ch <- prometheus.MustNewConstMetric(c.saves, prometheus.CounterValue, float64(st.savesOK.Load()), "success")
	ch <- prometheus.MustNewConstMetric(c.saves, prometheus.CounterValue, float64(st.savesFailed.Load()), "failure")
	for _, m := range []struct {
		d *prometheus.Desc
		v *atomic.Uint64
	}{{c.read, &st.bytesRead}, {c.written, &st.bytesWritten}, {c.aside, &st.movedAside}, {c.asideRm, &st.asideDeleted}, {c.temp, &st.tempRemoved}, {c.deleted, &st.deleted}} {
		ch <- prometheus.MustNewConstMetric(m.d, prometheus.CounterValue, float64(m.v.Load()))
	}
}
