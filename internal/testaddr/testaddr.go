// Package testaddr hands tests loopback addresses to listen on, so that tests which
// start servers or processes never depend on fixed ports.
package testaddr

import (
	"fmt"
	"net"
	"testing"
)

// Loopback returns a loopback address whose port was free a moment ago.
func Loopback() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Must is Loopback for a test: it fails t when no port is free.
func Must(t testing.TB) string {
	t.Helper()
	a, err := Loopback()
	if err != nil {
		t.Fatal(err)
	}
	return a
}
