package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"

	promconfig "github.com/prometheus/common/config"

	"github.com/perfwatch/perfwatch/anomaly/promread"
)

// promClient is how the sidecar reaches Prometheus: the parsed --prometheus.url, the
// round tripper built from --prometheus.http-config.file (nil without one) and the URL
// as it may be logged.
type promClient struct {
	url      *url.URL
	rt       http.RoundTripper
	redacted string
}

// newPromClient checks rawURL and loads httpConfigFile, prometheus/common's HTTP client
// configuration (Prometheus's scrape and amtool's format, decoded strictly, relative
// file paths taken from the file's folder). No error repeats the URL, which may carry a
// password.
func newPromClient(rawURL, httpConfigFile string) (*promClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the whole URL; its cause names at most the bad part.
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("--prometheus.url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("--prometheus.url %s: want http:// or https:// and a host", u.Redacted())
	}
	c := &promClient{url: u, redacted: u.Redacted()}
	if httpConfigFile == "" {
		return c, nil
	}
	cfg, _, err := promconfig.LoadHTTPConfigFile(httpConfigFile)
	if err != nil {
		return nil, fmt.Errorf("--prometheus.http-config.file %s: %w", httpConfigFile, err)
	}
	if u.User != nil && (cfg.BasicAuth != nil || cfg.Authorization != nil || cfg.OAuth2 != nil || cfg.BearerToken != "" || cfg.BearerTokenFile != "") {
		return nil, fmt.Errorf("--prometheus.url %s has credentials and --prometheus.http-config.file %s too: keep them in the file only", c.redacted, httpConfigFile)
	}
	// The file's password and CA files are read when a request needs them, so a
	// missing one would only show at the first query: check them now.
	for _, f := range []string{basicAuthPasswordFile(cfg), cfg.TLSConfig.CAFile, cfg.TLSConfig.CertFile, cfg.TLSConfig.KeyFile} {
		if f == "" {
			continue
		}
		if err := readable(f); err != nil {
			return nil, fmt.Errorf("--prometheus.http-config.file %s: %w", httpConfigFile, err)
		}
	}
	if c.rt, err = promconfig.NewRoundTripperFromConfig(*cfg, "perfwatch-anomaly"); err != nil {
		return nil, fmt.Errorf("--prometheus.http-config.file %s: %w", httpConfigFile, err)
	}
	return c, nil
}

func basicAuthPasswordFile(cfg *promconfig.HTTPClientConfig) string {
	if cfg.BasicAuth == nil {
		return ""
	}
	return cfg.BasicAuth.PasswordFile
}

// readable opens path and closes it again: the error names the file.
func readable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return f.Close()
}

// reader is the chunked range-query reader over this client.
func (c *promClient) reader(opts promread.Options) (*promread.Reader, error) {
	return promread.NewFromAddress(c.url.String(), c.rt, opts)
}

// warn says, once at start, what is unsafe about how the credentials are given.
func (c *promClient) warn(logger *slog.Logger) {
	if _, ok := c.url.User.Password(); ok {
		logger.Warn("--prometheus.url carries a password, which every user of this machine sees in the process list; put it into a file named by --prometheus.http-config.file (basic_auth.password_file)",
			"prometheus", c.redacted)
	}
}
