package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// chromiumNames are the commands FindChromium looks for, in order.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// FindChromium returns the path of a Chromium (or Chrome) to drive: path itself when it
// is set, else the first of chromium, chromium-browser and google-chrome in PATH.
func FindChromium(path string) (string, error) {
	if path != "" {
		p, err := exec.LookPath(path)
		if err != nil {
			return "", fmt.Errorf("browser %s: %w", path, err)
		}
		return p, nil
	}
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no browser found: none of %v in PATH (Debian: apt-get install chromium)", chromiumNames)
}

// BrowserFlags are the command-line flags the demo starts Chromium with: headless,
// without a sandbox (it runs as root in containers), and without the background
// traffic (updates, sync, safe browsing, QUIC probes) that would otherwise flood a
// closed network. The profile is a fresh --user-data-dir each time.
var BrowserFlags = []string{"headless", "no-sandbox", "disable-gpu", "disable-quic", "no-first-run",
	"no-default-browser-check", "disable-background-networking", "disable-component-update", "disable-sync",
	"disable-extensions", "disable-default-apps", "disable-dev-shm-usage", "mute-audio"}

// A Browser is a headless Chromium in its own process group, with a fresh profile.
type Browser struct {
	root   context.Context // the first tab, which holds the browser open; visits use it
	cancel func()
	mu     sync.Mutex               // one visit at a time
	cmd    atomic.Pointer[exec.Cmd] // set while the browser starts
	dir    string
}

// StartBrowser starts the Chromium at execPath (see FindChromium) with BrowserFlags;
// its own output goes to output when that is not nil. Close ends it.
func StartBrowser(ctx context.Context, execPath string, output io.Writer) (*Browser, error) {
	dir, err := os.MkdirTemp("", "perfwatch-chromium-")
	if err != nil {
		return nil, fmt.Errorf("browser profile: %w", err)
	}
	b := &Browser{dir: dir}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(execPath), chromedp.UserDataDir(dir),
		chromedp.WindowSize(1280, 900),
		chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) {
			// Its own process group, killed whole: Chromium's helpers (zygote,
			// renderers, network service) go with it.
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
			cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
			b.cmd.Store(cmd)
		})}
	for _, f := range BrowserFlags {
		opts = append(opts, chromedp.Flag(f, true))
	}
	if output != nil {
		opts = append(opts, chromedp.CombinedOutput(output))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.WithoutCancel(ctx), opts...)
	root, cancelRoot := chromedp.NewContext(allocCtx)
	b.root = root
	b.cancel = func() { cancelRoot(); cancelAlloc() }
	// The first run starts the browser, which lives as long as that run's context:
	// root, without a deadline; a timer bounds the start instead.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(root) }()
	select {
	case err = <-started:
	case <-time.After(30 * time.Second):
		err = errors.New("no answer within 30s")
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("start %s: %w", execPath, err)
	}
	return b, nil
}

// Alive reports whether the browser still runs.
func (b *Browser) Alive() bool { return b.root.Err() == nil }

// Close ends the browser and its process group, and removes its profile.
func (b *Browser) Close() {
	b.cancel()
	// Leftovers of the group. cancel has waited for the browser, so Process is set
	// when it started at all.
	if cmd := b.cmd.Load(); cmd != nil && cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	_ = os.RemoveAll(b.dir)
}

// Visit is one user's visit of the demo's app at baseURL (http://host:port), in the
// browser's tab (visits wait for each other): it loads /app/ (the vault's items by
// fetch, the user by XMLHttpRequest, the list's render measured), waits for the notice
// that shifts the layout, types a filter and applies it (interactions, for INP),
// throws an error in a click handler and leaves a promise rejection unhandled, opens
// an item (a History API navigation to /app/items/{id}) and goes back to the list the
// same way, and finally leaves the page for about:blank, so that the snippet sends its
// beacons on pagehide.
func (b *Browser) Visit(ctx context.Context, baseURL string) error {
	// One tab for every visit, one visit at a time: a browser's later tabs may not
	// be painted at full rate in headless mode, which would add to the interaction's
	// time (INP) what the page never took.
	b.mu.Lock()
	defer b.mu.Unlock()
	tab, cancel := context.WithTimeout(b.root, 45*time.Second)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	list := chromedp.CSS(`#view[data-ready="list"] #items li a`)
	steps := []struct {
		what string
		act  chromedp.Action[chromedp.Void]
	}{
		// A hidden page sends its beacon at once: bring the tab to the front first.
		{"bring the tab to the front", bringToFront},
		{"load /app/", chromedp.Navigate(baseURL + "/app/")},
		{"wait for the item list", chromedp.WaitVisible(list)},
		{"wait for the layout shift", chromedp.WaitVisible(chromedp.CSS(`#notice`))},
		{"type a filter", chromedp.SendKeys(chromedp.CSS(`#filter`), "3")},
		{"apply the filter", chromedp.Click(chromedp.CSS(`#filter-apply`))},
		{"wait for the filtered list", chromedp.WaitVisible(list)},
		{"throw an error", chromedp.Click(chromedp.CSS(`#throw`))},
		{"wait for the error", chromedp.WaitReady(chromedp.CSS(`#status[data-error]`))},
		{"reject a promise", chromedp.Click(chromedp.CSS(`#reject`))},
		// unhandledrejection comes a task later: wait for it, so that it belongs to
		// the list view.
		{"wait for the rejection", chromedp.WaitReady(chromedp.CSS(`#status[data-rejection]`))},
		{"open an item", chromedp.Click(list)},
		{"wait for the item", chromedp.WaitVisible(chromedp.CSS(`#view[data-ready="item"] #item-detail`))},
		{"go back to the list", chromedp.Click(chromedp.CSS(`#back`))},
		{"wait for the list again", chromedp.WaitVisible(list)},
		{"leave the page", chromedp.Navigate("about:blank")},
		// sendBeacon hands the beacons to the browser; give them a moment before
		// the next visit or the browser's end.
		{"let the beacons go", chromedp.Sleep(300 * time.Millisecond)},
	}
	for _, s := range steps {
		if err := chromedp.Do(tab, s.act); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("visit %s/app/: %s: %w", baseURL, s.what, err)
		}
	}
	return nil
}

// bringToFront activates the tab of the action's target.
func bringToFront(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
	_, err := cdp.Call(ctx, t, cdppage.BringToFront, cdp.Empty{})
	return chromedp.Void{}, err
}

// firstVisitDelay is how long BrowserLoad waits before its first visit.
const firstVisitDelay = 2 * time.Second

// BrowserLoad visits the demo's app in a headless Chromium every Interval (see
// Browser.Visit), so that the browser monitoring shows real page views. Without a
// browser it logs why once and does nothing.
type BrowserLoad struct {
	BaseURL  string
	Interval time.Duration
	// ExecPath is the browser to start; empty looks for one (FindChromium).
	ExecPath string
	Logger   *slog.Logger
}

// Run visits the app until ctx ends, reusing one browser (restarted when it dies).
func (l *BrowserLoad) Run(ctx context.Context) error {
	if l.Interval <= 0 {
		return fmt.Errorf("browser load: interval %v must be positive", l.Interval)
	}
	path, err := FindChromium(l.ExecPath)
	if err != nil {
		l.Logger.Info("load: no headless browser visits", "reason", err)
		return nil
	}
	l.Logger.Info("load: headless browser visits", "browser", path, "interval", l.Interval)
	var b *Browser
	defer func() {
		if b != nil {
			b.Close()
		}
	}()
	// The first visit soon after start (once the listener is up), then every Interval.
	select {
	case <-ctx.Done():
		return nil
	case <-time.After(min(l.Interval, firstVisitDelay)):
	}
	tick := time.NewTicker(l.Interval)
	defer tick.Stop()
	for {
		if b != nil && !b.Alive() {
			b.Close()
			b = nil
		}
		if b == nil {
			if b, err = StartBrowser(ctx, path, nil); err != nil {
				l.Logger.Warn("load: browser", "err", err)
				b = nil
			}
		}
		if b != nil {
			if err := b.Visit(ctx, l.BaseURL); err != nil && !errors.Is(err, context.Canceled) {
				l.Logger.Warn("load: browser visit", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
