package rum

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"
)

const typicalEvents = 10

// reportPerEvent adds ns/event and allocs/event to a benchmark of typical beacons.
func reportPerEvent(b *testing.B, allocs func() uint64) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/typicalEvents, "ns/event")
	b.ReportMetric(float64(allocs())/float64(b.N)/typicalEvents, "allocs/event")
}

// BenchmarkBeacon: a typical beacon of 10 events (5 vitals, 2 API calls, navigation,
// resource, measure) through the handler, as an httptest request.
func BenchmarkBeacon(b *testing.B) {
	h, _ := newHandler(b, testConfig, nil)
	h.limit.rate, h.limit.burst = 1e12, 1e12
	body := []byte(typicalBeacon)
	b.ReportAllocs()
	var allocs allocCounter
	allocs.start()
	b.ResetTimer()
	for b.Loop() {
		r := httptest.NewRequest("POST", "/rum/v1/beacon", bytes.NewReader(body))
		r.Header.Set("Content-Type", "text/plain;charset=UTF-8")
		r.Header.Set("Origin", "https://shop.example")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 204 {
			b.Fatal(w.Code)
		}
	}
	reportPerEvent(b, allocs.stop)
}

// BenchmarkRecord: the same beacon decoded and recorded, without HTTP.
func BenchmarkRecord(b *testing.B) {
	h, _ := newHandler(b, testConfig, nil)
	body := []byte(typicalBeacon)
	ctx := context.Background()
	b.ReportAllocs()
	var allocs allocCounter
	allocs.start()
	b.ResetTimer()
	for b.Loop() {
		if rej := h.record(ctx, body, "https://shop.example", ""); rej != nil {
			b.Fatal(rej.detail)
		}
	}
	reportPerEvent(b, allocs.stop)
}
