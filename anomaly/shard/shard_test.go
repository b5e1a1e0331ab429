package shard

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/prometheus/common/model"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Shard
		wantErr bool
	}{
		{in: "1/1", want: Shard{1, 1}},
		{in: "1/2", want: Shard{1, 2}},
		{in: "2/2", want: Shard{2, 2}},
		{in: "3/7", want: Shard{3, 7}},
		{in: "65536/65536", want: Shard{65536, 65536}},
		{in: "0/0", wantErr: true},
		{in: "0/2", wantErr: true},
		{in: "3/2", wantErr: true},
		{in: "1/0", wantErr: true},
		{in: "1/65537", wantErr: true},
		{in: "", wantErr: true},
		{in: "1", wantErr: true},
		{in: "/", wantErr: true},
		{in: "1/", wantErr: true},
		{in: "/2", wantErr: true},
		{in: "1/2/3", wantErr: true},
		{in: " 1/2", wantErr: true},
		{in: "1/2 ", wantErr: true},
		{in: "+1/2", wantErr: true},
		{in: "-1/2", wantErr: true},
		{in: "0x1/2", wantErr: true},
		{in: "1.0/2", wantErr: true},
		{in: "a/b", wantErr: true},
		{in: "99999999999999999999999/2", wantErr: true},
	} {
		got, err := Parse(tc.in)
		if tc.wantErr {
			if err == nil {
				t.Errorf("Parse(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if got.String() != tc.in {
			t.Errorf("Parse(%q).String() = %q", tc.in, got.String())
		}
	}
	if s := (Shard{}).String(); s != "1/1" {
		t.Errorf("zero Shard is %q, want 1/1", s)
	}
}

// labelSets generates n distinct label sets shaped like the sidecar's series:
// a few jobs, many instances and routes, sometimes a method.
func labelSets(n int) []model.LabelSet {
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[model.Fingerprint]bool{}
	out := make([]model.LabelSet, 0, n)
	for i := 0; len(out) < n; i++ {
		ls := model.LabelSet{
			"__name__":   "http_server_request_duration_seconds_bucket",
			"job":        model.LabelValue(fmt.Sprintf("job-%d", i%7)),
			"instance":   model.LabelValue(fmt.Sprintf("10.0.%d.%d:8080", i/250%250, i%250)),
			"http_route": model.LabelValue(fmt.Sprintf("/api/v1/items/{id}/%d", rng.IntN(50))),
		}
		if i%3 == 0 {
			ls["http_request_method"] = "GET"
		}
		if seen[ls.Fingerprint()] {
			continue
		}
		seen[ls.Fingerprint()] = true
		out = append(out, ls)
	}
	return out
}

func TestCoverExactlyOnce(t *testing.T) {
	sets := labelSets(10000)
	for _, n := range []int{2, 3} {
		counts := make([]int, n)
		for _, ls := range sets {
			owners := 0
			for i := 1; i <= n; i++ {
				if (Shard{i, n}).Owns(ls) {
					owners++
					counts[i-1]++
				}
			}
			if owners != 1 {
				t.Fatalf("n=%d: %v has %d owners", n, ls, owners)
			}
			if o := (Shard{1, n}).Owner(ls); !(Shard{o, n}).Owns(ls) {
				t.Fatalf("n=%d: Owner(%v) = %d, which does not own it", n, ls, o)
			}
		}
		lo, hi := 0.9*float64(len(sets))/float64(n), 1.1*float64(len(sets))/float64(n)
		for i, c := range counts {
			if float64(c) < lo || float64(c) > hi {
				t.Errorf("n=%d: shard %d owns %d of %d series, want %.0f–%.0f", n, i+1, c, len(sets), lo, hi)
			}
		}
		t.Logf("n=%d: %v", n, counts)
	}
}

func TestOrderIndependent(t *testing.T) {
	// A LabelSet is a map, so building it in another order must not matter;
	// model.Metric fingerprints the same pairs the same way.
	a := model.LabelSet{}
	b := model.LabelSet{}
	names := []model.LabelName{"job", "instance", "__name__", "zone", "a"}
	for _, n := range names {
		a[n] = model.LabelValue("v-" + n)
	}
	for i := len(names) - 1; i >= 0; i-- {
		b[names[i]] = model.LabelValue("v-" + names[i])
	}
	for n := 1; n <= 9; n++ {
		s := Shard{1, n}
		if s.Owner(a) != s.Owner(b) {
			t.Fatalf("n=%d: owner depends on insertion order", n)
		}
	}
	if model.Metric(a).Fingerprint() != a.Fingerprint() {
		t.Fatal("model.Metric and model.LabelSet fingerprints differ")
	}
}

// TestGolden pins owners so that a change in the fingerprint or the hash,
// which would silently move every series to another replica, fails here. The
// values were checked against an independent Python implementation of the
// package comment's two steps.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		ls       model.LabelSet
		fp       uint64
		of2, of3 int
	}{
		{model.LabelSet{}, 14695981039346656037, 2, 2},
		{model.LabelSet{"__name__": "up"}, 12006820387392243291, 2, 2},
		{model.LabelSet{"__name__": "up", "job": "api"}, 3831055514752682934, 2, 2},
		{model.LabelSet{"http_request_method": "GET", "http_route": "/api/items/{id}", "job": "shop"}, 5882715576680868182, 1, 1},
		{model.LabelSet{"instance": "host-1:9100", "job": "node"}, 18370203389377510567, 1, 3},
		{model.LabelSet{"instance": "host-2:9100", "job": "node"}, 6643452919634066424, 1, 1},
		{model.LabelSet{"http_route": "/checkout", "query": "latency_p99"}, 7453376863356995103, 1, 3},
	} {
		if fp := uint64(tc.ls.Fingerprint()); fp != tc.fp {
			t.Errorf("%v: fingerprint %d, want %d", tc.ls, fp, tc.fp)
		}
		if o := (Shard{1, 2}).Owner(tc.ls); o != tc.of2 {
			t.Errorf("%v: owner of 2 is %d, want %d", tc.ls, o, tc.of2)
		}
		if o := (Shard{1, 3}).Owner(tc.ls); o != tc.of3 {
			t.Errorf("%v: owner of 3 is %d, want %d", tc.ls, o, tc.of3)
		}
		if !(Shard{}).Owns(tc.ls) || !(Shard{1, 1}).Owns(tc.ls) {
			t.Errorf("%v: not owned by 1/1", tc.ls)
		}
	}
}

// TestGrowMovesLittle checks the reason for jump hashing: going from n to n+1
// replicas moves about 1/(n+1) of the series, all to the new replica.
func TestGrowMovesLittle(t *testing.T) {
	sets := labelSets(10000)
	for n := 1; n <= 4; n++ {
		moved := 0
		for _, ls := range sets {
			before, after := (Shard{1, n}).Owner(ls), (Shard{1, n + 1}).Owner(ls)
			if before != after {
				if after != n+1 {
					t.Fatalf("%d→%d: %v moved from %d to %d, not to the new replica", n, n+1, ls, before, after)
				}
				moved++
			}
		}
		want := float64(len(sets)) / float64(n+1)
		if float64(moved) < 0.9*want || float64(moved) > 1.1*want {
			t.Errorf("%d→%d replicas moved %d series, want about %.0f", n, n+1, moved, want)
		}
	}
}

func TestJumpHashSmallN(t *testing.T) {
	for _, key := range []uint64{0, 1, 1 << 63, ^uint64(0)} {
		if b := JumpHash(key, 1); b != 0 {
			t.Errorf("JumpHash(%d, 1) = %d", key, b)
		}
		if b := JumpHash(key, 0); b != 0 {
			t.Errorf("JumpHash(%d, 0) = %d", key, b)
		}
		if b := JumpHash(key, MaxCount); b < 0 || b >= MaxCount {
			t.Errorf("JumpHash(%d, MaxCount) = %d", key, b)
		}
	}
}
