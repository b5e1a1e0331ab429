package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perfwatch/perfwatch/internal/testaddr"
	"github.com/perfwatch/perfwatch/internal/testtool"
)

// The real applications under e2e/apps (issue #12), run as processes by
// TestBackends: a Django application instrumented with django-prometheus and an
// express application instrumented with OpenTelemetry JS. e2e/apps/README.md says how
// they are built, what they expose and which routes they have.

// backendApp is one running application and the traffic the test drives at it.
type backendApp struct {
	job     string // the job label Prometheus scrapes it under
	source  string // what instruments it, as docs/backends.md names the source
	base    string // http://host:port of the application
	scrape  string // host:port of its /metrics
	proc    *process
	streams []trafficStream
}

// djangoPython is the interpreter the Django app runs with: Debian's, with
// python3-django and python3-django-prometheus, whatever python3 is first on PATH.
const djangoPython = "/usr/bin/python3"

// startDjangoApp runs e2e/apps/run-django.sh on a free port; /metrics is on the same port.
func startDjangoApp(ctx context.Context, t *testing.T, job, logs string) *backendApp {
	t.Helper()
	if err := exec.Command(djangoPython, "-c", "import django, django_prometheus").Run(); err != nil {
		testtool.Missing(t, "%s cannot import django and django_prometheus (%v): run scripts/install-backend-apps.sh (apt-get install python3-django python3-django-prometheus)", djangoPython, err)
	}
	script, err := filepath.Abs("apps/run-django.sh")
	if err != nil {
		t.Fatal(err)
	}
	addr := testaddr.Must(t)
	p, err := startWithEnv(job, logs, []string{"DJANGO_PYTHON=" + djangoPython}, script, port(addr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.stop)
	a := &backendApp{job: job, source: "django-prometheus", base: "http://" + addr, scrape: addr, proc: p}
	if err := p.waitHTTP(ctx, a.base+"/"); err != nil {
		t.Fatal(err)
	}
	return a
}

// startNodeApp runs e2e/apps/run-node.sh on two free ports, the application's and
// the Prometheus exporter's: app is node-otel (OpenTelemetry JS 0.223, stable
// conventions) or node-otel-0.220 with semconv "" (the SDK's default there: the old
// conventions, milliseconds).
func startNodeApp(ctx context.Context, t *testing.T, job, logs, app, semconv, source string) *backendApp {
	t.Helper()
	testtool.Need(t, "node", "apt-get install nodejs npm, then scripts/install-backend-apps.sh")
	if _, err := os.Stat(filepath.Join("apps", app, "node_modules")); err != nil {
		testtool.Missing(t, "e2e/apps/%s/node_modules is missing: run scripts/install-backend-apps.sh (npm ci --prefix e2e/apps/%s)", app, app)
	}
	script, err := filepath.Abs("apps/run-node.sh")
	if err != nil {
		t.Fatal(err)
	}
	addr, metrics := testaddr.Must(t), testaddr.Must(t)
	p, err := startWithEnv(job, logs, []string{"NODE_OTEL_APP=" + app, "OTEL_SEMCONV_STABILITY_OPT_IN=" + semconv}, script, port(addr), port(metrics))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.stop)
	a := &backendApp{job: job, source: source, base: "http://" + addr, scrape: metrics, proc: p}
	if err := p.waitHTTP(ctx, a.base+"/"); err != nil {
		t.Fatal(err)
	}
	if err := p.waitHTTP(ctx, "http://"+metrics+"/metrics"); err != nil {
		t.Fatal(err)
	}
	return a
}

// addOTelJSTargets is addTargets with docs/backends.md's scrape configuration for
// OpenTelemetry JS's exporter (the shared Prometheus's job targets-otel-js).
func (p *prometheus) addOTelJSTargets(job string, targets ...string) (remove func(), err error) {
	return p.writeSD("targets-otel-js", job, targets, map[string]string{"job": job})
}

// startWithEnv is start with extra environment variables, through env(1), which
// execs the script: start puts it in its own process group, so that stop's
// kill(-pgid, SIGTERM) reaches the interpreter behind any wrapper.
func startWithEnv(name, logDir string, env []string, bin string, args ...string) (*process, error) {
	return start(name, logDir, "env", append(append(env, bin), args...)...)
}

func port(addr string) string { return addr[strings.LastIndexByte(addr, ':')+1:] }

// trafficStream is one kind of request, sent by workers one after another with a
// pause between a worker's requests.
type trafficStream struct {
	method, contentType, body string
	path                      func(i int) string // the i-th request's path
	route                     string             // the http_route the adapters record it under
	workers                   int
	pause                     time.Duration
}

func get(path, route string, workers int, pause time.Duration) trafficStream {
	return trafficStream{method: http.MethodGet, path: func(int) string { return path }, route: route, workers: workers, pause: pause}
}

func getEach(paths []string, route string, pause time.Duration) trafficStream {
	return trafficStream{method: http.MethodGet, path: func(i int) string { return paths[i%len(paths)] }, route: route, workers: 1, pause: pause}
}

// djangoTraffic and nodeTraffic are the mixes: about 7.5 requests per second each,
// three workers always waiting on the slow route (0.6–1.5 s, half of them over the 1 s
// threshold: about 19 % of all requests are slow, above the 14.4 % at which the
// latency SLO's fastest burn rate alerts), the flaky route at ~1.6 rps with 20 % 5xx,
// and a little of everything else (README's route list).
func djangoTraffic() []trafficStream {
	return []trafficStream{
		get("/", "shop:index", 1, 2*time.Second),
		get("/items/", "shop:item-list", 1, 2*time.Second),
		getEach([]string{"/items/1/", "/items/2/", "/items/3/", "/items/4/", "/items/5/"}, "shop:item-detail", 2*time.Second),
		get("/items/999/", "shop:item-detail", 1, 4*time.Second), // Http404 raised in the view
		{method: http.MethodPost, contentType: "application/x-www-form-urlencoded", body: "name=posted",
			path: func(int) string { return "/items/" }, route: "shop:item-list", workers: 1, pause: 4 * time.Second},
		get("/slow/", "shop:slow", 3, 0),
		get("/flaky/", "shop:flaky", 1, 600*time.Millisecond),
		get("/items/with-category/", "shop:items-with-category", 1, 2*time.Second), // N+1
		getEach([]string{"/cached/a/", "/cached/b/", "/cached/a/", "/cached/c/", "/cached/a/", "/cached/b/"}, "shop:cached", 2*time.Second),
		get("/no/such/path", "other", 1, 4*time.Second), // no view: 404
	}
}

func nodeTraffic() []trafficStream {
	return []trafficStream{
		get("/", "/", 1, 2*time.Second),
		get("/items", "/items", 1, 2*time.Second),
		getEach([]string{"/items/1", "/items/2", "/items/3", "/items/4", "/items/5"}, "/items/:id", 2*time.Second),
		get("/items/999", "/items/:id", 1, 4*time.Second), // 404 from the matched route
		{method: http.MethodPost, contentType: "application/json", body: `{"name":"posted"}`,
			path: func(int) string { return "/items" }, route: "/items", workers: 1, pause: 4 * time.Second},
		get("/slow", "/slow", 3, 0),
		get("/flaky", "/flaky", 1, 600*time.Millisecond),
		get("/boom", "/boom", 1, 4*time.Second),         // thrown: 500 from express's error handler
		get("/no/such/path", "other", 1, 4*time.Second), // no route: 404
	}
}

// traffic drives the streams of some apps until stop is called, counting answers.
type traffic struct {
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	mu       sync.Mutex
	counts   map[string]map[string]int // job → "METHOD path-of-stream status" → n
	started  map[string]map[string]int // job → route → requests sent
	answered map[string]map[string]int // job → route → requests answered before the stop
	errs     map[string][]string       // job → transport errors
	start    time.Time
}

func startTraffic(apps ...*backendApp) *traffic {
	ctx, cancel := context.WithCancel(context.Background())
	tr := &traffic{cancel: cancel, counts: map[string]map[string]int{}, started: map[string]map[string]int{},
		answered: map[string]map[string]int{}, errs: map[string][]string{}, start: time.Now()}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 10 * time.Second}
	// Every map before any worker starts: the workers read them.
	for _, a := range apps {
		tr.counts[a.job], tr.started[a.job], tr.answered[a.job] = map[string]int{}, map[string]int{}, map[string]int{}
	}
	for _, a := range apps {
		for si, s := range a.streams {
			for w := range s.workers {
				tr.wg.Add(1)
				go func() {
					defer tr.wg.Done()
					// Spread the workers' first requests over the first pause.
					if s.pause > 0 {
						offset := time.Duration(si*97+w*331) * time.Millisecond % s.pause
						select {
						case <-ctx.Done():
							return
						case <-time.After(offset):
						}
					}
					for i := w; ctx.Err() == nil; i += s.workers {
						tr.send(ctx, client, a, s, i)
						select {
						case <-ctx.Done():
						case <-time.After(s.pause):
						}
					}
				}()
			}
		}
	}
	return tr
}

func (tr *traffic) send(ctx context.Context, client *http.Client, a *backendApp, s trafficStream, i int) {
	path := s.path(i)
	var body io.Reader
	if s.body != "" {
		body = strings.NewReader(s.body)
	}
	req, err := http.NewRequestWithContext(ctx, s.method, a.base+path, body)
	if err != nil {
		panic(err)
	}
	if s.contentType != "" {
		req.Header.Set("Content-Type", s.contentType)
	}
	tr.mu.Lock()
	tr.started[a.job][s.route]++
	tr.mu.Unlock()
	resp, err := client.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	switch {
	case ctx.Err() != nil: // stopped: not counted
	case err != nil:
		tr.errs[a.job] = append(tr.errs[a.job], err.Error())
	default:
		tr.counts[a.job][fmt.Sprintf("%s %s %d", s.method, s.path(0), resp.StatusCode)]++
		tr.answered[a.job][s.route]++
	}
}

// stop ends the traffic and waits for the requests in flight.
func (tr *traffic) stop() time.Duration {
	tr.cancel()
	tr.wg.Wait()
	return time.Since(tr.start)
}

// summary is the answers per job, for the log.
func (tr *traffic) summary(job string) (total int, lines string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var keys []string
	for k, n := range tr.counts[job] {
		keys = append(keys, fmt.Sprintf("%s ×%d", k, n))
		total += n
	}
	sort.Strings(keys)
	return total, strings.Join(keys, ", ")
}
