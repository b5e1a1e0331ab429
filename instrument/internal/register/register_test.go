package register

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestAllNamesTheClash(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := prometheus.NewCounter(prometheus.CounterOpts{Name: "a_total", Help: "a"})
	b := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "b", Help: "b"}, []string{"l"})
	if err := All(reg, a, b); err != nil {
		t.Fatal(err)
	}
	a2 := prometheus.NewCounter(prometheus.CounterOpts{Name: "fresh_total", Help: "f"})
	b2 := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "b", Help: "b"}, []string{"l"})
	err := All(reg, a2, b2)
	if err == nil || !strings.Contains(err.Error(), "register b:") || !IsAlreadyRegistered(err) {
		t.Fatalf("error %v, want one naming b", err)
	}
	// fresh_total was rolled back, so registering it again works.
	if err := reg.Register(a2); err != nil {
		t.Errorf("fresh_total left registered after the failure: %v", err)
	}
}
