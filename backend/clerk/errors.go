package clerk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	sdk "github.com/clerk/clerk-sdk-go/v2"

	"github.com/guiseapp/guise/backend/guise"
)

// statusError is an error answer without Clerk's error envelope (a proxy's
// HTML page, an empty 502): the SDK would lose its status, so the transport
// turns it into this.
type statusError struct {
	Status     int
	RetryAfter time.Duration
}

func (e *statusError) Error() string {
	return fmt.Sprintf("clerk: HTTP %d without an error body", e.Status)
}

// transport retries 429 answers after their Retry-After, a bounded number of
// times, and keeps the status of error answers the SDK cannot parse.
type transport struct {
	next      http.RoundTripper
	limit     *rate.Limiter // unlimited until the first 429, then the published rate
	published rate.Limit
	burst     int
	retries   int
	maxWait   time.Duration
	sleep     func(ctx context.Context, d time.Duration) error
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 && req.Body != nil {
			if req.GetBody == nil {
				return nil, errors.New("clerk: cannot resend the request body")
			}
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r = req.Clone(req.Context())
			r.Body = body
		}
		if err := t.limit.Wait(r.Context()); err != nil {
			return nil, err
		}
		resp, err := t.next.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode < 400 {
			return resp, nil
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode == http.StatusTooManyRequests && t.limit.Limit() == rate.Inf {
			t.limit.SetBurst(t.burst)
			t.limit.SetLimit(t.published)
		}
		wait := parseRetryAfter(resp.Header.Get("Retry-After"))
		if resp.StatusCode == http.StatusTooManyRequests && attempt < t.retries && wait <= t.maxWait {
			if err := t.sleep(req.Context(), wait); err != nil {
				return nil, err
			}
			continue
		}
		var env struct {
			Errors []json.RawMessage `json:"errors"`
		}
		if json.Unmarshal(data, &env) != nil || env.Errors == nil {
			return nil, &statusError{Status: resp.StatusCode, RetryAfter: wait}
		}
		resp.Body = io.NopCloser(bytes.NewReader(data))
		return resp, nil
	}
}

// parseRetryAfter reads seconds or an HTTP date; 1 s when absent or odd.
func parseRetryAfter(v string) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d.Round(time.Second)
		}
		return 0
	}
	return time.Second
}

// apiStatus returns the HTTP status of a Clerk answer inside err, 0 if none.
func apiStatus(err error) int {
	var ae *sdk.APIErrorResponse
	var se *statusError
	switch {
	case errors.As(err, &ae):
		return ae.HTTPStatusCode
	case errors.As(err, &se):
		return se.Status
	}
	return 0
}

// mapErr turns what the SDK returned into a *guise.Error in plain words;
// what says what Guise was doing ("list users"). Messages never carry the
// key or a launch URL.
func (p *Provider) mapErr(ctx context.Context, err error, what string) error {
	if err == nil {
		return nil
	}
	var ae *sdk.APIErrorResponse
	var se *statusError
	status, said, field := 0, "", ""
	var wait time.Duration
	switch {
	case errors.As(err, &ae):
		status = ae.HTTPStatusCode
		if len(ae.Errors) > 0 {
			e := ae.Errors[0]
			said = e.LongMessage
			if said == "" {
				said = e.Message
			}
			var meta struct {
				ParamName string `json:"param_name"`
			}
			_ = json.Unmarshal(e.Meta, &meta)
			field = meta.ParamName
		}
		if ae.Response != nil {
			wait = parseRetryAfter(ae.Response.Header.Get("Retry-After"))
		}
	case errors.As(err, &se):
		status, wait = se.Status, se.RetryAfter
	case ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
			return guise.Wrap(guise.EUNAVAILABLE, err, "Clerk (%s) did not answer in time while Guise tried to %s; try again.", p.env, what)
		}
		return guise.Wrap(guise.ECANCELED, err, "The request to Clerk was canceled.")
	default:
		var ue *url.Error
		if errors.As(err, &ue) {
			return guise.Wrap(guise.EUNAVAILABLE, err, "Cannot reach Clerk at %s to %s: %v. Check the network and the base URL.", p.base, what, ue.Err)
		}
		var je *json.SyntaxError
		var te *json.UnmarshalTypeError
		if errors.As(err, &je) || errors.As(err, &te) {
			return guise.Wrap(guise.EPROVIDER, err, "Clerk sent an answer Guise cannot read when asked to %s.", what)
		}
		return guise.Wrap(guise.EPROVIDER, err, "Clerk failed to %s: %v", what, err)
	}
	if said != "" {
		said = " Clerk said: " + strings.TrimSuffix(said, ".") + "."
	}
	cause := fmt.Errorf("clerk: HTTP %d while trying to %s: %w", status, what, err)
	switch {
	case status == http.StatusUnauthorized:
		return guise.Wrap(guise.EUNAUTHORIZED, cause, "Clerk rejected the secret key of %s: it is wrong, revoked, or belongs to another instance. Copy the secret key of this instance from Clerk Dashboard → API keys and add the environment again.", p.env)
	case status == http.StatusForbidden:
		return guise.Wrap(guise.EUNAUTHORIZED, cause, "Clerk did not allow Guise to %s in %s: the permission is missing for this key or instance.%s", what, p.env, said)
	case status == http.StatusPaymentRequired:
		return guise.Wrap(guise.EQUOTA, cause, "Clerk refused to %s in %s: the instance's plan allows no more impersonations for now (Clerk's free plan allows 5 a month).%s", what, p.env, said)
	case status == http.StatusNotFound:
		return guise.Wrap(guise.ENOTFOUND, cause, "Clerk found nothing when asked to %s in %s.%s", what, p.env, said)
	case status == http.StatusUnprocessableEntity || status == http.StatusBadRequest:
		e := guise.Wrap(guise.EINVALID, cause, "Clerk refused to %s in %s as invalid.%s", what, p.env, said)
		if field != "" {
			e.Field = field
			e.Message = fmt.Sprintf("Clerk refused to %s in %s: the field %s is invalid.%s", what, p.env, field, said)
		}
		return e
	case status == http.StatusTooManyRequests:
		return guise.Wrap(guise.ERATELIMIT, &guise.RetryAfterError{Wait: wait},
			"Clerk is rate-limiting the requests of %s; try again in %s.", p.env, guise.FormatDuration(max(wait, time.Second)))
	case status >= 500:
		return guise.Wrap(guise.EUNAVAILABLE, cause, "Clerk failed (HTTP %d) when asked to %s; try again shortly.", status, what)
	default:
		return guise.Wrap(guise.EPROVIDER, cause, "Clerk answered HTTP %d when asked to %s, which Guise does not expect.%s", status, what, said)
	}
}
