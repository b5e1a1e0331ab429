package errtrack

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"user 42 not found", "user <num> not found"},
		{"user 1234567 not found", "user <num> not found"},
		{"item-17 failed after 3.5s", "item-<num> failed after <num>s"},
		{"order a3bb189e-8bf9-3888-9912-ace4e6543002 missing", "order <uuid> missing"},
		{"object 5f2b8c9d0e1a not in cache", "object <hex> not in cache"},
		{"pointer 0xc000123456 freed", "pointer <hex> freed"},
		{"dial tcp 10.0.0.1:5432: connect: connection refused", "dial tcp <ip>: connect: connection refused"},
		{"dial tcp [2001:db8::1]:443: i/o timeout", "dial tcp <ip>: i/o timeout"},
		{"no route to fe80::1%eth0", "no route to <ip>"},
		{"open /var/lib/app/uploads/7.png: no such file or directory", "open <path>: no such file or directory"},
		{`open C:\Users\bob\report.pdf: access denied`, "open <path>: access denied"},
		{"template ./templates/item.html: bad", "template <path>: bad"},
		{"mail to bob.smith@example.com bounced", "mail to <email> bounced"},
		{`key "alpha" not found`, "key <str> not found"},
		{`key 'beta' not found`, "key <str> not found"},
		{"key `gamma` not found", "key <str> not found"},
		{`value "with \"escaped\" quotes" rejected`, "value <str> rejected"},
		{`it's the user's fault`, "it's the user's fault"}, // apostrophes open nothing
		{`unterminated "quote here`, `unterminated "quote here`},
		{"GET https://api.example.com/v1/items?id=7 failed", "GET <url> failed"},
		{"limit=100 offset=200", "limit=<num> offset=<num>"},
		{"ünïcödé 42 ✓", "ünïcödé <num> ✓"},
		{"-5 is negative, 1e6 is not", "<num> is negative, <num>e<num> is not"},
		{"", ""},
	} {
		if got := Normalize(c.in); got != c.want {
			t.Errorf("Normalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Messages that differ only in what varies between occurrences normalise alike; those
// that differ in words do not.
func TestNormalizeGroups(t *testing.T) {
	same := [][2]string{
		{"user 1 not found", "user 99999 not found"},
		{`lookup "alice": timeout`, `lookup "bob": timeout`},
		{"read 10.1.2.3:80: reset", "read 192.168.0.1:8080: reset"},
	}
	for _, p := range same {
		if Normalize(p[0]) != Normalize(p[1]) {
			t.Errorf("%q and %q normalise differently: %q, %q", p[0], p[1], Normalize(p[0]), Normalize(p[1]))
		}
	}
	if Normalize("user 1 not found") == Normalize("user 1 is locked") {
		t.Error("different messages normalise alike")
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"user 42 'x\\' y' \"q\" `b` /a/b.go 10.0.0.1:80 a@b.co ünï", `\\\"'"`, "0x", "1.2.3.4.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if utf8.ValidString(s) && !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q: not UTF-8", s, n)
		}
		if len(n) > 8*len(s)+16 {
			t.Fatalf("Normalize(%q) grew to %d bytes", s, len(n))
		}
		// Normalising is idempotent on what it produces: placeholders stay.
		if strings.Contains(Normalize(n), "<num>num") {
			t.Fatalf("placeholder rewritten: %q", Normalize(n))
		}
	})
}
