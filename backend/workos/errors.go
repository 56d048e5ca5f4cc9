package workos

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// APIError is a WorkOS error answer: {code, message} or the OAuth-style
// {error, error_description}, with an optional errors list (providers.md
// §1.7). It is the cause inside the *guise.Error the client returns.
type APIError struct {
	Status           int      `json:"-"`
	Code             string   `json:"code"`
	Message          string   `json:"message"`
	OAuthError       string   `json:"error"`
	ErrorDescription string   `json:"error_description"`
	Errors           []string `json:"-"`
	RequestID        string   `json:"-"`
	// RetryAfter is how long WorkOS asked us to wait (429), 1 s when unsaid.
	RetryAfter time.Duration `json:"-"`
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("workos: HTTP %d", e.Status)
	if c := e.code(); c != "" {
		s += " " + c
	}
	if m := e.said(); m != "" {
		s += ": " + m
	}
	if e.RequestID != "" {
		s += " (request " + e.RequestID + ")"
	}
	return s
}

func (e *APIError) code() string {
	if e.Code != "" {
		return e.Code
	}
	return e.OAuthError
}

// said is WorkOS's own words, or "".
func (e *APIError) said() string {
	m := strings.TrimSpace(e.Message)
	if m == "" {
		m = strings.TrimSpace(e.ErrorDescription)
	}
	if len(e.Errors) > 0 {
		m = strings.TrimSpace(m + " " + strings.Join(e.Errors, "; "))
	}
	if len(m) > 300 {
		m = m[:300] + "…"
	}
	return m
}

// parseAPIError reads an error answer. A body that is not WorkOS's (a
// proxy's HTML page) still has its status.
func parseAPIError(resp *response, now time.Time) *APIError {
	e := &APIError{Status: resp.status, RequestID: resp.header.Get("X-Request-Id")}
	var raw struct {
		Errors json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(resp.body, e) == nil && json.Unmarshal(resp.body, &raw) == nil && len(raw.Errors) > 0 {
		// errors is a list of strings in the SDK, sometimes of objects.
		var list []any
		if json.Unmarshal(raw.Errors, &list) == nil {
			for _, x := range list {
				switch v := x.(type) {
				case string:
					e.Errors = append(e.Errors, v)
				case map[string]any:
					if m, ok := v["message"].(string); ok {
						e.Errors = append(e.Errors, m)
					}
				}
			}
		}
	}
	e.RetryAfter = parseRetryAfter(resp.header.Get("Retry-After"), now)
	return e
}

// parseRetryAfter reads seconds or an HTTP date; 1 s when absent or odd.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return max(time.Duration(n)*time.Second, time.Second)
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now).Round(time.Second), time.Second)
	}
	return time.Second
}

// mapError turns an error answer into a *guise.Error in plain words; what
// says what Guise was doing. Messages never carry the key.
func (c *Client) mapError(e *APIError, what string, retries int) error {
	said := ""
	if s := e.said(); s != "" {
		said = " WorkOS said: " + strings.TrimSuffix(s, ".") + "."
	}
	switch s := e.Status; {
	case s == http.StatusUnauthorized:
		return guise.Wrap(guise.EUNAUTHORIZED, e, "WorkOS rejected the API key of %s: it is wrong, revoked, or belongs to another environment. Copy a secret key (sk_…) of this environment from WorkOS Dashboard → API Keys and add the environment again.", c.env)
	case s == http.StatusForbidden && strings.Contains(what, "event"):
		return guise.Wrap(guise.EUNAUTHORIZED, e, "The WorkOS API key of %s lacks the Events permission, so Guise cannot %s. Give the key read access to Events in WorkOS Dashboard → API Keys.%s", c.env, what, said)
	case s == http.StatusForbidden:
		return guise.Wrap(guise.EUNAUTHORIZED, e, "WorkOS did not allow Guise to %s in %s: the API key lacks the permission.%s", what, c.env, said)
	case s == http.StatusNotFound:
		return guise.Wrap(guise.ENOTFOUND, e, "WorkOS found nothing when asked to %s in %s.%s", what, c.env, said)
	case s == http.StatusBadRequest || s == http.StatusUnprocessableEntity:
		return guise.Wrap(guise.EPROVIDER, e, "WorkOS refused to %s in %s as invalid.%s", what, c.env, said)
	case s == http.StatusTooManyRequests:
		how := "Guise waited as asked"
		if e.RetryAfter > c.MaxWait {
			how = fmt.Sprintf("it asked for a wait longer than %s", guise.FormatDuration(c.MaxWait))
		} else if retries > 0 {
			how = fmt.Sprintf("Guise waited %d times", retries)
		}
		return guise.Wrap(guise.ERATELIMIT, &guise.RetryAfterError{Wait: e.RetryAfter},
			"WorkOS is rate-limiting %s (reads are capped at 1,000 per 10 seconds) and %s. Try again in %s.", c.env, how, guise.FormatDuration(e.RetryAfter))
	case s >= 500:
		return guise.Wrap(guise.EUNAVAILABLE, e, "WorkOS failed (HTTP %d) when asked to %s, also after %d retries; try again shortly.", s, what, retries)
	default:
		return guise.Wrap(guise.EPROVIDER, e, "WorkOS answered HTTP %d when asked to %s, which Guise does not expect.%s", s, what, said)
	}
}
