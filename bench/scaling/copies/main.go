// Command copies multiplies a real exporter's series for the scaling figures of
// docs/scaling.md: it serves, at /copy/0/metrics … /copy/N-1/metrics, the metrics of
// an upstream target (the demo's /metrics), each copy's samples under a label of its
// own, so that one Prometheus scraping the N paths ingests N times the demo's series
// with the demo's own values and label shapes.
//
// The upstream is read at most once per --upstream.cache, however many copies are
// scraped, so that the demo is not the bottleneck being measured.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/alecthomas/kingpin/v2"
)

func main() {
	app := kingpin.New("copies", "Serve N labelled copies of an upstream target's metrics (docs/scaling.md).")
	listen := app.Flag("web.listen-address", "Address to listen on.").Default("127.0.0.1:9190").String()
	upstream := app.Flag("upstream.url", "The metrics to copy, in the Prometheus text format.").Default("http://127.0.0.1:9100/metrics").String()
	n := app.Flag("copies", "How many copies to serve.").Default("10").Int()
	cacheFor := app.Flag("upstream.cache", "How long one read of the upstream serves every copy.").Default("1s").Duration()
	kingpin.MustParse(app.Parse(os.Args[1:]))
	if *n < 1 {
		fmt.Fprintln(os.Stderr, "copies: --copies must be at least 1")
		os.Exit(2)
	}
	src := &source{url: *upstream, ttl: *cacheFor, client: &http.Client{Timeout: 10 * time.Second}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /copy/{i}/metrics", func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(r.PathValue("i"))
		if err != nil || i < 0 || i >= *n {
			http.NotFound(w, r)
			return
		}
		pieces, err := src.get()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_ = write(w, pieces, strconv.Itoa(i)) // a scrape that went away mid-answer
	})
	slog.Info("serving copies", "copies", *n, "upstream", *upstream, "listen", *listen)
	if err := http.ListenAndServe(*listen, mux); err != nil {
		slog.Error("serve", "err", err)
		os.Exit(1)
	}
}

// source is the upstream's exposition, read again when older than ttl and split once
// per read into the pieces every copy shares.
type source struct {
	url    string
	ttl    time.Duration
	client *http.Client

	mu     sync.Mutex
	at     time.Time
	pieces []piece
}

// piece is one line of the exposition: a comment (label false: written as is), or a
// sample line cut where copy="i" goes, with open telling whether the cut is inside
// braces that already exist.
type piece struct {
	head, tail []byte
	label      bool
	open       bool
}

func (s *source) get() ([]piece, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pieces != nil && time.Since(s.at) < s.ttl {
		return s.pieces, nil
	}
	resp, err := s.client.Get(s.url)
	if err != nil {
		return nil, fmt.Errorf("read upstream: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, errors.New("read upstream: " + resp.Status)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read upstream: %w", err)
	}
	s.pieces, s.at = split(body), time.Now()
	return s.pieces, nil
}

// split cuts every sample line of a text exposition where the copy label goes: after
// the opening brace, or after the metric name when it has no labels.
func split(body []byte) []piece {
	var out []piece
	for line := range bytes.Lines(body) {
		if len(line) == 0 || line[0] == '#' {
			out = append(out, piece{head: line})
			continue
		}
		space := bytes.IndexByte(line, ' ')
		if brace := bytes.IndexByte(line, '{'); brace >= 0 && (space < 0 || brace < space) {
			out = append(out, piece{head: line[:brace+1], tail: line[brace+1:], label: true, open: true})
			continue
		}
		if space > 0 {
			out = append(out, piece{head: line[:space], tail: line[space:], label: true})
			continue
		}
		out = append(out, piece{head: line})
	}
	return out
}

// write writes the exposition with copy="i" on every sample.
func write(w io.Writer, pieces []piece, i string) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	inBraces := []byte(`copy="` + i + `",`)
	ownBraces := []byte(`{copy="` + i + `"}`)
	for _, p := range pieces {
		bw.Write(p.head)
		if p.label {
			if p.open {
				bw.Write(inBraces)
			} else {
				bw.Write(ownBraces)
			}
			bw.Write(p.tail)
		}
	}
	return bw.Flush()
}
