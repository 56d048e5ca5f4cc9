package asgardeo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/guiseapp/guise/backend/guise"
	"golang.org/x/oauth2"
)

// callback is what the authorize endpoint sent back through the browser.
type callback struct {
	idToken, subjectToken string
	nonce                 string // the nonce Guise sent, to check in the ID token
}

// signIn runs the agent's interactive sign-in: a single-use listener on
// 127.0.0.1 (random port), the authorize request for a subject token of
// userID opened in the browser, and the wait for its redirect. The state
// ties the answer to this request; the nonce, checked later, ties the ID token.
func (p *Provider) signIn(ctx context.Context, userID string) (callback, error) {
	if p.open == nil {
		return callback{}, guise.Errorf(guise.EUNSUPPORTED, "Impersonating in Asgardeo needs your own sign-in in a browser, and this Guise has none to open.")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return callback{}, guise.Wrap(guise.EUNAVAILABLE, err, "Guise could not listen on 127.0.0.1 for the sign-in's answer: %v", err)
	}
	state, nonce := randomHex(16), randomHex(16)
	redirect := fmt.Sprintf("http://%s/callback", ln.Addr())
	conf := oauth2.Config{ClientID: p.c.clientID, RedirectURL: redirect, Scopes: []string{"openid", impersonateScope},
		Endpoint: oauth2.Endpoint{AuthURL: p.c.base + "/oauth2/authorize", TokenURL: p.c.base + "/oauth2/token"}}
	authURL := conf.AuthCodeURL(state,
		oauth2.SetAuthURLParam("response_type", "id_token subject_token"),
		oauth2.SetAuthURLParam("requested_subject", userID),
		oauth2.SetAuthURLParam("nonce", nonce))

	got := make(chan url.Values, 1)
	var used atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("/callback", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		q := r.URL.Query()
		if r.Method == http.MethodPost {
			_ = r.ParseForm()
			q = r.PostForm
		}
		if len(q) == 0 {
			// A fragment response: the browser keeps it; this page hands it over.
			fmt.Fprint(w, fragmentRelay)
			return
		}
		if used.Swap(true) {
			w.WriteHeader(http.StatusGone)
			fmt.Fprint(w, page("This sign-in link was already used", "Start the impersonation again from Guise."))
			return
		}
		switch {
		case q.Get("state") != state:
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, page("Guise did not start this sign-in", "The answer does not match the request Guise sent, so it was ignored. Nothing was started."))
		case q.Get("error") != "":
			fmt.Fprint(w, page("Asgardeo did not allow the impersonation", html.EscapeString(q.Get("error_description"))+" Guise says more."))
		default:
			fmt.Fprint(w, page("Signed in", "Guise is checking the tokens and opens the session next. You can close this tab."))
		}
		got <- q
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	if err := p.open(ctx, authURL); err != nil {
		return callback{}, guise.Wrap(guise.EUNAVAILABLE, err, "Could not open a browser for your Asgardeo sign-in: %v. Install xdg-utils or set a browser in Settings.", err)
	}
	timer := time.NewTimer(p.timeout)
	defer timer.Stop()
	var q url.Values
	select {
	case q = <-got:
	case <-timer.C:
		return callback{}, guise.Errorf(guise.EUNAVAILABLE, "Your Asgardeo sign-in did not come back within %s, so nothing was started. Finish signing in in the browser sooner, or check that the application allows the redirect URL http://127.0.0.1:<any port>/callback.", guise.FormatDuration(p.timeout))
	case <-ctx.Done():
		return callback{}, guise.Wrap(guise.ECANCELED, ctx.Err(), "The impersonation was canceled while waiting for your Asgardeo sign-in. Nothing was started.")
	}
	if q.Get("state") != state {
		return callback{}, guise.Errorf(guise.EUNAUTHORIZED, "The sign-in answer did not carry the state Guise sent (state mismatch), so it may not come from your sign-in. It was ignored and nothing was started; try again.")
	}
	if e := q.Get("error"); e != "" {
		return callback{}, authorizeError(e, q.Get("error_description"))
	}
	cb := callback{idToken: q.Get("id_token"), subjectToken: q.Get("subject_token"), nonce: nonce}
	if cb.subjectToken == "" || cb.idToken == "" {
		return callback{}, guise.Errorf(guise.EPROVIDER, "Asgardeo signed you in but sent no subject token or ID token. Enable \"subject token response type\" for the application (Protocol tab) and allow the id_token response. Nothing was started.")
	}
	return cb, nil
}

// authorizeError says in plain words why the authorize endpoint refused.
func authorizeError(code, desc string) error {
	said := code
	if desc != "" {
		said = code + ": " + desc
	}
	low := strings.ToLower(code + " " + desc)
	switch {
	case code == "access_denied" && (strings.Contains(low, "imperson") || strings.Contains(low, "role") || strings.Contains(low, "permission")):
		return guise.Errorf(guise.EUNAUTHORIZED, "Asgardeo refused: your account lacks the impersonator role for this application (%s). Ask an administrator to assign you the application role with the User Impersonation scope. Nothing was started.", said)
	case code == "access_denied":
		return guise.Errorf(guise.EUNAUTHORIZED, "Asgardeo refused the sign-in (%s). Nothing was started.", said)
	case code == "invalid_scope" || strings.Contains(low, "internal_user_impersonate"):
		return guise.Errorf(guise.EUNAUTHORIZED, "The application is not authorized for the User Impersonation API (%s). In the Asgardeo Console, Applications → your app → API Authorization, authorize User Impersonation. Nothing was started.", said)
	case code == "unsupported_response_type" || strings.Contains(low, "subject_token"):
		return guise.Errorf(guise.EUNAUTHORIZED, "The application does not issue subject tokens (%s). Enable \"subject token response type\" on its Protocol tab. Nothing was started.", said)
	case strings.Contains(low, "redirect"):
		return guise.Errorf(guise.EUNAUTHORIZED, "Asgardeo does not allow Guise's loopback redirect (%s). Add the authorized redirect URL regexp=http://127\\.0\\.0\\.1:\\d+/callback to the application. Nothing was started.", said)
	default:
		return guise.Errorf(guise.EUNAUTHORIZED, "Asgardeo refused the impersonation sign-in: %s. Nothing was started.", said)
	}
}

func page(title, body string) string {
	return "<!doctype html><meta charset=utf-8><title>Guise</title><body style=\"font-family:sans-serif;margin:3em\"><h1>" +
		html.EscapeString(title) + "</h1><p>" + body + "</p></body>"
}

// fragmentRelay hands a fragment response (#id_token=…) to the listener as
// a form post, so tokens never enter a URL the browser keeps in history.
const fragmentRelay = `<!doctype html><meta charset=utf-8><title>Guise</title><body style="font-family:sans-serif;margin:3em"><p>Finishing the sign-in…</p>
<form method=post action="/callback" id=f></form><script>
var p=new URLSearchParams(location.hash.slice(1)),f=document.getElementById('f');
p.forEach(function(v,k){var i=document.createElement('input');i.type='hidden';i.name=k;i.value=v;f.appendChild(i);});
history.replaceState(null,'','/callback');if([...p.keys()].length){f.submit();}
</script></body>`

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

var errNoTokens = errors.New("no tokens kept for this session")
