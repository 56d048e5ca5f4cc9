package auth0

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// APIError is Auth0's error body, {statusCode, error, message, errorCode}. It
// is the cause inside the *guise.Error the client returns, for logs and for
// the adapter's decisions (the 1,000-result cap, a plan without a feature).
type APIError struct {
	StatusCode int    `json:"statusCode"`
	Err        string `json:"error"`
	Message    string `json:"message"`
	ErrorCode  string `json:"errorCode"`
}

func (e *APIError) Error() string {
	return fmt.Sprintf("auth0: HTTP %d %s: %s", e.StatusCode, e.Err, e.Message)
}

// MissingScope returns the scope(s) Auth0 said it expected, or "" when the
// error is not about scopes. Auth0 writes "Insufficient scope, expected any
// of: read:users" or "Insufficient scope; expected: delete:sessions".
func (e *APIError) MissingScope() string {
	if e.StatusCode != http.StatusForbidden || !strings.Contains(strings.ToLower(e.Message), "insufficient scope") {
		return ""
	}
	msg := e.Message
	if i := strings.Index(strings.ToLower(msg), "expected"); i >= 0 {
		msg = msg[i:]
		if j := strings.Index(msg, ":"); j >= 0 {
			msg = msg[j+1:]
		}
	}
	msg = strings.Trim(strings.TrimSpace(msg), ".")
	if msg == "" {
		return "an unnamed scope"
	}
	return strings.Join(strings.FieldsFunc(msg, func(r rune) bool { return r == ',' || r == ' ' }), " or ")
}

// pagingCap reports the 400 Auth0 sends past the first 1,000 results.
func (e *APIError) pagingCap() bool {
	return e.StatusCode == http.StatusBadRequest && strings.Contains(e.Message, "first 1000")
}

// apiError maps a non-2xx Management API answer to a domain error whose
// message says what happened and what to do.
func apiError(resp *response, domain string) error {
	e := &APIError{StatusCode: resp.status}
	_ = json.Unmarshal(resp.body, e) // a body that is not Auth0's still has a status
	if e.Message == "" {
		e.Message = http.StatusText(resp.status)
	}
	switch s := resp.status; {
	case s == http.StatusUnauthorized:
		return guise.Wrap(guise.EUNAUTHORIZED, e, "Auth0 tenant %s rejected Guise's token (%s). Check the client id and secret.", domain, e.Message)
	case s == http.StatusForbidden && e.MissingScope() != "":
		return guise.Wrap(guise.EUNAUTHORIZED, e, "The Auth0 application is missing the scope %s. Grant it in the Auth0 Dashboard: Applications → APIs → Auth0 Management API → Machine To Machine Applications.", e.MissingScope())
	case s == http.StatusForbidden:
		return guise.Wrap(guise.EUNAUTHORIZED, e, "Auth0 tenant %s refused: %s", domain, e.Message)
	case s == http.StatusNotFound:
		return guise.Wrap(guise.ENOTFOUND, e, "Auth0 found nothing there: %s", e.Message)
	case s == http.StatusBadRequest:
		return guise.Wrap(guise.EPROVIDER, e, "Auth0 refused the request as invalid: %s", e.Message)
	case s >= 500:
		return guise.Wrap(guise.EUNAVAILABLE, e, "Auth0 failed (HTTP %d); try again shortly.", s)
	default:
		return guise.Wrap(guise.EPROVIDER, e, "Auth0 answered HTTP %d, which Guise does not expect: %s", s, e.Message)
	}
}

// tokenError maps a failed client-credentials grant. The token endpoint
// speaks OAuth: {error, error_description}.
func (c *Client) tokenError(resp *response, who string) error {
	var body struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		Message     string `json:"message"`
	}
	if json.Unmarshal(resp.body, &body) != nil {
		return guise.Errorf(guise.EPROVIDER, "Something answers at %s, but not like an Auth0 tenant (HTTP %d from /oauth/token). Check the domain and the base URL.", c.base, resp.status)
	}
	said := strings.TrimSpace(body.Description + " " + body.Message)
	cause := fmt.Errorf("auth0 token: HTTP %d %s: %s", resp.status, body.Error, said)
	switch {
	case resp.status == http.StatusUnauthorized || body.Error == "invalid_client" || (body.Error == "access_denied" && strings.EqualFold(said, "Unauthorized")):
		return guise.Wrap(guise.EUNAUTHORIZED, cause, "Auth0 tenant %s rejected the client credentials of %s. Check the client id and the client secret.", c.domain, who)
	case resp.status == http.StatusForbidden:
		return guise.Wrap(guise.EUNAUTHORIZED, cause, "Auth0 tenant %s will not give %s a Management API token: %s Authorize the application for the Auth0 Management API (Dashboard → Applications → APIs).", c.domain, who, said)
	case resp.status == http.StatusNotFound:
		return guise.Wrap(guise.EUNAVAILABLE, cause, "There is no Auth0 tenant at %s (HTTP 404 from /oauth/token). Check the domain.", c.base)
	case resp.status == http.StatusTooManyRequests:
		return guise.Wrap(guise.ERATELIMIT, &guise.RetryAfterError{Wait: c.rateWait(resp.header)}, "Auth0 is rate-limiting token requests for %s; try again shortly.", c.domain)
	case resp.status >= 500:
		return guise.Wrap(guise.EUNAVAILABLE, cause, "Auth0 failed to issue a token (HTTP %d); try again shortly.", resp.status)
	default:
		return guise.Wrap(guise.EUNAUTHORIZED, cause, "Auth0 tenant %s refused a token for %s: %s", c.domain, who, said)
	}
}

// asAPIError returns the Auth0 error body inside err, or nil.
func asAPIError(err error) *APIError {
	var e *APIError
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return max(time.Duration(n)*time.Second, time.Second), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now).Round(time.Second), time.Second), true
	}
	return 0, false
}

// parseEpoch reads x-ratelimit-reset, Unix seconds.
func parseEpoch(v string) (time.Time, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}
