//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package report

import "os"

// isTerminal falls back to the character-device check where termios is not
// available; it can mistake a null device for a terminal, which only costs a few
// escape sequences nobody sees.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
