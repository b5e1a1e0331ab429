package registry

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// toolchainModule is where the proxy serves Go releases, one version per release
// and platform ("v0.0.1-go1.23.4.linux-amd64"); stdlib and toolchain are answered
// from it.
const toolchainModule = "golang.org/toolchain"

// proxyEntry is one GOPROXY list element. anyError says the separator after it
// was a pipe: fall through to the next entry on any error, not only 404 and 410.
type proxyEntry struct {
	url      string // a base URL, "direct" or "off"
	anyError bool
}

// parseGoProxy splits a GOPROXY value as the go command does
// (https://go.dev/ref/mod#goproxy-protocol).
func parseGoProxy(v string) []proxyEntry {
	var out []proxyEntry
	for v != "" {
		i := strings.IndexAny(v, ",|")
		item, sep := v, byte(0)
		if i >= 0 {
			item, sep, v = v[:i], v[i], v[i+1:]
		} else {
			v = ""
		}
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		out = append(out, proxyEntry{url: strings.TrimRight(item, "/"), anyError: sep == '|'})
	}
	if len(out) == 0 {
		out = []proxyEntry{{url: "off"}}
	}
	return out
}

// goOffline reports whether GOPROXY allows no lookup at all ("off" first).
func goOffline(ps []proxyEntry) bool { return len(ps) > 0 && ps[0].url == "off" }

// matchPrivate reports whether path matches the GOPRIVATE/GONOPROXY patterns.
func matchPrivate(patterns, path string) bool {
	return patterns != "" && module.MatchPrefixPatterns(patterns, path)
}

type goSource struct {
	proxies   []proxyEntry
	toolchain bool
}

// get asks each GOPROXY entry in turn for $base/$rel.
func (s goSource) get(ctx context.Context, r *run, rel string, decode func(io.Reader) error) error {
	var last error
	for _, p := range s.proxies {
		switch p.url {
		case "off":
			if last != nil {
				return fmt.Errorf("%w; then GOPROXY=off: %w", last, ErrOffline)
			}
			return fmt.Errorf("GOPROXY=off: %w", ErrOffline)
		case "direct":
			if last != nil {
				return fmt.Errorf("%w; then %w", last, ErrDirect)
			}
			return ErrDirect
		}
		err := r.get(ctx, p.url+"/"+rel, "", decode)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || !(p.anyError || errors.Is(err, ErrNotFound)) {
			return err
		}
		last = err
	}
	return last
}

func (s goSource) getBytes(ctx context.Context, r *run, rel string) ([]byte, error) {
	var data []byte
	err := s.get(ctx, r, rel, func(rd io.Reader) error {
		var err error
		data, err = io.ReadAll(rd)
		return err
	})
	return data, err
}

// goInfo is the proxy's .info and @latest answer.
type goInfo struct {
	Version string
	Time    time.Time
}

func (s goSource) info(ctx context.Context, r *run, esc, rel string) (goInfo, error) {
	var gi goInfo
	err := s.get(ctx, r, esc+"/"+rel, func(rd io.Reader) error {
		gi = goInfo{}
		return decodeGoInfo(rd, &gi)
	})
	return gi, err
}

func decodeGoInfo(rd io.Reader, gi *goInfo) error {
	if err := json.NewDecoder(rd).Decode(gi); err != nil {
		return fmt.Errorf("decode version info: %w", err)
	}
	if !semver.IsValid(gi.Version) {
		return fmt.Errorf("version info: invalid version %q", gi.Version)
	}
	return nil
}

// parseGoList reads an @v/list answer: one version per line, others ignored.
func parseGoList(data []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if v := strings.TrimSpace(sc.Text()); semver.IsValid(v) {
			out = append(out, v)
		}
	}
	return out
}

// highest returns the highest release accepted by ok, else the highest
// pre-release, else "": the go command's "latest" query.
func highest(versions []string, ok func(string) bool) string {
	var rel, pre string
	for _, v := range versions {
		if ok != nil && !ok(v) {
			continue
		}
		if semver.Prerelease(v) == "" {
			if rel == "" || semver.Compare(v, rel) > 0 {
				rel = v
			}
		} else if pre == "" || semver.Compare(v, pre) > 0 {
			pre = v
		}
	}
	if rel != "" {
		return rel
	}
	return pre
}

func (s goSource) fetch(ctx context.Context, r *run, name string, used []string) (*facts, error) {
	if s.toolchain {
		return s.fetchToolchain(ctx, r, used)
	}
	esc, err := module.EscapePath(name)
	if err != nil {
		return nil, fmt.Errorf("module path: %w", err)
	}
	list, err := s.getBytes(ctx, r, esc+"/@v/list")
	if err != nil {
		return nil, err
	}
	f := &facts{Releases: map[string]release{}}
	versions := parseGoList(list)
	// Retractions and deprecation come from the go.mod of the highest version,
	// retracted or not, as the go command reads them (go.dev/ref/mod#go-mod-file-retract).
	top := highest(versions, nil)
	if top == "" {
		gi, err := s.info(ctx, r, esc, "@latest")
		if err != nil {
			return nil, err
		}
		top = gi.Version
		versions = append(versions, top)
		f.Releases[top] = release{Time: gi.Time}
	}
	if err := s.readMod(ctx, r, name, esc, top, f); err != nil {
		f.Notes = append(f.Notes, fmt.Sprintf("go.mod of %s not read (deprecation and retractions unknown): %v", top, err))
	}
	f.Latest = highest(versions, func(v string) bool {
		for _, rt := range f.Retracted {
			if rt.covers(v) {
				return false
			}
		}
		return true
	})
	if f.Latest == "" {
		f.Latest = top
		f.Notes = append(f.Notes, "every version is retracted")
	}
	if _, err := s.complete(ctx, r, name, f, used); err != nil {
		f.Notes = append(f.Notes, fmt.Sprintf("release time not looked up: %v", err))
	}
	return f, nil
}

func (s goSource) readMod(ctx context.Context, r *run, name, esc, v string, f *facts) error {
	ev, err := module.EscapeVersion(v)
	if err != nil {
		return err
	}
	data, err := s.getBytes(ctx, r, esc+"/@v/"+ev+".mod")
	if err != nil {
		return err
	}
	return goModFacts(name, v, data, f)
}

// goModFacts reads the module's deprecation and retractions from its go.mod at v.
func goModFacts(name, v string, data []byte, f *facts) error {
	// ParseLax is how the go command reads dependencies' go.mod files: it keeps
	// module (with its Deprecated comment) and retract, and skips what a newer go
	// may have added.
	mf, err := modfile.ParseLax(name+"@"+v+"/go.mod", data, nil)
	if err != nil {
		return err
	}
	if mf.Module != nil && mf.Module.Deprecated != "" {
		f.Deprecated, f.DeprecationMessage = true, mf.Module.Deprecated
	}
	for _, rt := range mf.Retract {
		f.Retracted = append(f.Retracted, retraction{Low: rt.Low, High: rt.High, Rationale: rt.Rationale})
	}
	return nil
}

// complete fetches the .info (release time) of the latest and the used versions
// not yet known.
func (s goSource) complete(ctx context.Context, r *run, name string, f *facts, used []string) (bool, error) {
	if s.toolchain {
		name = toolchainModule
	}
	esc, err := module.EscapePath(name)
	if err != nil {
		return false, fmt.Errorf("module path: %w", err)
	}
	if f.Releases == nil {
		f.Releases = map[string]release{}
	}
	changed := false
	var errs []error
	for _, v := range append([]string{f.Latest}, used...) {
		if _, ok := f.Releases[v]; ok || !semver.IsValid(v) {
			continue
		}
		served := v
		if s.toolchain {
			if served = f.Alias[v]; served == "" {
				continue
			}
		}
		ev, err := module.EscapeVersion(served)
		if err != nil {
			continue
		}
		gi, err := s.info(ctx, r, esc, "@v/"+ev+".info")
		switch {
		case errors.Is(err, ErrNotFound):
			f.Releases[v] = release{Unlisted: true}
		case err != nil:
			errs = append(errs, err)
			continue
		default:
			f.Releases[v] = release{Time: gi.Time}
		}
		changed = true
	}
	return changed, errors.Join(errs...)
}

// goRelease matches the Go release in a golang.org/toolchain version.
var goRelease = regexp.MustCompile(`^v0\.0\.1-go([0-9]+)\.([0-9]+)(?:\.([0-9]+))?(?:(rc|beta)([0-9]+))?\.([a-z0-9]+-[a-z0-9]+)$`)

// toolchainSemver converts a golang.org/toolchain version to the semver the
// stdlib and toolchain pseudo-packages carry ("go1.22rc1" is "v1.22.0-rc.1"), and
// returns its platform.
func toolchainSemver(v string) (string, string, bool) {
	m := goRelease.FindStringSubmatch(v)
	if m == nil {
		return "", "", false
	}
	patch := m[3]
	if patch == "" {
		patch = "0"
	}
	sv := "v" + m[1] + "." + m[2] + "." + patch
	if m[4] != "" {
		sv += "-" + m[4] + "." + m[5]
	}
	if !semver.IsValid(sv) {
		return "", "", false
	}
	return sv, m[6], true
}

func (s goSource) fetchToolchain(ctx context.Context, r *run, used []string) (*facts, error) {
	list, err := s.getBytes(ctx, r, toolchainModule+"/@v/list")
	if err != nil {
		return nil, err
	}
	f := &facts{Releases: map[string]release{}, Alias: map[string]string{}}
	var versions []string
	for _, v := range parseGoList(list) {
		sv, platform, ok := toolchainSemver(v)
		if !ok {
			continue
		}
		// Any platform's archive dates the release; linux-amd64 is preferred so
		// the answer does not depend on the list's order.
		if prev, seen := f.Alias[sv]; !seen || (platform == "linux-amd64" && !strings.HasSuffix(prev, ".linux-amd64")) {
			if !seen {
				versions = append(versions, sv)
			}
			f.Alias[sv] = v
		}
	}
	f.Latest = highest(versions, nil)
	if f.Latest == "" {
		return nil, fmt.Errorf("%s: no Go release listed", toolchainModule)
	}
	if _, err := s.complete(ctx, r, toolchainModule, f, used); err != nil {
		f.Notes = append(f.Notes, fmt.Sprintf("release time not looked up: %v", err))
	}
	return f, nil
}
