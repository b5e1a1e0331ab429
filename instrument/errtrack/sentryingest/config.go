package sentryingest

import (
	"errors"
	"fmt"
	"strings"
)

// Config is what the ingest accepts: its projects and their keys, and its limits.
type Config struct {
	Projects []Project `yaml:"projects"`
	// MaxCompressedBytes bounds a request body as sent (default 1 MiB).
	MaxCompressedBytes int64 `yaml:"max_compressed_bytes"`
	// MaxDecompressedBytes bounds a request body after gzip or deflate (default 8 MiB),
	// so that a small compressed bomb is cut off.
	MaxDecompressedBytes int64 `yaml:"max_decompressed_bytes"`
	// Limits bound an envelope's items.
	Limits Limits `yaml:"limits"`
}

// Defaults of Config's body limits.
const (
	DefaultMaxCompressedBytes   = 1 << 20
	DefaultMaxDecompressedBytes = 8 << 20
)

// A Project is one application reporting through a DSN
// http://<key>@<host>:<port>/<id>.
type Project struct {
	// ID is the project id of the DSN's path: decimal digits, as the SDKs expect.
	ID string `yaml:"id"`
	// Name is for people (logs, documentation); it is not a label.
	Name string `yaml:"name"`
	// Keys are the DSN public keys the project accepts (more than one for rotation).
	Keys []string `yaml:"keys"`
	// AllowedOrigins are the browser origins (scheme://host[:port]) that may send to the
	// project, for CORS; "*" allows any. Requests without an Origin header (server
	// SDKs) are not affected.
	AllowedOrigins []string `yaml:"allowed_origins"`
}

// Validate checks the configuration: at least one project, ids decimal and unique,
// every project with a key, keys of letters, digits and underscores.
func (c *Config) Validate() error {
	if len(c.Projects) == 0 {
		return errors.New("no projects")
	}
	seen := map[string]bool{}
	for i, p := range c.Projects {
		if p.ID == "" || strings.Trim(p.ID, "0123456789") != "" {
			return fmt.Errorf("projects[%d].id %q: must be decimal digits (the DSN's project id)", i, p.ID)
		}
		if seen[p.ID] {
			return fmt.Errorf("projects[%d].id %q: duplicate", i, p.ID)
		}
		seen[p.ID] = true
		if len(p.Keys) == 0 {
			return fmt.Errorf("projects[%d] (id %s): no keys", i, p.ID)
		}
		for j, k := range p.Keys {
			if !validKey(k) {
				return fmt.Errorf("projects[%d].keys[%d]: want letters, digits and underscores only (the JavaScript SDKs reject other DSN keys), such as 32 hex digits", i, j)
			}
		}
		for j, o := range p.AllowedOrigins {
			if o != "*" && !strings.Contains(o, "://") {
				return fmt.Errorf("projects[%d].allowed_origins[%d] %q: want scheme://host[:port] or *", i, j, o)
			}
		}
	}
	if c.MaxCompressedBytes < 0 || c.MaxDecompressedBytes < 0 {
		return errors.New("negative body limit")
	}
	return nil
}

// validKey says a key is one every SDK's DSN parser takes: the JavaScript SDKs match
// the public key with \w+.
func validKey(k string) bool {
	if k == "" || len(k) > 128 {
		return false
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
