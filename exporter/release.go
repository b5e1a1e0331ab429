package exporter

import (
	"bytes"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// ReleaseStartupPages unmaps this process's read-only mappings of its own
// executable (code, read-only data, the function tables), so that its
// resident memory counts only the pages used again afterwards.
//
// Package initialisation, flag parsing and setup touch code all over the
// binary, and the kernel maps 64 KiB around every touched page of a file in
// the page cache, so about 10 MiB of a 12 MiB binary stays mapped although a
// scrape uses less than half of it. The pages stay in the page cache and come
// back on the next access with a minor fault; writable mappings are left
// alone because MADV_DONTNEED would discard their private copies.
func ReleaseStartupPages() error {
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/exe", &st); err != nil {
		return fmt.Errorf("stat own executable: %w", err)
	}
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return fmt.Errorf("read own mappings: %w", err)
	}
	ranges, err := readOnlyMappings(maps, unix.Major(st.Dev), unix.Minor(st.Dev), st.Ino)
	if err != nil {
		return err
	}
	for _, r := range ranges {
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, r.start, r.end-r.start, unix.MADV_DONTNEED); errno != 0 {
			return fmt.Errorf("madvise %x-%x: %w", r.start, r.end, errno)
		}
	}
	return nil
}

type addrRange struct{ start, end uintptr }

// readOnlyMappings returns the non-writable mappings of the file with the
// given device and inode in a /proc/<pid>/maps listing.
func readOnlyMappings(maps []byte, major, minor uint32, ino uint64) ([]addrRange, error) {
	var out []addrRange
	for len(maps) > 0 {
		var line []byte
		line, maps = nextLine(maps)
		addrs, rest := nextField(line)
		perms, rest := nextField(rest)
		_, rest = nextField(rest) // offset
		dev, rest := nextField(rest)
		inode, _ := nextField(rest)
		if len(inode) == 0 {
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			return nil, fmt.Errorf("maps: short line %q", truncate(line))
		}
		lo, hi, ok1 := bytes.Cut(addrs, []byte("-"))
		maj, min, ok2 := bytes.Cut(dev, []byte(":"))
		if !ok1 || !ok2 || len(perms) < 2 {
			return nil, fmt.Errorf("maps: malformed line %q", truncate(line))
		}
		n, err := parseUint(inode)
		if err != nil {
			return nil, fmt.Errorf("maps: bad inode in %q", truncate(line))
		}
		if n != ino || perms[1] == 'w' || !hexEquals(maj, uint64(major)) || !hexEquals(min, uint64(minor)) {
			continue
		}
		start, err1 := strconv.ParseUint(string(lo), 16, 64)
		end, err2 := strconv.ParseUint(string(hi), 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			return nil, fmt.Errorf("maps: bad address range in %q", truncate(line))
		}
		out = append(out, addrRange{uintptr(start), uintptr(end)})
	}
	return out, nil
}

func hexEquals(field []byte, v uint64) bool {
	n, err := strconv.ParseUint(string(field), 16, 32)
	return err == nil && n == v
}
