package demo

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// The admin API's wire shapes. The client decodes into the same types, so the
// two sides cannot drift apart.

type apiUser struct {
	ID            string            `json:"id"`
	Email         string            `json:"email"`
	FirstName     string            `json:"first_name"`
	LastName      string            `json:"last_name"`
	Role          string            `json:"role"`
	Status        string            `json:"status"`
	Metadata      map[string]string `json:"metadata"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
	Organizations []apiOrgRef       `json:"organizations"`
}

type apiOrgRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

type apiMembership struct {
	OrganizationID   string `json:"organization_id"`
	OrganizationName string `json:"organization_name"`
	Role             string `json:"role"`
}

type apiOrg struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Domain    string    `json:"domain"`
	CreatedAt time.Time `json:"created_at"`
}

type apiActor struct {
	Email  string `json:"email"`
	Reason string `json:"reason"`
	Ticket string `json:"ticket"`
}

type apiImpersonation struct {
	ID        string     `json:"id"`
	UserID    string     `json:"user_id"`
	OrgID     string     `json:"org_id"`
	Actor     apiActor   `json:"actor"`
	Status    string     `json:"status"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at"`
}

type apiImpersonationRequest struct {
	UserID          string   `json:"user_id"`
	OrgID           string   `json:"org_id"`
	Actor           apiActor `json:"actor"`
	DurationSeconds int      `json:"duration_seconds"`
}

type apiStarted struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

type apiEvent struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// apiPage is a cursor page; NextCursor is null on the last page.
type apiPage[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

type apiList[T any] struct {
	Data []T `json:"data"`
}

type apiErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error codes of the demo admin API.
const (
	codeInvalid      = "invalid"
	codeUnauthorized = "unauthorized"
	codeNotFound     = "not_found"
	codeConflict     = "conflict"
	codeSuspended    = "user_suspended"
	codeOrgNotMember = "org_not_member"
	codeRateLimited  = "rate_limited"
	codeInternal     = "internal"
	codeSessionEnded = "session_ended"
)

// apiError is an error a handler returns to answer with that status and body.
type apiError struct {
	status int
	apiErrorBody
}

func (e *apiError) Error() string { return e.Message }

func newAPIError(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, apiErrorBody: apiErrorBody{Code: code, Message: fmt.Sprintf(format, args...)}}
}

func badRequest(format string, args ...any) *apiError {
	return newAPIError(http.StatusBadRequest, codeInvalid, format, args...)
}

func notFound(format string, args ...any) *apiError {
	return newAPIError(http.StatusNotFound, codeNotFound, format, args...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away: nothing to do
}

// handle adapts a handler that returns an error: *apiError answers as
// itself, anything else is logged and hidden behind a 500.
func (s *Server) handle(h func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		var ae *apiError
		if !errors.As(err, &ae) {
			s.log.Error("demo request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			ae = newAPIError(http.StatusInternalServerError, codeInternal, "The demo server failed; see its log.")
		}
		writeJSON(w, ae.status, ae.apiErrorBody)
	}
}

// decodeBody reads a JSON body strictly, so a typo in a field name is a 400
// rather than a silently ignored change.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("The request body is not valid JSON for this endpoint: %v", err)
	}
	return nil
}

// statusWriter remembers the status for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// logRequests logs method, path and status. Never the query: a sign-in
// ticket travels there.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		log.Debug("demo request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "took", time.Since(start))
	})
}
