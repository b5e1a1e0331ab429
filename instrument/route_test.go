package instrument

import "testing"

func TestNormalizeRoute(t *testing.T) {
	for in, want := range map[string]string{
		"/api/items/{id}":                "/api/items/{id}",
		"/api/items/{id:[0-9]+}":         "/api/items/{id}",
		"/a/{x:[a-z]{2,3}}/b/{y:.*}":     "/a/{x}/b/{y}",
		"/files/{path...}":               "/files/{path...}",
		"/time/12:30":                    "/time/12:30",
		"/{v:(?:a|b)}:suffix":            "/{v}:suffix",
		"/users/{user}/keys/{key:\\d+}/": "/users/{user}/keys/{key}/",
		"other":                          "other",
	} {
		if got := NormalizeRoute(in); got != want {
			t.Errorf("NormalizeRoute(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPatternPath(t *testing.T) {
	for in, want := range map[string]string{
		"GET /items/{id}":           "/items/{id}",
		"example.com/x":             "/x",
		"POST example.com:8080/a/b": "/a/b",
		"/":                         "/",
	} {
		if got := patternPath(in); got != want {
			t.Errorf("patternPath(%q) = %q, want %q", in, got, want)
		}
	}
}
