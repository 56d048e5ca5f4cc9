// Package workos is Guise's adapter for WorkOS User Management (providers.md
// §1): a small client of the REST API in the style of go-github (one Client
// per environment, a base URL option, typed errors, bounded retries) and the
// guise.Provider built on it. The official Go SDK is not installable here,
// so the client follows the documented shapes by hand.
package workos

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// DefaultBaseURL is the WorkOS API root.
const DefaultBaseURL = "https://api.workos.com"

// Client talks to the WorkOS API with one environment's API key. It is safe
// for concurrent use.
type Client struct {
	base string
	key  string
	env  string // the Guise environment's name, for messages
	http *http.Client

	// Retries is how many times a request is sent again after a 429 (once
	// its Retry-After has passed) or a 500/502/503/504 (after a backoff of
	// 500 ms doubling up to 30 s), as the official SDK does.
	Retries int
	// MaxWait caps one Retry-After wait; a longer one is reported at once.
	MaxWait time.Duration
	sleep   func(ctx context.Context, d time.Duration) error
	now     func() time.Time
}

// ClientOption configures a Client.
type ClientOption func(*Client)

// WithBaseURL sends requests to base instead of DefaultBaseURL (tests, a proxy).
func WithBaseURL(base string) ClientOption {
	return func(c *Client) {
		if base = strings.TrimRight(strings.TrimSpace(base), "/"); base != "" {
			c.base = base
		}
	}
}

// WithHTTPClient sends requests through h.
func WithHTTPClient(h *http.Client) ClientOption { return func(c *Client) { c.http = h } }

// WithSleep replaces the waits between retries (tests).
func WithSleep(fn func(ctx context.Context, d time.Duration) error) ClientOption {
	return func(c *Client) { c.sleep = fn }
}

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) ClientOption { return func(c *Client) { c.now = now } }

// WithRetries sets how many times a rate-limited or failing request is
// retried (default 3) and the longest Retry-After accepted (default 30 s).
func WithRetries(n int, maxWait time.Duration) ClientOption {
	return func(c *Client) { c.Retries, c.MaxWait = n, maxWait }
}

// NewClient returns a client for the environment named env (used in
// messages) with its API key.
func NewClient(env, key string, opts ...ClientOption) *Client {
	c := &Client{base: DefaultBaseURL, key: key, env: env, http: &http.Client{Timeout: 30 * time.Second},
		Retries: 3, MaxWait: 30 * time.Second, sleep: guise.Sleep, now: time.Now}
	for _, o := range opts {
		o(c)
	}
	return c
}

// BaseURL is where the client sends requests.
func (c *Client) BaseURL() string { return c.base }

// Backoff of 5xx retries, as the official SDK: 500 ms doubling, 30 s at most.
const (
	backoffBase = 500 * time.Millisecond
	backoffMax  = 30 * time.Second
)

// do sends one API call, retrying 429 and 5xx answers within bounds, and
// decodes a 2xx JSON answer into out (when not nil). what says, in plain
// words, what Guise was doing ("list users"), for error messages.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body, out any, what string) error {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return guise.Wrap(guise.EINTERNAL, err, "Could not encode the request to WorkOS.")
		}
	}
	// One key for every attempt: a retried POST is then applied once.
	idem := ""
	if method == http.MethodPost {
		idem = randomHex(16)
	}
	backoff := backoffBase
	for attempt := 0; ; attempt++ {
		resp, err := c.send(ctx, method, u, payload, idem)
		if err != nil {
			return c.transportError(ctx, err, what)
		}
		if resp.status >= 200 && resp.status <= 299 {
			if out == nil || len(bytes.TrimSpace(resp.body)) == 0 && method == http.MethodPost {
				return nil
			}
			if err := json.Unmarshal(resp.body, out); err != nil {
				return guise.Wrap(guise.EPROVIDER, err, "WorkOS sent an answer Guise cannot read when asked to %s (%s). Check the base URL %s.", what, err, c.base)
			}
			return nil
		}
		apiErr := parseAPIError(resp, c.now())
		retry, wait := false, time.Duration(0)
		switch resp.status {
		case http.StatusTooManyRequests:
			wait = apiErr.RetryAfter
			retry = wait <= c.MaxWait
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			wait, retry = backoff, true
			backoff = min(backoff*2, backoffMax)
		}
		if !retry || attempt >= c.Retries {
			return c.mapError(apiErr, what, attempt)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return guise.Wrap(guise.ECANCELED, err, "The request to WorkOS was canceled while waiting to retry.")
		}
	}
}

// response is one HTTP answer, read whole (WorkOS answers are small).
type response struct {
	status int
	header http.Header
	body   []byte
}

func (c *Client) send(ctx context.Context, method, u string, payload []byte, idem string) (*response, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "guise-workos")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// transportError says, in plain words, that WorkOS could not be reached.
func (c *Client) transportError(ctx context.Context, err error, what string) error {
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return guise.Wrap(guise.EUNAVAILABLE, err, "WorkOS (%s) did not answer in time while Guise tried to %s; try again.", c.env, what)
		}
		return guise.Wrap(guise.ECANCELED, err, "The request to WorkOS was canceled.")
	}
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err // the URL would repeat what the message says
		if ue.Timeout() {
			return guise.Wrap(guise.EUNAVAILABLE, err, "WorkOS (%s) did not answer in time while Guise tried to %s; try again.", c.env, what)
		}
	}
	hint := ""
	var dns *net.DNSError
	if errors.As(cause, &dns) || errors.Is(cause, syscall.ECONNREFUSED) {
		hint = " Check the network and the base URL."
	}
	return guise.Wrap(guise.EUNAVAILABLE, err, "Cannot reach WorkOS at %s to %s: %v.%s", c.base, what, cause, hint)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
