package detector

import "testing"

// BenchmarkFit fits the default detector on two weeks of 1-minute samples
// (the first week only warms the seasonal baseline, the second is scored
// too); ns/point is the cost per sample.
func BenchmarkFit(b *testing.B) {
	data := webMetric(2*7*24*60, 1)
	det, _ := New(DefaultConfig())
	b.ResetTimer()
	for range b.N {
		det.Fit(data)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(data)), "ns/point")
}

// BenchmarkScoreUpdate streams the third week after fitting two.
func BenchmarkScoreUpdate(b *testing.B) {
	const week = 7 * 24 * 60
	data := webMetric(3*week, 1)
	det, _ := New(DefaultConfig())
	det.Fit(data[:2*week])
	b.ResetTimer()
	j := 2 * week
	for range b.N {
		if j == len(data) {
			b.StopTimer()
			det.Fit(data[:2*week])
			j = 2 * week
			b.StartTimer()
		}
		det.ScoreUpdate(data[j].T, data[j].V)
		j++
	}
}

// BenchmarkMarshal encodes a fitted default detector.
func BenchmarkMarshal(b *testing.B) {
	det, _ := New(DefaultConfig())
	det.Fit(webMetric(2*7*24*60, 1))
	b.ResetTimer()
	var n int
	for range b.N {
		blob, _ := det.MarshalBinary()
		n = len(blob)
	}
	b.ReportMetric(float64(n), "bytes")
}
