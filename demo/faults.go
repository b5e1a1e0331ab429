package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"
)

// The demo's faults: four endpoints that work most of the time and fail now and then
// the way real applications do, so that error tracking has something to group. Each
// fault makes one error group however many ids its messages carry:
//
//   - GET /api/items/{id}/preview panics (an index out of range) when a thumbnail size
//     is missing: a critical event, answered 500 with an event id by the recovery;
//   - GET /api/users/{id}/audit reads old entries from an archive table the database
//     never got: a wrapped driver error, answered 500;
//   - GET /api/search waits on a search index that answers too late: a timeout
//     (context.DeadlineExceeded, wrapped), answered 504;
//   - POST /api/checkout is declined by the payment gateway with a message full of ids
//     (order number, customer e-mail, transaction reference): answered 502;
//   - and users who give up on the slow activity report (the generator's "abandon"
//     target): a cancellation, tracked at low severity and not counted as an error.
//
// The handlers log their errors at error level with an "err" attribute, as an
// application does anyway; the error tracker's slog handler turns those records into
// events.

// Fault names, the load mix's names of the fault endpoints (FaultMix).
const (
	FaultPanic    = "preview"
	FaultDB       = "audit"
	FaultTimeout  = "search"
	FaultGateway  = "checkout"
	FaultAbandon  = "abandon"
	defaultFaults = 0.25 // share of requests to a fault endpoint that fail
)

// previewSizes are the thumbnail sizes the preview knows; a request for one beyond
// them indexes out of range.
var previewSizes = []int{64, 128, 256}

// GatewayError is the payment gateway declining a charge; its message carries the
// order, the customer and the gateway's reference, as such messages do.
type GatewayError struct {
	Order     int64
	Customer  string
	Reference string
	Code      string
}

func (e *GatewayError) Error() string {
	return fmt.Sprintf("payment gateway declined order %d of %s (reference %s): %s",
		e.Order, e.Customer, e.Reference, e.Code)
}

// faulty reports whether this request to a fault endpoint fails.
func (a *app) faulty() bool { return a.FaultRatio > 0 && rand.Float64() < a.FaultRatio }

// preview returns an item with its thumbnail size; a missing size panics.
func (a *app) preview(w http.ResponseWriter, r *http.Request) {
	it, err := a.Store.Item(r.Context(), pathID(r))
	if err != nil {
		a.respond(w, r, it, err)
		return
	}
	size := 1
	if a.faulty() {
		size = len(previewSizes) + rand.IntN(5) // a size the table lacks
	}
	writeJSON(w, map[string]any{"item": it, "thumbnail_px": thumbnail(size)})
}

// thumbnail looks a size up without checking it, the bug behind the preview's panic.
func thumbnail(size int) int { return previewSizes[size] }

// audit lists a user's recent changes; older entries would come from the archive.
func (a *app) audit(w http.ResponseWriter, r *http.Request) {
	entries, err := a.Store.AuditTrail(r.Context(), pathID(r), a.faulty())
	a.respond(w, r, entries, err)
}

// search asks the search index, which takes too long now and then.
func (a *app) search(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), a.SearchTimeout)
	defer cancel()
	took := time.Duration(rand.IntN(int(a.SearchTimeout/4) + 1))
	if a.faulty() {
		took = a.SearchTimeout * 3
	}
	err := sleep(ctx, took)
	if err != nil && r.Context().Err() != nil {
		return // the client went away, not the index
	}
	if err != nil {
		err = fmt.Errorf("search index query %q for user %d: %w", r.URL.Query().Get("q"), randomUser(), err)
	}
	a.respond(w, r, map[string]any{"hits": []string{}}, err)
}

// checkout charges an order, which the gateway declines now and then.
func (a *app) checkout(w http.ResponseWriter, r *http.Request) {
	order := 100000 + rand.Int64N(900000)
	if a.faulty() {
		err := &GatewayError{Order: order, Customer: fmt.Sprintf("customer%d@example.com", randomUser()),
			Reference: fmt.Sprintf("%016x", rand.Uint64()), Code: "insufficient funds"}
		a.respond(w, r, nil, fmt.Errorf("checkout: %w", err))
		return
	}
	writeJSON(w, map[string]any{"order": order, "status": "paid"})
}

// clientGone reports a request the client gave up on: the tracker keeps it at low
// severity and counts it apart from the service's errors.
func (a *app) clientGone(r *http.Request, what string, err error) {
	if a.Errors != nil {
		a.Errors.Report(r.Context(), fmt.Errorf("%s: client went away: %w", what, err))
	}
}

// statusOf is the status and message respond answers for an error no other case
// handles: never the error's own text.
func statusOf(err error) (int, string) {
	var gw *GatewayError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, "upstream timed out"
	case errors.As(err, &gw):
		return http.StatusBadGateway, "payment declined"
	}
	return http.StatusInternalServerError, "internal error"
}

// AuditEntry is one change of a user's vault.
type AuditEntry struct {
	ItemID  int64     `json:"item_id"`
	Title   string    `json:"title"`
	Updated time.Time `json:"updated"`
}

// AuditTrail returns the latest changes of a user's items; withArchive also reads the
// archive table, which the demo's schema lacks (the migration that adds it never ran),
// so that it fails with the driver's error.
func (s *Store) AuditTrail(ctx context.Context, userID int64, withArchive bool) ([]AuditEntry, error) {
	q := `SELECT i.id, i.title, i.updated FROM vault_items i JOIN folders f ON f.id = i.folder_id
		WHERE f.user_id = ? ORDER BY i.updated DESC LIMIT 20`
	if withArchive {
		q = `SELECT item_id, title, updated FROM vault_audit_archive WHERE user_id = ? ORDER BY updated DESC LIMIT 20`
	}
	rows, err := s.db.QueryContext(ctx, q, userID)
	if err != nil {
		return nil, fmt.Errorf("audit trail of user %d: %w", userID, err)
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		var updated int64
		if err := rows.Scan(&e.ItemID, &e.Title, &updated); err != nil {
			return nil, fmt.Errorf("audit trail of user %d: %w", userID, err)
		}
		e.Updated = time.Unix(updated, 0).UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit trail of user %d: %w", userID, err)
	}
	return out, nil
}
