package yamlstrict

import (
	"errors"
	"strings"
	"testing"
)

type doc struct {
	Name  string `yaml:"name"`
	Items []struct {
		Count int `yaml:"count"`
	} `yaml:"items"`
}

func TestDecode(t *testing.T) {
	for _, tt := range []struct {
		name, yaml, want string
	}{
		{"ok", "name: a\nitems:\n  - count: 2\n", ""},
		{"unknown field", "name: a\nextra: 1\n", "field extra not found"},
		{"type error names the path", "name: a\nitems:\n  - count: many\n", "items[0].count (line 3)"},
		{"syntax", "name: [\n", "did not find expected"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var d doc
			err := Decode([]byte(tt.yaml), &d)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Decode = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	var d doc
	if err := Decode(nil, &d); !errors.Is(err, ErrEmpty) {
		t.Errorf("Decode(empty) = %v, want ErrEmpty", err)
	}
}
