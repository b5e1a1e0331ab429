package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// addRules writes rule files (name → content) into the shared Prometheus's rules
// folder under the prefix, reloads its configuration and waits until it evaluates a
// group from them. The returned function removes them and reloads again.
func (p *prometheus) addRules(ctx context.Context, prefix string, files map[string][]byte) (remove func(), err error) {
	var paths []string
	for name, data := range files {
		path := filepath.Join(p.dir, "rules", prefix+"-"+name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
		paths = append(paths, path)
	}
	remove = func() {
		for _, path := range paths {
			os.Remove(path)
		}
		_ = p.reload(context.Background())
	}
	if err := p.reload(ctx); err != nil {
		remove()
		return nil, err
	}
	for {
		rules, err := p.api.Rules(ctx, nil)
		if err == nil {
			for _, g := range rules.Groups {
				for _, path := range paths {
					if g.File == path {
						return remove, nil
					}
				}
			}
		}
		select {
		case <-ctx.Done():
			remove()
			return nil, fmt.Errorf("prometheus did not load %v: %w (last error %v)", paths, ctx.Err(), err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// reload makes Prometheus re-read its configuration and rule files.
func (p *prometheus) reload(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url+"/-/reload", nil)
	if err != nil {
		return err
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return fmt.Errorf("reload prometheus: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("reload prometheus: %s (see %s)", resp.Status, p.log)
	}
	return nil
}
