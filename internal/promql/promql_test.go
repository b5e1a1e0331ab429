package promql

import "testing"

func TestPieces(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{Selector("up"), "up"},
		{Selector("up", "", "  "), "up"},
		{Selector("up", `job="a"`, " ", `instance!="b"`), `up{job="a", instance!="b"}`},
		{LeMatcher(1), `le=~"1|1\\.0"`},
		{LeMatcher(0.25), `le="0.25"`},
		{Number(0.05), "0.05"},
		{Number(1e-7), "1e-07"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %s, want %s", tt.got, tt.want)
		}
	}
}
