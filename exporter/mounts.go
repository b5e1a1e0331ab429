package exporter

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
)

// mount is one filesystem to report, with its labels resolved.
type mount struct {
	device     string
	mountPoint string // label value: as seen from the host's root
	fsType     string
	statPath   string // where to call statfs: under --path.rootfs
	readOnly   bool
}

// parseMounts reads /proc/<pid>/mounts content and returns the mounts that
// pass the exclusion filters, without duplicates. It runs only when the mount
// table changed, which is what keeps the regexes off the per-scrape path.
func parseMounts(data []byte, rootFS string, cfg FilesystemConfig) ([]mount, error) {
	var out []mount
	seen := map[[3]string]bool{}
	for len(data) > 0 {
		var line []byte
		line, data = nextLine(data)
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		dev, rest := nextField(line)
		mp, rest := nextField(rest)
		fsType, rest := nextField(rest)
		opts, _ := nextField(rest)
		if len(opts) == 0 {
			return out, fmt.Errorf("bad mounts line %q", truncate(line))
		}
		m := mount{
			device:     labelSafe(unescapeMount(dev)),
			mountPoint: labelSafe(stripRootFS(unescapeMount(mp), rootFS)),
			fsType:     labelSafe(string(fsType)),
			readOnly:   hasOption(opts, "ro"),
		}
		if cfg.MountPointsExclude != nil && cfg.MountPointsExclude.MatchString(m.mountPoint) {
			continue
		}
		if cfg.FSTypesExclude != nil && cfg.FSTypesExclude.MatchString(m.fsType) {
			continue
		}
		key := [3]string{m.device, m.mountPoint, m.fsType}
		if seen[key] {
			continue // the same mount listed twice (bind mounts of one tmpfs)
		}
		seen[key] = true
		m.statPath = filepath.Join(rootFS, stripRootFS(unescapeMount(mp), rootFS))
		out = append(out, m)
	}
	return out, nil
}

// unescapeMount undoes the kernel's octal escapes (\040 for space, \011 tab,
// \012 newline, \134 backslash) in /proc/mounts fields.
func unescapeMount(b []byte) string {
	if bytes.IndexByte(b, '\\') < 0 {
		return string(b)
	}
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+3 < len(b) && isOctal(b[i+1]) && isOctal(b[i+2]) && isOctal(b[i+3]) {
			sb.WriteByte((b[i+1]-'0')<<6 | (b[i+2]-'0')<<3 | (b[i+3] - '0'))
			i += 3
			continue
		}
		sb.WriteByte(b[i])
	}
	return sb.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// stripRootFS turns a path under --path.rootfs into the host's path, as
// node_exporter does, so labels are the same inside and outside a container.
func stripRootFS(p, rootFS string) string {
	if rootFS == "/" || rootFS == "" {
		return p
	}
	s := strings.TrimPrefix(p, strings.TrimSuffix(rootFS, "/"))
	if s == "" {
		return "/"
	}
	return s
}

func hasOption(opts []byte, want string) bool {
	for len(opts) > 0 {
		i := bytes.IndexByte(opts, ',')
		if i < 0 {
			return string(opts) == want
		}
		if string(opts[:i]) == want {
			return true
		}
		opts = opts[i+1:]
	}
	return false
}

// labelSafe replaces invalid UTF-8, which the text format does not allow in
// label values; paths on Linux are arbitrary bytes.
func labelSafe(s string) string {
	return strings.ToValidUTF8(s, "\uFFFD")
}
