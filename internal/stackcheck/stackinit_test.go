package stackcheck

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/perfwatch/perfwatch/internal/testtool"
)

// TestStackInit runs config/stack-init.sh, compose's init service and make demo's first
// step, twice: the first run makes a certificate for localhost, 127.0.0.1 and ::1 with
// its key, readable by its owner only, and a Grafana password; the second replaces
// nothing.
func TestStackInit(t *testing.T) {
	testtool.Need(t, "openssl", "apt-get install openssl")
	dir := t.TempDir()
	grafana := filepath.Join(dir, "grafana", "admin-password")
	run := func() {
		t.Helper()
		if out, err := exec.Command("sh", filepath.Join(root, "config/stack-init.sh"), dir, grafana).CombinedOutput(); err != nil {
			t.Fatalf("stack-init.sh: %v\n%s", err, out)
		}
	}
	run()
	files := map[string]os.FileMode{"tls/cert.pem": 0o644, "tls/key.pem": 0o600, "grafana/admin-password": 0o444}
	first := map[string][]byte{}
	for f, mode := range files {
		path := filepath.Join(dir, f)
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != mode || st.Size() == 0 {
			t.Errorf("%s: mode %v, %d bytes; want %v and content", f, st.Mode().Perm(), st.Size(), mode)
		}
		if first[f], err = os.ReadFile(path); err != nil {
			t.Fatal(err)
		}
	}
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "tls/cert.pem"), filepath.Join(dir, "tls/key.pem"))
	if err != nil {
		t.Fatalf("the key does not go with the certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cert.DNSNames, []string{"localhost"}) || len(cert.IPAddresses) != 2 ||
		!cert.IPAddresses[0].Equal(net.IPv4(127, 0, 0, 1)) || !cert.IPAddresses[1].Equal(net.IPv6loopback) {
		t.Errorf("certificate names %v %v, want localhost, 127.0.0.1 and ::1", cert.DNSNames, cert.IPAddresses)
	}
	// Prometheus and Grafana trust it as its own CA.
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	if _, err := cert.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: pool}); err != nil {
		t.Errorf("the certificate does not verify as its own CA for localhost: %v", err)
	}

	run()
	for f := range files {
		again, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, first[f]) {
			t.Errorf("a second run replaced %s", f)
		}
	}
}
