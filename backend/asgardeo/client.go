package asgardeo

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/guiseapp/guise/backend/guise"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/time/rate"
)

// Grant types Guise uses at /oauth2/token.
const (
	grantClientCredentials = "client_credentials"
	grantTokenExchange     = "urn:ietf:params:oauth:grant-type:token-exchange"
	grantOrgSwitch         = "organization_switch"
)

// managementScopes are asked for with the client-credentials grant: SCIM
// users, a user's shared organizations, and the admin sessions API.
var managementScopes = []string{"internal_user_mgt_list", "internal_user_mgt_view", "internal_user_shared_access_view", "internal_session_view", "internal_session_delete"}

// Client talks to one Asgardeo organization (or WSO2 Identity Server
// tenant): OAuth through golang.org/x/oauth2, SCIM and REST by hand. Every
// request is paced by the organization's rate limit. Safe for concurrent use.
type Client struct {
	base     string // https://api.asgardeo.io/t/{org}, or https://host:9443
	clientID string
	secret   string
	http     *http.Client
	lim      *rate.Limiter

	// Retries is how many times a rate-limited request is sent again, each
	// after backoff (Asgardeo says nothing about when to come back).
	Retries int
	backoff time.Duration
	sleep   func(ctx context.Context, d time.Duration) error

	mu     sync.Mutex
	tok    *oauth2.Token
	scopes []string
}

// NewClient returns a client of the organization at base. perMinute <= 0
// means no pacing (a self-hosted server without limits).
func NewClient(base, clientID, secret string, perMinute int) *Client {
	lim := rate.NewLimiter(rate.Inf, 1)
	if perMinute > 0 {
		// A small burst keeps a lone lookup quick; a sync then settles at the limit.
		lim = rate.NewLimiter(rate.Limit(float64(perMinute)/60), min(10, perMinute))
	}
	return &Client{base: strings.TrimRight(base, "/"), clientID: clientID, secret: secret,
		http: &http.Client{Timeout: 30 * time.Second}, lim: lim, Retries: 3, backoff: 5 * time.Second, sleep: guise.Sleep}
}

func (c *Client) host() string {
	if u, err := url.Parse(c.base); err == nil && u.Host != "" {
		return u.Host + u.Path
	}
	return c.base
}

// ctx carries our HTTP client to golang.org/x/oauth2.
func (c *Client) oauthCtx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, c.http)
}

func (c *Client) pace(ctx context.Context) error {
	if err := c.lim.Wait(ctx); err != nil {
		return guise.Wrap(guise.ECANCELED, err, "The request to Asgardeo was canceled while keeping under its rate limit.")
	}
	return nil
}

// Token returns the cached management token and its granted scopes,
// fetching one with the client-credentials grant when needed.
func (c *Client) Token(ctx context.Context) (string, []string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok.Valid() {
		return c.tok.AccessToken, c.scopes, nil
	}
	tok, err := c.grant(ctx, grantClientCredentials, managementScopes, nil)
	if err != nil {
		return "", nil, err
	}
	c.tok = tok
	scope, _ := tok.Extra("scope").(string)
	c.scopes = strings.Fields(scope)
	return tok.AccessToken, c.scopes, nil
}

// grant runs one grant at /oauth2/token with HTTP Basic client auth.
// golang.org/x/oauth2's client-credentials flow lets grant_type be
// overridden, which carries the token-exchange and organization_switch grants.
func (c *Client) grant(ctx context.Context, grant string, scopes []string, params url.Values) (*oauth2.Token, error) {
	if err := c.pace(ctx); err != nil {
		return nil, err
	}
	if grant != grantClientCredentials {
		params = cloneValues(params)
		params.Set("grant_type", grant)
	}
	cfg := clientcredentials.Config{ClientID: c.clientID, ClientSecret: c.secret, TokenURL: c.base + "/oauth2/token",
		Scopes: scopes, EndpointParams: params, AuthStyle: oauth2.AuthStyleInHeader}
	for attempt := 0; ; attempt++ {
		tok, err := cfg.Token(c.oauthCtx(ctx))
		if err == nil {
			return tok, nil
		}
		if ctx.Err() != nil {
			return nil, guise.Wrap(guise.ECANCELED, err, "The request to Asgardeo was canceled.")
		}
		err = c.oauthError(err, grant)
		if guise.ErrorCode(err) != guise.ERATELIMIT || attempt >= c.Retries {
			return nil, err
		}
		if err := c.sleep(ctx, c.backoff<<attempt); err != nil {
			return nil, guise.Wrap(guise.ECANCELED, err, "The request to Asgardeo was canceled while waiting out its rate limit.")
		}
		if err := c.pace(ctx); err != nil {
			return nil, err
		}
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// api sends a SCIM or REST request with the management token, retrying on
// 429, and decodes a 2xx JSON answer into out (when not nil). what says, in
// words, what Guise was doing, for error messages.
func (c *Client) api(ctx context.Context, method, path string, q url.Values, out any, what string) error {
	bearer, _, err := c.Token(ctx)
	if err != nil {
		return err
	}
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	for attempt := 0; ; attempt++ {
		status, body, err := c.send(ctx, method, u, bearer)
		if err != nil {
			return err
		}
		if status == http.StatusTooManyRequests && attempt < c.Retries {
			if err := c.sleep(ctx, c.backoff<<attempt); err != nil {
				return guise.Wrap(guise.ECANCELED, err, "The request to Asgardeo was canceled while waiting out its rate limit.")
			}
			continue
		}
		if status < 200 || status > 299 {
			return c.apiError(status, body, what)
		}
		if out != nil {
			if err := json.Unmarshal(body, out); err != nil {
				return guise.Wrap(guise.EPROVIDER, err, "Asgardeo sent an answer Guise cannot read while %s.", what)
			}
		}
		return nil
	}
}

// send performs one paced request and reads the answer whole (answers are small).
func (c *Client) send(ctx context.Context, method, u, bearer string) (int, []byte, error) {
	if err := c.pace(ctx); err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return 0, nil, guise.Wrap(guise.EINTERNAL, err, "Could not build the request to Asgardeo.")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	req.Header.Set("Accept", "application/json, application/scim+json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, c.transportErrorCtx(ctx, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return 0, nil, c.transportErrorCtx(ctx, err)
	}
	return resp.StatusCode, body, nil
}

// Revoke revokes a token at /oauth2/revoke (RFC 7009, client_secret_basic).
// An unknown or expired token is not an error: it no longer works either way.
func (c *Client) Revoke(ctx context.Context, token, hint string) error {
	if err := c.pace(ctx); err != nil {
		return err
	}
	form := url.Values{"token": {token}, "token_type_hint": {hint}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/oauth2/revoke", strings.NewReader(form.Encode()))
	if err != nil {
		return guise.Wrap(guise.EINTERNAL, err, "Could not build the revoke request.")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.clientID), url.QueryEscape(c.secret))
	resp, err := c.http.Do(req)
	if err != nil {
		return c.transportErrorCtx(ctx, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusBadRequest && strings.Contains(string(body), "invalid_token"):
		return nil
	case resp.StatusCode == http.StatusUnauthorized || strings.Contains(string(body), "invalid_client"):
		return guise.Errorf(guise.EUNAUTHORIZED, "Asgardeo (%s) rejected the application's credentials at the revoke endpoint (HTTP %d); check the client secret.", c.host(), resp.StatusCode)
	case resp.StatusCode == http.StatusTooManyRequests:
		return guise.Wrap(guise.ERATELIMIT, &guise.RetryAfterError{Wait: c.backoff}, "Asgardeo is rate-limiting the revoke endpoint; Guise will try again.")
	case resp.StatusCode >= 500:
		return guise.Errorf(guise.EUNAVAILABLE, "Asgardeo's revoke endpoint failed (HTTP %d); Guise will try again.", resp.StatusCode)
	default:
		return guise.Errorf(guise.EPROVIDER, "Asgardeo's revoke endpoint answered HTTP %d, which Guise does not expect.", resp.StatusCode)
	}
}

func (c *Client) transportErrorCtx(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return guise.Wrap(guise.ECANCELED, err, "The request to Asgardeo was canceled.")
	}
	return c.transportError(err)
}

func (c *Client) transportError(err error) error {
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err // the URL is already in the message
	}
	hint := ""
	var dns *net.DNSError
	// golang.org/x/oauth2 flattens its transport errors into text.
	if errors.As(cause, &dns) || errors.Is(cause, syscall.ECONNREFUSED) || strings.Contains(cause.Error(), "connection refused") || strings.Contains(cause.Error(), "no such host") {
		hint = " Check the org name and the base URL."
	}
	return guise.Wrap(guise.EUNAVAILABLE, err, "Cannot reach Asgardeo at %s: %v.%s", c.base, cause, hint)
}
