package asgardeo

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v3"
	"github.com/go-jose/go-jose/v3/jwt"
	"github.com/guiseapp/guise/backend/guise"
)

// keySet is the organization's signing keys, from /oauth2/jwks.
type keySet struct {
	set jose.JSONWebKeySet
}

// tokenClaims are the claims Guise checks in Asgardeo's JWTs.
type tokenClaims struct {
	jwt.Claims
	Nonce    string `json:"nonce"`
	ClientID string `json:"client_id"`
	OrgID    string `json:"org_id"`
	OrgName  string `json:"org_name"`
	Act      *struct {
		Sub string `json:"sub"`
	} `json:"act"`
	MayAct *struct {
		Sub string `json:"sub"`
	} `json:"may_act"`
}

func (t tokenClaims) actor() string {
	if t.Act == nil {
		return ""
	}
	return t.Act.Sub
}

func (t tokenClaims) mayAct() string {
	if t.MayAct == nil {
		return ""
	}
	return t.MayAct.Sub
}

// signingAlgs are the algorithms Guise accepts; "none" and HMAC never.
var signingAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}

// keys returns the organization's JWKS, fetched once per Provider, or again
// when refresh is set (a key id we do not know: the keys may have rotated).
func (p *Provider) keys(ctx context.Context, refresh bool) (jose.JSONWebKeySet, error) {
	p.jwksMu.Lock()
	defer p.jwksMu.Unlock()
	if p.jwks != nil && !refresh {
		return p.jwks.set, nil
	}
	status, body, err := p.c.send(ctx, "GET", p.c.base+"/oauth2/jwks", "")
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	if status != 200 {
		return jose.JSONWebKeySet{}, p.c.apiError(status, body, "reading the signing keys (JWKS)")
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil || len(set.Keys) == 0 {
		return jose.JSONWebKeySet{}, guise.Errorf(guise.EPROVIDER, "Asgardeo's signing keys at %s/oauth2/jwks could not be read, so Guise cannot check the tokens it issues. Nothing was started.", p.c.base)
	}
	p.jwks = &keySet{set: set}
	return set, nil
}

// verify checks a JWT's signature against the organization's JWKS, its
// issuer and its times, and returns its claims. what names the token for
// messages ("the subject token").
func (p *Provider) verify(ctx context.Context, raw, what string) (tokenClaims, error) {
	bad := func(why string) (tokenClaims, error) {
		return tokenClaims{}, guise.Errorf(guise.EPROVIDER, "Asgardeo sent %s that Guise cannot trust: %s. Nothing was started.", what, why)
	}
	tok, err := jwt.ParseSigned(raw)
	if err != nil || len(tok.Headers) != 1 {
		return bad("it is not a signed JWT (the application must issue JWT access tokens)")
	}
	h := tok.Headers[0]
	if !slices.Contains(signingAlgs, h.Algorithm) {
		return bad("it is signed with " + h.Algorithm + ", which Guise does not accept")
	}
	set, err := p.keys(ctx, false)
	if err != nil {
		return tokenClaims{}, err
	}
	keys := set.Key(h.KeyID)
	if len(keys) == 0 {
		if set, err = p.keys(ctx, true); err != nil {
			return tokenClaims{}, err
		}
		if keys = set.Key(h.KeyID); len(keys) == 0 {
			return bad("its key " + h.KeyID + " is not among the organization's signing keys")
		}
	}
	var c tokenClaims
	if err := tok.Claims(keys[0].Key, &c); err != nil {
		return bad("its signature does not verify")
	}
	if want := p.c.base + "/oauth2/token"; c.Issuer != want {
		return bad("it was issued by " + c.Issuer + ", not " + want)
	}
	if err := c.Claims.ValidateWithLeeway(jwt.Expected{Time: p.now()}, time.Minute); err != nil {
		return bad("it has expired or is not valid yet (check this computer's clock)")
	}
	if c.Subject == "" {
		return bad("it names no subject")
	}
	return c, nil
}
