package asgardeo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// Token types of the exchange (RFC 8693, as Asgardeo names them).
const (
	typeJWT         = "urn:ietf:params:oauth:token-type:jwt"
	typeAccessToken = "urn:ietf:params:oauth:token-type:access_token"
	typeIDToken     = "urn:ietf:params:oauth:token-type:id_token"
)

// held is what Guise keeps for a running session: the impersonated tokens.
// It lives in the keychain (or this process's memory), never in SQLite.
type held struct {
	Access  string    `json:"access_token"`
	Org     string    `json:"org_token,omitempty"`
	Expires time.Time `json:"expires"`
}

// Where a session's tokens are kept, as written in its ref.
const (
	inKeychain = "k"
	inMemory   = "m"
)

// ref is a session's reference: where its tokens are, under which key, when
// it started and ends, and whom it impersonates. It holds no secret.
type ref struct {
	where, key   string
	start, until time.Time
	userID       string
}

func (r ref) String() string {
	return fmt.Sprintf("%s:%s:%d:%d:%s", r.where, r.key, r.start.Unix(), r.until.Unix(), r.userID)
}

func parseRef(s string) (ref, bool) {
	parts := strings.SplitN(s, ":", 5)
	if len(parts) != 5 || (parts[0] != inKeychain && parts[0] != inMemory) || parts[1] == "" || parts[4] == "" {
		return ref{}, false
	}
	start, err1 := strconv.ParseInt(parts[2], 10, 64)
	until, err2 := strconv.ParseInt(parts[3], 10, 64)
	if err1 != nil || err2 != nil {
		return ref{}, false
	}
	return ref{where: parts[0], key: parts[1], start: time.Unix(start, 0), until: time.Unix(until, 0), userID: parts[4]}, true
}

// StartImpersonation runs the agent's sign-in, exchanges the subject token
// for an impersonated access token (and, with an organization, switches it
// there), verifies that the token names the user as subject and the agent
// as actor, keeps the tokens, and returns the business application or My
// Account to open.
func (p *Provider) StartImpersonation(ctx context.Context, req guise.StartRequest) (guise.Started, error) {
	cb, err := p.signIn(ctx, req.UserID)
	if err != nil {
		return guise.Started{}, err
	}
	id, err := p.verify(ctx, cb.idToken, "an ID token for you")
	if err != nil {
		return guise.Started{}, err
	}
	if !slices.Contains(id.Audience, p.c.clientID) || id.Nonce != cb.nonce {
		return guise.Started{}, guise.Errorf(guise.EPROVIDER, "Asgardeo sent an ID token that was not issued for this sign-in (wrong audience or nonce). Nothing was started.")
	}
	agent := id.Subject
	sub, err := p.verify(ctx, cb.subjectToken, "a subject token")
	if err != nil {
		return guise.Started{}, err
	}
	if sub.Subject != req.UserID || sub.mayAct() != agent {
		return guise.Started{}, guise.Errorf(guise.EPROVIDER, "Asgardeo sent a subject token for %s acting as %s, not for user %s with you (%s) as the impersonator. Nothing was started.", sub.Subject, sub.mayAct(), req.UserID, agent)
	}

	tok, err := p.c.grant(ctx, grantTokenExchange, nil, url.Values{
		"subject_token": {cb.subjectToken}, "subject_token_type": {typeJWT},
		"requested_token_type": {typeAccessToken},
		"actor_token":          {cb.idToken}, "actor_token_type": {typeIDToken},
	})
	if err != nil {
		return guise.Started{}, err
	}
	// The impersonated session begins with the exchange: stop ends only
	// sessions begun from here (not during the agent's sign-in before).
	start := p.now()
	h := held{Access: tok.AccessToken, Expires: tok.Expiry}
	if h.Expires.IsZero() {
		h.Expires = p.now().Add(time.Hour) // Asgardeo's usual lifetime
	}
	fail := func(err error) (guise.Started, error) {
		p.revokeHeld(context.WithoutCancel(ctx), h)
		return guise.Started{}, err
	}
	at, err := p.verify(ctx, tok.AccessToken, "an impersonated access token")
	if err != nil {
		return fail(err)
	}
	if at.Subject != req.UserID || at.actor() != agent {
		return fail(guise.Errorf(guise.EPROVIDER, "Asgardeo issued a token for %s with actor %q, but Guise asked for user %s with you (%s) as the actor. Guise revoked it and did not start the session.", at.Subject, at.actor(), req.UserID, agent))
	}

	if req.OrgID != "" {
		ot, err := p.c.grant(ctx, grantOrgSwitch, []string{"internal_login"}, url.Values{
			"client_id": {p.c.clientID}, "switching_organization": {req.OrgID}, "token": {tok.AccessToken},
		})
		if err != nil {
			return fail(err)
		}
		h.Org = ot.AccessToken
		oc, err := p.verify(ctx, ot.AccessToken, "an organization token")
		if err != nil {
			return fail(err)
		}
		if oc.Subject != req.UserID || oc.actor() != agent || oc.OrgID != req.OrgID {
			return fail(guise.Errorf(guise.EPROVIDER, "Asgardeo's organization token is for user %q in organization %q with actor %q, not user %s in %s with you as the actor. Guise revoked the tokens and did not start the session.", oc.Subject, oc.OrgID, oc.actor(), req.UserID, req.OrgID))
		}
		if !ot.Expiry.IsZero() && ot.Expiry.Before(h.Expires) {
			h.Expires = ot.Expiry
		}
	}

	key := req.SessionID
	if key == "" {
		key = guise.NewID("ses")
	}
	where, err := p.keep(key, h)
	if err != nil {
		return fail(err)
	}
	target := p.myAccount
	if p.appURL != "" {
		target = p.appURL
	}
	r := ref{where: where, key: key, start: start, until: h.Expires, userID: req.UserID}
	return guise.Started{Ref: r.String(), URL: target, ExpiresAt: h.Expires}, nil
}

// keep stores the tokens in the keychain, else in this process's memory.
func (p *Provider) keep(key string, h held) (string, error) {
	b, _ := json.Marshal(h)
	if p.vault != nil {
		if err := p.vault.Set(key, string(b)); err == nil {
			return inKeychain, nil
		} else if guise.ErrorCode(err) != guise.ESECRETSTORE {
			return "", err
		}
	}
	if p.mem == nil {
		return "", guise.Errorf(guise.ESECRETSTORE, "Guise has nowhere to keep the impersonated tokens (no keychain), so it revoked them and did not start the session.")
	}
	p.mem.set(key, string(b))
	return inMemory, nil
}

// recall finds the tokens of a session; errNoTokens when none are kept
// (already revoked, or kept by another process's memory).
func (p *Provider) recall(r ref) (held, error) {
	var raw string
	switch {
	case r.where == inKeychain && p.vault != nil:
		v, err := p.vault.Get(r.key)
		if code := guise.ErrorCode(err); code == guise.ENOSECRET || code == guise.ENOTFOUND {
			return held{}, errNoTokens
		} else if err != nil {
			return held{}, err
		}
		raw = v
	case r.where == inMemory && p.mem != nil:
		v, ok := p.mem.get(r.key)
		if !ok {
			return held{}, errNoTokens
		}
		raw = v
	default:
		return held{}, errNoTokens
	}
	var h held
	if err := json.Unmarshal([]byte(raw), &h); err != nil || h.Access == "" {
		return held{}, errNoTokens
	}
	return h, nil
}

func (p *Provider) forget(r ref) error {
	if r.where == inKeychain && p.vault != nil {
		return p.vault.Delete(r.key)
	}
	if p.mem != nil {
		p.mem.del(r.key)
	}
	return nil
}

// revokeHeld revokes what a failed start obtained, best effort.
func (p *Provider) revokeHeld(ctx context.Context, h held) {
	if h.Org != "" {
		_ = p.c.Revoke(ctx, h.Org, "access_token")
	}
	if h.Access != "" {
		_ = p.c.Revoke(ctx, h.Access, "access_token")
	}
}

// StopImpersonation revokes the session's impersonated tokens (the
// organization token first) and forgets them, then, where the admin
// sessions API is permitted, ends the user's sessions that began with the
// impersonation. Tokens kept only in another process's memory cannot be
// revoked: the stop says so, and when they lapse.
func (p *Provider) StopImpersonation(ctx context.Context, refStr string) (guise.Stopped, error) {
	r, ok := parseRef(refStr)
	if !ok {
		return guise.Stopped{Detail: "Guise cannot read this session's Asgardeo reference, so nothing was revoked at Asgardeo."}, nil
	}
	var said []string
	h, err := p.recall(r)
	switch {
	case err == nil:
		for _, t := range []struct{ tok, name string }{{h.Org, "organization token"}, {h.Access, "impersonated access token"}} {
			if t.tok == "" {
				continue
			}
			if err := p.c.Revoke(ctx, t.tok, "access_token"); err != nil {
				return guise.Stopped{}, err // kept: the retry revokes again
			}
			said = append(said, "revoked the "+t.name)
		}
		if err := p.forget(r); err != nil {
			said = append(said, "could not delete the revoked tokens from the keychain ("+guise.ErrorMessage(err)+")")
		}
	case err == errNoTokens && r.where == inMemory:
		said = append(said, fmt.Sprintf("the impersonated token was held only in the memory of the Guise that started it (no keychain), so it could not be revoked here: it lapses at its expiry, %s", r.until.Local().Format("15:04")))
	case err == errNoTokens:
		said = append(said, "no impersonated tokens were left to revoke")
	default:
		return guise.Stopped{}, err // a locked keychain: retried
	}

	ended, err := p.endSessions(ctx, r)
	switch {
	case err == nil && ended > 0:
		said = append(said, fmt.Sprintf("ended %d Asgardeo session(s) of the user begun since %s", ended, r.start.Local().Format("15:04:05")))
	case err == nil:
		said = append(said, "the user had no Asgardeo session begun since the impersonation started")
	case guise.ErrorCode(err) == guise.EUNAUTHORIZED || guise.ErrorCode(err) == guise.ENOTFOUND:
		said = append(said, "the admin sessions API is not permitted, so the user's sessions were left as they are ("+guise.ErrorMessage(err)+")")
	default:
		return guise.Stopped{}, err
	}
	d := strings.Join(said, "; ") + "."
	return guise.Stopped{Detail: strings.ToUpper(d[:1]) + d[1:]}, nil
}

// sessionList is GET /api/users/v1/{id}/sessions (times: epoch ms, as strings).
type sessionList struct {
	UserID   string `json:"userId"`
	Sessions []struct {
		ID           string `json:"id"`
		LoginTime    string `json:"loginTime"`
		Applications []struct {
			AppName string `json:"appName"`
		} `json:"applications"`
	} `json:"sessions"`
}

func (p *Provider) sessions(ctx context.Context, userID string) (sessionList, error) {
	var l sessionList
	err := p.c.api(ctx, "GET", "/api/users/v1/"+url.PathEscape(userID)+"/sessions", nil, &l, "listing the user's sessions")
	return l, err
}

// clockSkew tolerates this machine's clock running ahead of Asgardeo's.
const clockSkew = 10 * time.Second

// sessionWindow is how long after the exchange the impersonated browser
// session begins: Guise opens the application right away.
const sessionWindow = 5 * time.Minute

// endSessions ends the user's sessions that began in the moments after the
// exchange: sessions carry no impersonation marker, so the time is what
// links them, and a narrow window keeps the customer's own sessions (before,
// or later during the impersonation) out of it.
func (p *Provider) endSessions(ctx context.Context, r ref) (int, error) {
	l, err := p.sessions(ctx, r.userID)
	if err != nil {
		return 0, err
	}
	from, to := r.start.Add(-clockSkew), r.start.Add(sessionWindow)
	if to.After(r.until) {
		to = r.until
	}
	n := 0
	for _, s := range l.Sessions {
		ms, err := strconv.ParseInt(s.LoginTime, 10, 64)
		if err != nil || s.ID == "" {
			continue
		}
		if at := time.UnixMilli(ms); at.Before(from) || at.After(to) {
			continue
		}
		err = p.c.api(ctx, "DELETE", "/api/users/v1/"+url.PathEscape(r.userID)+"/sessions/"+url.PathEscape(s.ID), nil, nil, "ending a session of the user")
		if guise.ErrorCode(err) == guise.ENOTFOUND {
			continue // ended meanwhile
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
