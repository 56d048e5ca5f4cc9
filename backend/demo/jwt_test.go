package demo

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestJWTMatchesAKnownToken(t *testing.T) {
	// The example token of RFC 7519 tooling (jwt.io), secret "your-256-bit-secret".
	claims := struct {
		Sub  string `json:"sub"`
		Name string `json:"name"`
		IAT  int64  `json:"iat"`
	}{"1234567890", "John Doe", 1516239022}
	got, err := signJWT(claims, []byte("your-256-bit-secret"))
	if err != nil {
		t.Fatal(err)
	}
	const want = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	if got != want {
		t.Fatalf("token = %s\nwant    %s", got, want)
	}
}

func TestJWTRoundTripAndTampering(t *testing.T) {
	secret := []byte("s3cret")
	in := sessionClaims{Sub: "user_000001", SID: "imp_1", EXP: 2000000000,
		Act: actorClaim{Sub: "agent:a@b.test", Email: "a@b.test"}}
	token, err := signJWT(in, secret)
	if err != nil {
		t.Fatal(err)
	}
	var out sessionClaims
	if err := verifyJWT(token, secret, &out); err != nil || out != in {
		t.Fatalf("round trip = %+v, %v", out, err)
	}

	parts := strings.Split(token, ".")
	forgedPayload := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"user_000002","sid":"imp_1","exp":2000000000}`))
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	for name, bad := range map[string]string{
		"wrong secret":     "",
		"changed payload":  parts[0] + "." + forgedPayload + "." + parts[2],
		"alg none":         none + "." + parts[1] + ".",
		"alg none, signed": none + "." + parts[1] + "." + parts[2],
		"two parts":        parts[0] + "." + parts[1],
		"garbage":          "a.b.c",
	} {
		key := secret
		if bad == "" {
			bad, key = token, []byte("other")
		}
		if err := verifyJWT(bad, key, &out); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
}
