package main

import (
	"bytes"
	"testing"
)

func TestWrite(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"comments pass", "# HELP a x\n# TYPE a counter\n", "# HELP a x\n# TYPE a counter\n"},
		{"no labels", "a 1\n", "a{copy=\"7\"} 1\n"},
		{"labels", "b{x=\"y\"} 2\n", "b{copy=\"7\",x=\"y\"} 2\n"},
		{"empty braces", "c{} 3\n", "c{copy=\"7\",} 3\n"},
		{"timestamp", "d 4 1700000000000\n", "d{copy=\"7\"} 4 1700000000000\n"},
		{"a space inside a label value", "e{x=\"a b\"} 5\n", "e{copy=\"7\",x=\"a b\"} 5\n"},
		{"last line without newline", "f 6", "f{copy=\"7\"} 6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := write(&out, split([]byte(tc.in)), "7"); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
