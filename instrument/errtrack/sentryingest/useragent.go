package sentryingest

import "strings"

// userAgentFamily is a stand-in for errtrack.UserAgentFamily until it is exported:
// the bounded family of a User-Agent header.
// TODO(issue #13): call errtrack.UserAgentFamily once it exists, and delete this.
func userAgentFamily(ua string) string {
	l := strings.ToLower(ua)
	switch {
	case ua == "":
		return ""
	case strings.Contains(l, "bot") || strings.Contains(l, "spider") || strings.Contains(l, "crawl"):
		return "bot"
	case strings.HasPrefix(l, "curl/"):
		return "curl"
	case strings.HasPrefix(l, "python-requests/"):
		return "python-requests"
	case strings.HasPrefix(l, "go-http-client/"):
		return "Go-http-client"
	case strings.Contains(l, "edg/"):
		return "Edge"
	case strings.Contains(l, "firefox/"):
		return "Firefox"
	case strings.Contains(l, "chrome/") || strings.Contains(l, "chromium/"):
		return "Chrome"
	case strings.Contains(l, "safari/"):
		return "Safari"
	}
	return "other"
}
