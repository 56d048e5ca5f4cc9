// Package auth0 is Guise's adapter for Auth0: a small client of the
// Management API (client-credentials token cached until it expires, typed
// errors, rate-limit waits) and the guise.Provider built on it. The official
// Go SDK is not installable here, so the client follows the shapes in
// providers.md §2 by hand.
package auth0

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// Client talks to one Auth0 tenant. It is safe for concurrent use.
type Client struct {
	base     string // the tenant's root: https://{domain}, or a custom domain / test server
	domain   string // the canonical tenant domain; the token's audience is built from it
	clientID string
	secret   string
	http     *http.Client

	// Retries is how many times a rate-limited request is sent again after
	// waiting as Auth0 asked; MaxWait caps one wait.
	Retries int
	MaxWait time.Duration
	sleep   func(ctx context.Context, d time.Duration) error
	now     func() time.Time

	mu  sync.Mutex
	tok token
}

type token struct {
	value   string
	scopes  []string
	expires time.Time
}

// NewClient returns a client of the tenant at domain whose Management API
// lives at base+"/api/v2" (base "" means https://{domain}).
func NewClient(domain, base, clientID, secret string) *Client {
	if base == "" {
		base = "https://" + domain
	}
	return &Client{base: strings.TrimRight(base, "/"), domain: domain, clientID: clientID, secret: secret,
		http: &http.Client{Timeout: 30 * time.Second}, Retries: 3, MaxWait: 60 * time.Second,
		sleep: guise.Sleep, now: time.Now}
}

// Audience is the Management API identifier the token is requested for.
func (c *Client) Audience() string { return "https://" + c.domain + "/api/v2/" }

// Scopes returns the scopes granted to the cached token, fetching one if needed.
func (c *Client) Scopes(ctx context.Context) ([]string, error) {
	t, err := c.token(ctx)
	return t.scopes, err
}

// token returns the cached Management API token, or asks for a new one a
// minute before it expires (Auth0 counts token requests; one per day is the
// intended use).
func (c *Client) token(ctx context.Context) (token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok.value != "" && c.now().Before(c.tok.expires.Add(-time.Minute)) {
		return c.tok, nil
	}
	t, err := c.requestToken(ctx, c.clientID, c.secret, c.Audience(), "the machine-to-machine application "+c.clientID)
	if err != nil {
		return token{}, err
	}
	c.tok = t
	return t, nil
}

// requestToken runs the client-credentials grant at <base>/oauth/token.
// audience "" asks for a token without one (the legacy global client).
func (c *Client) requestToken(ctx context.Context, id, secret, audience, who string) (token, error) {
	body := map[string]string{"grant_type": "client_credentials", "client_id": id, "client_secret": secret}
	if audience != "" {
		body["audience"] = audience
	}
	var out struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
		ExpiresIn   int    `json:"expires_in"`
	}
	resp, err := c.send(ctx, http.MethodPost, c.base+"/oauth/token", "", body)
	if err != nil {
		return token{}, err
	}
	if resp.status != http.StatusOK {
		return token{}, c.tokenError(resp, who)
	}
	if err := json.Unmarshal(resp.body, &out); err != nil || out.AccessToken == "" {
		return token{}, guise.Errorf(guise.EPROVIDER, "Something answers at %s, but not like an Auth0 tenant (its token endpoint sent no token). Check the domain and the base URL.", c.base)
	}
	if out.ExpiresIn <= 0 {
		out.ExpiresIn = 86400
	}
	return token{value: out.AccessToken, scopes: strings.Fields(out.Scope),
		expires: c.now().Add(time.Duration(out.ExpiresIn) * time.Second)}, nil
}

// response is one HTTP answer, read whole (Management API answers are small;
// the export download is streamed elsewhere).
type response struct {
	status int
	header http.Header
	body   []byte
}

// api sends a Management API request with the token, waiting and retrying
// on 429, and decodes a 2xx JSON answer into out (when out is not nil).
func (c *Client) api(ctx context.Context, method, path string, q url.Values, body, out any) (*response, error) {
	t, err := c.token(ctx)
	if err != nil {
		return nil, err
	}
	u := c.base + "/api/v2" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return c.call(ctx, method, u, t.value, body, out)
}

// call sends a request with a bearer token, honouring rate limits.
func (c *Client) call(ctx context.Context, method, u, bearer string, body, out any) (*response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := c.send(ctx, method, u, bearer, body)
		if err != nil {
			return nil, err
		}
		if resp.status == http.StatusTooManyRequests {
			wait := c.rateWait(resp.header)
			if attempt >= c.Retries {
				return nil, guise.Wrap(guise.ERATELIMIT, &guise.RetryAfterError{Wait: wait},
					"Auth0 is rate-limiting tenant %s; Guise waited %d times. Try again in %s.", c.domain, c.Retries, guise.FormatDuration(wait))
			}
			if err := c.sleep(ctx, wait); err != nil {
				return nil, guise.Wrap(guise.ECANCELED, err, "The request to Auth0 was canceled while waiting out its rate limit.")
			}
			continue
		}
		if resp.status < 200 || resp.status > 299 {
			return resp, apiError(resp, c.domain)
		}
		if out != nil {
			if err := json.Unmarshal(resp.body, out); err != nil {
				return resp, guise.Wrap(guise.EPROVIDER, err, "Auth0 sent an answer Guise cannot read (%s %s).", method, pathOf(u))
			}
		}
		return resp, nil
	}
}

// send performs one HTTP request; transport failures become plain-words errors.
func (c *Client) send(ctx context.Context, method, u, bearer string, body any) (*response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, guise.Wrap(guise.EINTERNAL, err, "Could not encode the request to Auth0.")
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, guise.Wrap(guise.EINTERNAL, err, "Could not build the request to Auth0.")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// open GETs a URL and returns its body for streaming (the export download,
// a signed URL that must not receive our token).
func (c *Client) open(ctx context.Context, u string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, guise.Wrap(guise.EPROVIDER, err, "Auth0 gave an export location Guise cannot use.")
	}
	// No client timeout: a big tenant's file takes a while; ctx bounds it.
	resp, err := (&http.Client{Transport: c.http.Transport}).Do(req)
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		if resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusNotFound {
			return nil, guise.Errorf(guise.EUNAVAILABLE, "The Auth0 export file is no longer available (HTTP %d); the sync will ask for a new one.", resp.StatusCode)
		}
		return nil, guise.Errorf(guise.EUNAVAILABLE, "Downloading the Auth0 export failed (HTTP %d); try again shortly.", resp.StatusCode)
	}
	return resp.Body, nil
}

func (c *Client) transportError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return guise.Wrap(guise.ECANCELED, err, "The request to Auth0 was canceled.")
	}
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err // the URL is already in the message
	}
	hint := ""
	var dns *net.DNSError
	if errors.As(cause, &dns) || errors.Is(cause, syscall.ECONNREFUSED) {
		hint = fmt.Sprintf(" Check the domain (%s)", c.domain)
		if c.base != "https://"+c.domain {
			hint += " and the base URL"
		}
		hint += "."
	}
	return guise.Wrap(guise.EUNAVAILABLE, err, "Cannot reach Auth0 at %s: %v.%s", c.base, cause, hint)
}

// rateWait reads how long Auth0 asked us to wait: Retry-After (seconds),
// else x-ratelimit-reset (epoch seconds); 1 s when neither says, capped at MaxWait.
func (c *Client) rateWait(h http.Header) time.Duration {
	wait := time.Second
	if d, ok := parseRetryAfter(h.Get("Retry-After"), c.now()); ok {
		wait = d
	} else if reset, ok := parseEpoch(h.Get("X-RateLimit-Reset")); ok {
		wait = reset.Sub(c.now()).Round(time.Second)
		if wait < time.Second {
			wait = time.Second
		}
	}
	if c.MaxWait > 0 && wait > c.MaxWait {
		wait = c.MaxWait
	}
	return wait
}

func pathOf(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Path
	}
	return u
}
