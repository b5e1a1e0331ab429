package errtrack

import "strings"

// uaFamilies are the user agent families an event records, checked in order: the
// first whose marker the User-Agent header contains wins (Edge and Opera before
// Chrome, whose token they carry; Chrome before Safari, likewise).
var uaFamilies = [...]struct{ marker, family string }{
	{"bot", "bot"}, {"spider", "bot"}, {"crawler", "bot"}, {"headlesschrome", "HeadlessChrome"},
	{"edg/", "Edge"}, {"opr/", "Opera"}, {"firefox/", "Firefox"}, {"chrome/", "Chrome"},
	{"crios/", "Chrome"}, {"safari/", "Safari"}, {"curl/", "curl"}, {"wget/", "Wget"},
	{"python-requests", "python-requests"}, {"python-urllib", "python-urllib"},
	{"go-http-client", "Go-http-client"}, {"node", "Node"}, {"okhttp", "okhttp"},
	{"java/", "Java"}, {"postmanruntime", "Postman"}, {"prometheus", "Prometheus"},
}

// UserAgentFamily returns the family of a User-Agent header (Chrome, Firefox, Safari,
// Edge, curl, Go-http-client, bot …), "other" for one it does not know and "" for
// none: a bounded value, unlike the header.
func UserAgentFamily(ua string) string {
	if ua == "" {
		return ""
	}
	lower := strings.ToLower(ua)
	for _, f := range uaFamilies {
		if strings.Contains(lower, f.marker) {
			return f.family
		}
	}
	return "other"
}
