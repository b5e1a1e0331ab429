// Package serve runs the HTTP servers of perfwatch's commands: through exporter-toolkit,
// so every listener honours --web.config.file (TLS, basic auth), and with a graceful
// shutdown when the context ends.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/exporter-toolkit/web"
)

// ShutdownTimeout is how long in-flight requests get to finish after the context ends.
const ShutdownTimeout = 5 * time.Second

// Run serves srv on the listeners that flags name until ctx ends, then shuts it down,
// letting in-flight requests finish for up to ShutdownTimeout.
func Run(ctx context.Context, srv *http.Server, flags *web.FlagConfig, logger *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- web.ListenAndServe(srv, flags, logger) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve %v: %w", *flags.WebListenAddresses, err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "address", *flags.WebListenAddresses)
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown %v: %w", *flags.WebListenAddresses, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %v: %w", *flags.WebListenAddresses, err)
	}
	return nil
}

// Plain returns flags for a listener on addr without TLS or authentication.
func Plain(addr string) *web.FlagConfig {
	noFile, noSystemd := "", false
	return &web.FlagConfig{WebListenAddresses: &[]string{addr}, WebSystemdSocket: &noSystemd, WebConfigFile: &noFile}
}
