package exporter

import "testing"

func TestNewDescEscapesHelp(t *testing.T) {
	for _, tc := range []struct{ help, want string }{
		{"plain help", "# HELP m plain help\n# TYPE m gauge\n"},
		{`back\slash`, "# HELP m back\\\\slash\n# TYPE m gauge\n"},
		{"two\nlines", "# HELP m two\\nlines\n# TYPE m gauge\n"},
		{"quote \" stays", "# HELP m quote \" stays\n# TYPE m gauge\n"},
	} {
		if got := string(NewDesc("m", tc.help, Gauge).header); got != tc.want {
			t.Errorf("help %q: header %q, want %q", tc.help, got, tc.want)
		}
	}
}
