package errtrack

import "testing"

func TestScrub(t *testing.T) {
	// The JSON web token is jwt.io's example; the card numbers are the networks'
	// published test numbers (Luhn-valid), and 4111111111111112 is one digit off.
	const jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	for _, c := range []struct{ in, want string }{
		{"login failed: password=hunter2", "login failed: password=[Filtered]"},
		{"login failed: password=correct horse battery staple", "login failed: password=[Filtered]"},
		{"login failed: password = correct horse, user bob", "login failed: password = [Filtered], user bob"},
		{`upstream: {"api_key": "purple monkey dishwasher", "user": "x"}`, `upstream: {"api_key": "[Filtered]", "user": "x"}`},
		{`cfg: {'client_secret': 'it\'s a secret'}`, `cfg: {'client_secret': '[Filtered]'}`},
		{"GET /cb?code=1&access_token=abc.def&state=x", "GET /cb?code=1&access_token=[Filtered]&state=x"},
		{"header Authorization: Bearer abc.def.ghi", "header Authorization: [Filtered]"},
		{"sent Bearer tangerineelephant to upstream", "sent Bearer [Filtered] to upstream"},
		{"sent Basic dXNlcjpwYXNz", "sent Basic [Filtered]"},
		{"basic authentication failed", "basic authentication failed"},
		{"Set-Cookie: sessionid=abc123; Path=/", "Set-Cookie: [Filtered]; Path=/"},
		{"X-CSRF-Token: abc", "X-CSRF-Token: [Filtered]"},
		{"jwt " + jwt + " expired", "jwt [Filtered] expired"},
		{"charge declined for card 4111 1111 1111 1111 today", "charge declined for card [Filtered] today"},
		{"charge declined 4111111111111111", "charge declined [Filtered]"},
		{"charge declined 5500-0055-5555-5559", "charge declined [Filtered]"},
		{"amex 378282246310005 refused", "amex [Filtered] refused"},
		{"order 4111111111111112 not found", "order 4111111111111112 not found"},
		{"id 1234567890123 ok", "id 1234567890123 ok"}, // fails Luhn
		{"mail to alice.jones@example.org bounced", "mail to [Filtered] bounced"},
		{"dial postgres://app:s3cret@db:5432/app failed", "dial postgres://app:[Filtered]@db:5432/app failed"},
		{"user 42 not found", "user 42 not found"},
		{"dial tcp 10.0.0.1:5432: connect: connection refused", "dial tcp 10.0.0.1:5432: connect: connection refused"},
		{"", ""},
	} {
		if got := Scrub(c.in); got != c.want {
			t.Errorf("Scrub(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

// Luhn's check digits, from ISO/IEC 7812-1's worked example (Wikipedia's 79927398713).
func TestLuhn(t *testing.T) {
	digits := func(s string) []byte {
		b := make([]byte, len(s))
		for i := range s {
			b[i] = s[i] - '0'
		}
		return b
	}
	if !luhn(digits("79927398713")) {
		t.Error("79927398713 should pass")
	}
	for _, bad := range []string{"79927398710", "79927398711", "79927398712", "79927398714"} {
		if luhn(digits(bad)) {
			t.Errorf("%s should fail", bad)
		}
	}
}

func TestSensitiveKey(t *testing.T) {
	for key, want := range map[string]bool{
		"password": true, "DB_PASSWORD": true, "X-Auth-Token": true, "Cookie": true, "sessionid": true,
		"apiKey": true, "api_key": true, "csrftoken": true, "user": false, "route": false, "db.query.summary": false,
	} {
		if got := SensitiveKey(key); got != want {
			t.Errorf("SensitiveKey(%q) = %v, want %v", key, got, want)
		}
	}
}

func FuzzScrub(f *testing.F) {
	for _, s := range []string{"password=a b c", `{"token":"x\"y"}`, "4111 1111 1111 1111", "a@b.co", "Bearer x", "p://u:p@h", `\'"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Scrub(s)
		if Scrub(out) != out {
			t.Fatalf("not idempotent: %q → %q → %q", s, out, Scrub(out))
		}
	})
}
