package demo

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// sessionClaims are the demo app's session: who is signed in and, in act,
// who is really acting (RFC 8693 actor claim).
type sessionClaims struct {
	Sub     string     `json:"sub"`
	Email   string     `json:"email"`
	Name    string     `json:"name"`
	OrgID   string     `json:"org_id"`
	OrgName string     `json:"org_name"`
	SID     string     `json:"sid"`
	IAT     int64      `json:"iat"`
	EXP     int64      `json:"exp"`
	Act     actorClaim `json:"act"`
	Reason  string     `json:"reason"`
	Ticket  string     `json:"ticket"`
}

type actorClaim struct {
	Sub   string `json:"sub"`
	Email string `json:"email"`
}

var errBadToken = errors.New("demo: invalid token")

var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// signJWT encodes claims as a compact HS256 JWT.
func signJWT(claims any, secret []byte) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signed := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	return signed + "." + base64.RawURLEncoding.EncodeToString(mac(signed, secret)), nil
}

// verifyJWT checks the signature and decodes the claims. It accepts HS256
// only, so a token claiming "alg":"none" is rejected. Expiry is the caller's
// business: it knows the clock.
func verifyJWT(token string, secret []byte, claims any) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return errBadToken
	}
	header, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return errBadToken
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(header, &h) != nil || h.Alg != "HS256" {
		return errBadToken
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac(parts[0]+"."+parts[1], secret)) {
		return errBadToken
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return errBadToken
	}
	if json.Unmarshal(payload, claims) != nil {
		return errBadToken
	}
	return nil
}

func mac(signed string, secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(signed))
	return m.Sum(nil)
}
