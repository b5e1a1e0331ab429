package testaddr

import (
	"net"
	"testing"
)

func TestMustIsListenable(t *testing.T) {
	a, b := Must(t), Must(t)
	if a == b {
		t.Errorf("two calls gave the same address %s", a)
	}
	l, err := net.Listen("tcp", a)
	if err != nil {
		t.Fatalf("address %s is not free: %v", a, err)
	}
	l.Close()
}
