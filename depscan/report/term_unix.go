//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package report

import (
	"os"

	"golang.org/x/sys/unix"
)

// isTerminal asks for the terminal attributes, as isatty(3) does.
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), ioctlReadTermios)
	return err == nil
}
