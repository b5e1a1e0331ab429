package report

import "os"

// ColorFor reports whether output to f may be coloured: only when f is a terminal,
// NO_COLOR is unset or empty (https://no-color.org) and TERM is not "dumb". env is
// os.Getenv in production and a map lookup in tests.
func ColorFor(f *os.File, env func(string) string) bool {
	if env("NO_COLOR") != "" || env("TERM") == "dumb" {
		return false
	}
	return IsTerminal(f)
}

// IsTerminal reports whether f is a terminal. A character device is not enough:
// /dev/null is one too, so on Unix the terminal's attributes must be readable.
func IsTerminal(f *os.File) bool {
	if f == nil {
		return false
	}
	return isTerminal(f)
}
