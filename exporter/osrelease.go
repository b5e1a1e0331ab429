package exporter

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// osCollector exports node_os_info, node_os_version and
// node_os_support_end_timestamp_seconds from os-release(5): /etc/os-release,
// or /usr/lib/os-release when the first is missing, under --path.rootfs.
type osCollector struct {
	paths      []string
	cached     *osRelease
	info       *Desc
	version    *Desc
	supportEnd *Desc
}

// osInfoKeys are the os-release keys node_os_info carries, in label order.
var osInfoKeys = []struct{ label, key string }{
	{"build_id", "BUILD_ID"}, {"id", "ID"}, {"id_like", "ID_LIKE"}, {"image_id", "IMAGE_ID"},
	{"image_version", "IMAGE_VERSION"}, {"name", "NAME"}, {"pretty_name", "PRETTY_NAME"},
	{"variant", "VARIANT"}, {"variant_id", "VARIANT_ID"}, {"version", "VERSION"},
	{"version_codename", "VERSION_CODENAME"}, {"version_id", "VERSION_ID"},
}

var osVersionRE = regexp.MustCompile(`^[0-9]+\.?[0-9]*`)

func newOSCollector(cfg Config) (Collector, error) {
	labels := make([]string, len(osInfoKeys))
	for i, k := range osInfoKeys {
		labels[i] = k.label
	}
	return &osCollector{
		paths: []string{filepath.Join(cfg.RootFS, "etc", "os-release"), filepath.Join(cfg.RootFS, "usr", "lib", "os-release")},
		info: NewDesc("node_os_info", "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, image_version, "+
			"name, pretty_name, variant, variant_id, version, version_codename, version_id.", Gauge, labels...),
		version:    NewDesc("node_os_version", "Metric containing the major.minor part of the OS version.", Gauge, "id", "id_like", "name"),
		supportEnd: NewDesc("node_os_support_end_timestamp_seconds", "Metric containing the end-of-life date timestamp of the OS.", Gauge),
	}, nil
}

func (c *osCollector) Descs() []*Desc { return []*Desc{c.info, c.version, c.supportEnd} }

func (c *osCollector) Update(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// The file is parsed again only when stat says it changed (package
	// upgrades replace it), which costs a stat instead of a read and a parse
	// per scrape.
	var path string
	var key [4]int64
	for _, p := range c.paths {
		var st unix.Stat_t
		err := unix.Stat(p, &st)
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
			continue
		}
		if err != nil {
			return &fs.PathError{Op: "stat", Path: p, Err: err}
		}
		path, key = p, [4]int64{int64(st.Ino), st.Size, st.Mtim.Nano(), int64(st.Dev)}
		break
	}
	if path == "" {
		c.cached = nil
		return nil // neither file: nothing to say, as node_exporter
	}
	if c.cached == nil || c.cached.path != path || c.cached.key != key {
		r, err := c.read(path)
		if err != nil {
			return err
		}
		r.key = key
		c.cached = r
	}
	r := c.cached
	b.Add(c.info, 1, r.values...)
	b.Add(c.version, r.version, r.id, r.idLike, r.name)
	if r.hasSupportEnd {
		b.Add(c.supportEnd, r.supportEnd)
	}
	return r.err
}

// osRelease is what one reading of an os-release file gives.
type osRelease struct {
	path                string
	key                 [4]int64 // inode, size, mtime, device
	values              []string // node_os_info's label values
	id, idLike, name    string
	version, supportEnd float64
	hasSupportEnd       bool
	err                 error // lines that did not parse, reported every scrape
}

func (c *osCollector) read(path string) (*osRelease, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	// Lines that do not parse are named in the error; the others are kept.
	env, parseErr := parseOSRelease(data)
	if parseErr != nil {
		parseErr = fmt.Errorf("parse %s: %w", path, parseErr)
	}
	r := &osRelease{path: path, id: env["ID"], idLike: env["ID_LIKE"], name: env["NAME"], err: parseErr}
	r.values = make([]string, len(osInfoKeys))
	for i, k := range osInfoKeys {
		r.values[i] = env[k.key]
	}
	if mm := osVersionRE.FindString(env["VERSION_ID"]); mm != "" {
		if r.version, err = strconv.ParseFloat(mm, 64); err != nil {
			return nil, fmt.Errorf("parse VERSION_ID %q of %s: %w", env["VERSION_ID"], path, err)
		}
	}
	if s := env["SUPPORT_END"]; s != "" {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			r.err = errors.Join(r.err, fmt.Errorf("parse SUPPORT_END %q of %s: %w", s, path, err))
		} else {
			r.supportEnd, r.hasSupportEnd = float64(t.Unix()), true
		}
	}
	return r, nil
}

// parseOSRelease reads os-release(5): newline-separated KEY=value
// assignments compatible with shell syntax, values optionally in single or
// double quotes, backslash escaping $, ", \ and ` inside double quotes and
// any character outside quotes; lines starting with # are comments. It
// returns every assignment that parses, and an error naming the lines that
// do not.
func parseOSRelease(data []byte) (map[string]string, error) {
	env := map[string]string{}
	var errs []error
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		key, raw, ok := strings.Cut(line, "=")
		if !ok || key == "" || strings.ContainsAny(key, " \t\"'") {
			errs = append(errs, fmt.Errorf("line %d: not an assignment: %q", n, line))
			continue
		}
		v, err := unquoteOSRelease(raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d: %s: %w", n, key, err))
			continue
		}
		env[key] = v
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, err)
	}
	return env, errors.Join(errs...)
}

func unquoteOSRelease(raw string) (string, error) {
	var out strings.Builder
	var quote byte // the open quote, or 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				out.WriteByte(c)
			}
		case c == '\\':
			if i+1 == len(raw) {
				return "", errors.New("backslash at end of value")
			}
			next := raw[i+1]
			if quote == '"' && !strings.ContainsRune("$\"\\`", rune(next)) {
				out.WriteByte(c) // kept literally inside double quotes
			}
			out.WriteByte(next)
			i++
		case quote == '"':
			if c == '"' {
				quote = 0
			} else {
				out.WriteByte(c)
			}
		case c == '"' || c == '\'':
			quote = c
		case c == ' ' || c == '\t':
			return "", errors.New("unquoted whitespace in value")
		default:
			out.WriteByte(c)
		}
	}
	if quote != 0 {
		return "", fmt.Errorf("unterminated %c quote", quote)
	}
	return out.String(), nil
}
