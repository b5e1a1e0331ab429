package errapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/perfwatch/perfwatch/instrument/errtrack"
)

// pageCSS is the page's only style sheet, inline and allowed by its hash in the
// Content-Security-Policy; the page runs no script.
const pageCSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
a{color:#1558b0}
table{border-collapse:collapse;margin:.5em 0 1em}
th,td{border-bottom:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f4f4f4}
td.num{text-align:right}
code,pre{font:12px/1.4 ui-monospace,monospace}
pre{background:#f6f6f6;padding:.5em;overflow-x:auto}
form.inline{display:inline}
form.filters label{margin-right:.8em;white-space:nowrap}
.sev-critical{color:#fff;background:#b00020;padding:0 .3em}
.sev-high{color:#b00020;font-weight:bold}
.sev-medium{color:#a15c00}
.sev-low{color:#555}
.state-resolved{color:#2e7d32}
.state-ignored{color:#777}
.error{color:#b00020;font-weight:bold}
.nav a{margin-right:.8em}
.nav a.current{font-weight:bold;text-decoration:none;color:#222}
.frame-app{font-weight:bold}
.frame-lib{color:#777}
`

const pageTemplates = `
{{define "head"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>{{.Title}} · perfwatch errors</title>
<style>` + pageCSS + `</style>
</head><body>
<p class="nav"><a href="{{.HTMLPrefix}}">All error groups</a> <a href="{{.APIPrefix}}groups">JSON</a></p>
{{end}}

{{define "foot"}}</body></html>
{{end}}

{{define "actions"}}{{$g := .Group}}{{range .Actions}}<form class="inline" method="post" action="{{$.HTMLPrefix}}{{$g.ID}}/{{.Name}}"><input type="hidden" name="return" value="{{$.Return}}"><button type="submit">{{.Label}}</button></form> {{end}}{{end}}

{{define "list"}}{{template "head" .}}
<h1>Error groups</h1>
<p class="nav">{{range .StateLinks}}<a href="{{.Href}}"{{if .Current}} class="current"{{end}}>{{.Label}}</a>{{end}}</p>
<form class="filters" method="get" action="{{.HTMLPrefix}}">
<label>State <select name="state">{{range .StateOptions}}<option value="{{.Value}}"{{if .Selected}} selected{{end}}>{{.Label}}</option>{{end}}</select></label>
<label>Severity at least <select name="severity">{{range .SeverityOptions}}<option value="{{.Value}}"{{if .Selected}} selected{{end}}>{{.Label}}</option>{{end}}</select></label>
<label>Type <input name="type" value="{{index .Raw "type"}}" size="16"></label>
<label>Route <input name="route" value="{{index .Raw "route"}}" size="16"></label>
<label>Source <input name="source" value="{{index .Raw "source"}}" size="8"></label>
<label>Seen since <input name="since" value="{{index .Raw "since"}}" size="10" placeholder="1h, 7d or RFC 3339"></label>
<label>Sort <select name="sort">{{range .SortOptions}}<option value="{{.Value}}"{{if .Selected}} selected{{end}}>{{.Label}}</option>{{end}}</select></label>
<label>Limit <input name="limit" value="{{index .Raw "limit"}}" size="4" placeholder="100"></label>
<button type="submit">Filter</button> <a href="{{.HTMLPrefix}}">Reset</a>
</form>
{{if .Err}}<p class="error">{{.Err}}</p>{{else}}
<p>{{len .Groups}} group{{if ne (len .Groups) 1}}s{{end}}{{if .Truncated}} (limit reached){{end}}. <a href="{{.JSONHref}}">This list as JSON</a>.</p>
{{if .Groups}}<table>
<tr><th>Severity</th><th>State</th><th>Type</th><th>Message</th><th>Route</th><th>Source</th><th>Count</th><th>Last seen</th><th>First seen</th><th></th></tr>
{{range .Groups}}<tr>
<td><span class="sev-{{.Group.Severity}}">{{.Group.Severity}}</span></td>
<td><span class="state-{{.Group.State}}">{{.Group.State}}</span>{{if .Group.Regressions}} <small>(regressed {{.Group.Regressions}}×)</small>{{end}}</td>
<td><a href="{{.TypeHref}}"><code>{{.Group.Type}}</code></a></td>
<td><a href="{{$.HTMLPrefix}}{{.Group.ID}}">{{.Group.Message}}</a></td>
<td>{{if .Group.Route}}<a href="{{.RouteHref}}"><code>{{.Group.Route}}</code></a>{{end}}</td>
<td>{{.Group.Source}}</td>
<td class="num">{{.Group.Count}}</td>
<td title="{{ts .Group.LastSeen}}">{{ago $.Now .Group.LastSeen}}</td>
<td title="{{ts .Group.FirstSeen}}">{{ago $.Now .Group.FirstSeen}}</td>
<td>{{template "actions" .}}</td>
</tr>
{{end}}</table>{{else}}<p>No error group matches.</p>{{end}}
{{end}}
{{template "foot"}}{{end}}

{{define "detail"}}{{template "head" .}}{{$g := .Group}}
<h1><code>{{$g.Type}}</code>: {{$g.Message}}</h1>
<p>{{template "actions" .}}</p>
<table>
<tr><th>Group</th><td><code>{{$g.ID}}</code> (<a href="{{.APIPrefix}}groups/{{$g.ID}}">JSON</a>)</td></tr>
<tr><th>State</th><td><span class="state-{{$g.State}}">{{$g.State}}</span></td></tr>
<tr><th>Severity</th><td><span class="sev-{{$g.Severity}}">{{$g.Severity}}</span> (highest seen)</td></tr>
<tr><th>Count</th><td>{{$g.Count}}</td></tr>
<tr><th>Regressions</th><td>{{$g.Regressions}}</td></tr>
<tr><th>First seen</th><td>{{ts $g.FirstSeen}} ({{ago $.Now $g.FirstSeen}}){{if $g.FirstRelease}} in release <code>{{$g.FirstRelease}}</code>{{end}}</td></tr>
<tr><th>Last seen</th><td>{{ts $g.LastSeen}} ({{ago $.Now $g.LastSeen}})</td></tr>
<tr><th>Source</th><td>{{$g.Source}}</td></tr>
{{if $g.Route}}<tr><th>Route</th><td><code>{{$g.Route}}</code></td></tr>{{end}}
{{if $g.Types}}<tr><th>Type chain</th><td>{{range $i, $t := $g.Types}}{{if $i}} → {{end}}<code>{{$t}}</code>{{end}}</td></tr>{{end}}
</table>
{{with $g.Sample}}
<h2>Sample event</h2>
<table>
<tr><th>Event</th><td><code>{{.ID}}</code> at {{ts .Time}}{{if .Panic}} (panic){{end}}{{if .Canceled}} (canceled){{end}}</td></tr>
<tr><th>Severity</th><td>{{.Severity}}</td></tr>
{{if .Release}}<tr><th>Release</th><td><code>{{.Release}}</code></td></tr>{{end}}
{{with .Request}}{{if .Method}}<tr><th>Request</th><td><code>{{.Method}} {{.Route}}</code>{{if .Status}} → {{.Status}}{{end}}</td></tr>{{end}}
{{if .UserAgent}}<tr><th>User agent</th><td>{{.UserAgent}}</td></tr>{{end}}
{{if .TraceID}}<tr><th>Trace</th><td><code>{{.TraceID}}</code></td></tr>{{end}}{{end}}
{{range $k, $v := .Extra}}<tr><th>{{$k}}</th><td><code>{{$v}}</code></td></tr>{{end}}
</table>
<h3>Message</h3>
<pre>{{.Message}}</pre>
<h3>Stack (innermost first)</h3>
{{if .Frames}}<pre>{{range .Frames}}<span class="{{if .InApp}}frame-app{{else}}frame-lib{{end}}">{{.Function}}</span>
	{{.File}}{{if .Line}}:{{.Line}}{{end}}
{{end}}</pre>{{else}}<p>No stack.</p>{{end}}
{{else}}<p>No sample event kept.</p>{{end}}
<h2>Recent occurrences</h2>
{{if $g.Recent}}<table>
<tr><th>Time</th><th>Event</th><th>Severity</th><th>Route</th><th>Status</th><th>Release</th></tr>
{{range $g.Recent}}<tr><td>{{ts .Time}}</td><td><code>{{.ID}}</code></td><td>{{.Severity}}</td><td><code>{{.Route}}</code></td><td>{{if .Status}}{{.Status}}{{end}}</td><td>{{.Release}}</td></tr>
{{end}}</table>{{else}}<p>None kept.</p>{{end}}
<h2>Events per hour</h2>
{{if $g.Hourly}}<table>
<tr><th>Hour (UTC)</th><th>Count</th><th></th></tr>
{{range $g.Hourly}}<tr><td>{{hour .Start}}</td><td class="num">{{.Count}}</td><td><meter min="0" max="{{$.MaxHourly}}" value="{{.Count}}">{{.Count}}</meter></td></tr>
{{end}}</table>{{else}}<p>No hourly counts.</p>{{end}}
{{template "foot"}}{{end}}

{{define "error"}}{{template "head" .}}
<h1>{{.Title}}</h1>
<p class="error">{{.Err}}</p>
{{template "foot"}}{{end}}
`

// pages holds the parsed templates of one Handler.
type pages struct {
	tmpl *template.Template
}

func newPages() *pages {
	funcs := template.FuncMap{
		"ts": func(t time.Time) string {
			if t.IsZero() {
				return "–"
			}
			return t.UTC().Format(time.RFC3339)
		},
		"hour": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") },
		"ago":  ago,
	}
	return &pages{tmpl: template.Must(template.New("errapi").Funcs(funcs).Parse(pageTemplates))}
}

// contentSecurityPolicy allows the page's own style sheet and form posts to itself,
// nothing else: no script, no frames, no other origin.
func contentSecurityPolicy() string {
	sum := sha256.Sum256([]byte(pageCSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}

// page is what every template sees.
type page struct {
	Title      string
	HTMLPrefix string
	APIPrefix  string
	Err        string
	// Now is the handler's clock when the page was rendered, for "5m ago".
	Now time.Time
}

type option struct {
	Value, Label string
	Selected     bool
}

type link struct {
	Href, Label string
	Current     bool
}

type action struct {
	Name, Label string
}

// row is a group with the links and buttons its line of the list shows.
type row struct {
	Group      errtrack.Group
	HTMLPrefix string
	Return     string
	Actions    []action
	TypeHref   string
	RouteHref  string
}

type listPage struct {
	page
	Raw             map[string]string
	StateLinks      []link
	StateOptions    []option
	SeverityOptions []option
	SortOptions     []option
	Groups          []row
	Truncated       bool
	JSONHref        string
}

type detailPage struct {
	page
	Group     errtrack.Group
	Return    string
	Actions   []action
	MaxHourly uint64
}

func (h *handler) page(title string) page {
	return page{Title: title, HTMLPrefix: h.cfg.htmlPrefix, APIPrefix: h.cfg.prefix, Now: h.cfg.now()}
}

// actionsFor are the buttons of a group in state st.
func actionsFor(st errtrack.State) []action {
	switch st {
	case errtrack.StateResolved:
		return []action{{"unresolve", "Unresolve"}, {"ignore", "Ignore"}}
	case errtrack.StateIgnored:
		return []action{{"unresolve", "Unresolve"}, {"resolve", "Resolve"}}
	}
	return []action{{"resolve", "Resolve"}, {"ignore", "Ignore"}}
}

// hrefWith is the list's URL with parameter name set to val (or removed when val is
// empty), the other filters kept.
func (h *handler) hrefWith(raw map[string]string, name, val string) string {
	v := url.Values{}
	for k, x := range raw {
		v.Set(k, x)
	}
	if val == "" {
		v.Del(name)
	} else {
		v.Set(name, val)
	}
	if len(v) == 0 {
		return h.cfg.htmlPrefix
	}
	return h.cfg.htmlPrefix + "?" + v.Encode()
}

func (h *handler) htmlList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := parseFilter(q, h.cfg.now())
	lp := listPage{page: h.page("Error groups"), Raw: f.raw}
	if err != nil {
		// Show the form with what was typed, and the error.
		lp.Err = err.Error()
		lp.Raw = map[string]string{}
		for k := range q {
			lp.Raw[k] = q.Get(k)
		}
	}
	raw := lp.Raw
	for _, s := range []struct{ v, l string }{{"", "All"}, {"unresolved", "Unresolved"}, {"resolved", "Resolved"}, {"ignored", "Ignored"}} {
		lp.StateLinks = append(lp.StateLinks, link{Href: h.hrefWith(raw, "state", s.v), Label: s.l, Current: raw["state"] == s.v})
		lp.StateOptions = append(lp.StateOptions, option{Value: s.v, Label: s.l, Selected: raw["state"] == s.v})
	}
	for _, s := range []struct{ v, l string }{{"", "any"}, {"low", "low"}, {"medium", "medium"}, {"high", "high"}, {"critical", "critical"}} {
		lp.SeverityOptions = append(lp.SeverityOptions, option{Value: s.v, Label: s.l, Selected: raw["severity"] == s.v})
	}
	for _, s := range []struct{ v, l string }{{"", "last seen"}, {"count", "count"}} {
		sel := raw["sort"] == s.v || (s.v == "" && raw["sort"] == "last_seen")
		lp.SortOptions = append(lp.SortOptions, option{Value: s.v, Label: s.l, Selected: sel})
	}
	if err != nil {
		h.render(w, http.StatusBadRequest, "list", lp)
		return
	}
	ret := r.URL.RequestURI()
	for _, g := range h.store.Groups(f.query) {
		rw := row{Group: g, HTMLPrefix: h.cfg.htmlPrefix, Return: ret, Actions: actionsFor(g.State),
			TypeHref: h.hrefWith(raw, "type", g.Type)}
		if g.Route != "" {
			rw.RouteHref = h.hrefWith(raw, "route", g.Route)
		}
		lp.Groups = append(lp.Groups, rw)
	}
	lp.Truncated = len(lp.Groups) >= f.query.Limit
	lp.JSONHref = h.cfg.prefix + "groups"
	if len(q) > 0 {
		lp.JSONHref += "?" + q.Encode()
	}
	h.render(w, http.StatusOK, "list", lp)
}

func (h *handler) htmlGroup(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	g, ok := h.store.Group(id)
	if !ok {
		h.htmlError(w, http.StatusNotFound, fmt.Sprintf("No error group %q.", id))
		return
	}
	dp := detailPage{page: h.page(g.Type), Group: g, Return: r.URL.Path, Actions: actionsFor(g.State)}
	for _, hc := range g.Hourly {
		dp.MaxHourly = max(dp.MaxHourly, hc.Count)
	}
	h.render(w, http.StatusOK, "detail", dp)
}

func (h *handler) htmlSetState(w http.ResponseWriter, r *http.Request) {
	id, act := r.PathValue("id"), r.PathValue("action")
	st, ok := actionState(act)
	if !ok {
		h.htmlError(w, http.StatusNotFound, fmt.Sprintf("No action %q.", act))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.htmlError(w, http.StatusBadRequest, fmt.Sprintf("Could not read the form: %v.", err))
		return
	}
	if _, status, err := h.setState(id, st, "html"); err != nil {
		h.htmlError(w, status, err.Error())
		return
	}
	http.Redirect(w, r, h.returnTo(r.PostForm.Get("return"), id), http.StatusSeeOther)
}

// returnTo is where a form post redirects: the page that posted it when that is a page
// of this handler, else the group's page. It never leads off the site.
func (h *handler) returnTo(ret, id string) string {
	fallback := h.cfg.htmlPrefix + url.PathEscape(id)
	if ret == "" || strings.ContainsAny(ret, "\\\r\n") || strings.HasPrefix(ret, "//") {
		return fallback
	}
	u, err := url.Parse(ret)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, h.cfg.htmlPrefix) {
		return fallback
	}
	return u.RequestURI()
}

func (h *handler) htmlActionOther(w http.ResponseWriter, r *http.Request) {
	if _, ok := actionState(r.PathValue("action")); !ok {
		h.htmlError(w, http.StatusNotFound, "No such page.")
		return
	}
	h.htmlMethodNotAllowed("POST")(w, r)
}

func (h *handler) htmlMethodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		h.htmlError(w, http.StatusMethodNotAllowed, fmt.Sprintf("Method %s is not allowed here (want %s).", r.Method, allow))
	}
}

func (h *handler) htmlDenied(w http.ResponseWriter, _ *http.Request, err error) {
	h.htmlError(w, http.StatusForbidden, fmt.Sprintf("Cross-origin request rejected: %v.", err))
}

func (h *handler) htmlError(w http.ResponseWriter, status int, msg string) {
	p := h.page(http.StatusText(status))
	p.Err = msg
	h.render(w, status, "error", p)
}

// render executes a template into a buffer first, so that a failure is a clean 500.
func (h *handler) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := h.pages.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		h.cfg.logger.Error("could not render an error page", "template", name, "err", fmt.Errorf("render %s: %w", name, err))
		buf.Reset()
		buf.WriteString("<!DOCTYPE html><title>Internal error</title><p>Internal error: the page could not be rendered.</p>\n")
		status = http.StatusInternalServerError
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", h.csp)
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// ago says how long before now t was, roughly.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd ago", int(d/(24*time.Hour)))
}
