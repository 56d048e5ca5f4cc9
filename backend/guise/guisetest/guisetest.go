// Package guisetest holds what the provider adapters' tests share: a
// transport that answers with whatever a fuzzer made up, and the check that
// every failure is a coded error in plain words without the secret.
package guisetest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// Canned is an http.RoundTripper that answers every request with Status,
// Body and Header, except those Grant answers itself (a token endpoint, so
// that the canned answer reaches the API calls behind it).
type Canned struct {
	Status int
	Body   []byte
	Header http.Header
	Grant  func(r *http.Request) (status int, body []byte, ok bool)
}

// RoundTrip answers r.
func (c Canned) RoundTrip(r *http.Request) (*http.Response, error) {
	status, body := c.Status, c.Body
	if c.Grant != nil {
		if st, b, ok := c.Grant(r); ok {
			status, body = st, b
		}
	}
	h := http.Header{"Content-Type": {"application/json"}, "Retry-After": {"1"}}
	for k, v := range c.Header {
		h[k] = v
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
}

// Checker returns check(what, err): it fails t unless err is nil or a
// *guise.Error with a code and a message that does not carry secret. status
// and body are named in the failure, to reproduce it.
func Checker(t testing.TB, secret string, status int, body []byte) func(what string, err error) {
	return func(what string, err error) {
		t.Helper()
		if err == nil {
			return
		}
		e := guise.AsError(err)
		if e.Code == "" || e.Message == "" || strings.Contains(e.Message, secret) {
			t.Fatalf("%s: status %d body %q: bad error %+v", what, status, body, e)
		}
	}
}

// ListAll walks p's user listing from the first page to the last (users
// changed after since; zero: all) and returns the users and each page's size.
func ListAll(t testing.TB, p guise.Provider, since time.Time) ([]guise.User, []int) {
	t.Helper()
	var users []guise.User
	var sizes []int
	for cursor := ""; ; {
		page, err := p.ListUsers(context.Background(), cursor, since)
		if err != nil {
			t.Fatalf("listing users at cursor %q: %v", cursor, err)
		}
		users, sizes = append(users, page.Users...), append(sizes, len(page.Users))
		if cursor = page.Next; cursor == "" {
			return users, sizes
		}
		if len(sizes) > 100_000 {
			t.Fatal("the user listing never ends")
		}
	}
}
