package exporter

import (
	"bytes"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// textContentType is the Prometheus text format 0.0.4, which every
// Prometheus version accepts.
const textContentType = "text/plain; version=0.0.4; charset=utf-8"

// HandlerOpts configures the /metrics handler.
type HandlerOpts struct {
	// Extra is gathered after the host metrics, for the exporter's own
	// go_* and process_* series; nil leaves them out.
	Extra prometheus.Gatherer
	// MaxRequests caps concurrent scrapes; further requests get 503.
	// Zero or less means no cap.
	MaxRequests int
	Logger      *slog.Logger
}

type handler struct {
	exp  *Exporter
	opts HandlerOpts
	sem  chan struct{}
	bufs sync.Pool // *[]byte
	// gzips keeps one gzip writer between scrapes (concurrent scrapes make their
	// own). Not a sync.Pool: a pool drops what it holds over two garbage
	// collections, and a scrape after that allocated a new writer's 0.8 MiB of
	// tables, which the heap, small by design (GOGC 25), had to grow for.
	gzips  chan *gzip.Writer
	logger *slog.Logger
}

// NewHandler serves the exporter's metrics in the text format, gzipped when
// the client accepts it.
func NewHandler(exp *Exporter, opts HandlerOpts) http.Handler {
	h := &handler{exp: exp, opts: opts, logger: loggerOrDiscard(opts.Logger), gzips: make(chan *gzip.Writer, 1)}
	if opts.MaxRequests > 0 {
		h.sem = make(chan struct{}, opts.MaxRequests)
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.sem != nil {
		select {
		case h.sem <- struct{}{}:
			defer func() { <-h.sem }()
		default:
			http.Error(w, "too many concurrent scrapes; limit is "+strconv.Itoa(h.opts.MaxRequests), http.StatusServiceUnavailable)
			return
		}
	}
	bp, _ := h.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	defer h.bufs.Put(bp)

	buf := h.exp.AppendText(r.Context(), (*bp)[:0])
	if h.opts.Extra != nil {
		var err error
		if buf, err = appendGathered(buf, h.opts.Extra); err != nil {
			h.logger.Error("gather exporter metrics", "err", err)
		}
	}
	*bp = buf

	hdr := w.Header()
	hdr.Set("Content-Type", textContentType)
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		hdr.Set("Content-Encoding", "gzip")
		hdr.Add("Vary", "Accept-Encoding")
		var gz *gzip.Writer
		select {
		case gz = <-h.gzips:
			gz.Reset(w)
		default:
			gz, _ = gzip.NewWriterLevel(w, gzip.BestSpeed)
		}
		defer func() {
			select {
			case h.gzips <- gz:
			default: // another scrape's writer is kept already
			}
		}()
		if _, err := gz.Write(buf); err != nil {
			h.logger.Debug("write response", "err", err)
			return
		}
		if err := gz.Close(); err != nil {
			h.logger.Debug("write response", "err", err)
		}
		return
	}
	hdr.Set("Content-Length", strconv.Itoa(len(buf)))
	if _, err := w.Write(buf); err != nil {
		h.logger.Debug("write response", "err", err)
	}
}

func appendGathered(dst []byte, g prometheus.Gatherer) ([]byte, error) {
	mfs, err := g.Gather()
	bb := bytes.NewBuffer(dst)
	for _, mf := range mfs {
		if _, werr := expfmt.MetricFamilyToText(bb, mf); werr != nil {
			return bb.Bytes(), werr
		}
	}
	return bb.Bytes(), err
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip with a
// non-zero quality.
func acceptsGzip(h string) bool {
	for part := range strings.SplitSeq(h, ",") {
		enc, params, _ := strings.Cut(part, ";")
		if strings.TrimSpace(enc) != "gzip" {
			continue
		}
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if k == "q" {
				if q, err := strconv.ParseFloat(v, 64); err == nil && q == 0 {
					return false
				}
			}
		}
		return true
	}
	return false
}
