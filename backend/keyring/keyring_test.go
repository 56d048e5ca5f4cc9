package keyring

import (
	"strings"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
	gokeyring "github.com/zalando/go-keyring"
)

func TestEnvVarName(t *testing.T) {
	for in, want := range map[string]string{"demo": "GUISE_SECRET_DEMO", "acme-prod": "GUISE_SECRET_ACME_PROD", "eu.west": "GUISE_SECRET_EU_WEST"} {
		if got := EnvVar(in); got != want {
			t.Errorf("EnvVar(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestVariableWinsThenKeychainThenFallback(t *testing.T) {
	gokeyring.MockInit()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent") // the mock needs no bus; Available must say yes
	s := &Store{Fallback: func(env string) (string, error) {
		if env == "builtin" {
			return "from-fallback", nil
		}
		return "", guise.Errorf(guise.ENOSECRET, "none")
	}}
	if err := s.Set("prod", "from-keychain"); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Get("prod"); err != nil || v != "from-keychain" {
		t.Fatalf("keychain: %q %v", v, err)
	}
	t.Setenv("GUISE_SECRET_PROD", "from-variable")
	if v, _ := s.Get("prod"); v != "from-variable" {
		t.Fatalf("the variable must win: %q", v)
	}
	if v, _ := s.Get("builtin"); v != "from-fallback" {
		t.Fatalf("fallback: %q", v)
	}
	_, err := s.Get("missing")
	if guise.ErrorCode(err) != guise.ENOSECRET || !strings.Contains(guise.ErrorMessage(err), "GUISE_SECRET_MISSING") {
		t.Fatalf("missing secret: %v", err)
	}
	if err := s.Delete("prod"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("prod"); err != nil {
		t.Fatalf("deleting twice: %v", err)
	}
}

func TestNoBusMeansNoKeychainAndNoDiskFallback(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	s := &Store{}
	err := s.Set("prod", "secret")
	if guise.ErrorCode(err) != guise.ESECRETSTORE || !strings.Contains(guise.ErrorMessage(err), "GUISE_SECRET_PROD") {
		t.Fatalf("Set without a keychain: %v", err)
	}
	if err := s.Probe(); guise.ErrorCode(err) != guise.ESECRETSTORE {
		t.Fatalf("Probe without a bus: %v", err)
	}
}

func TestAHungKeychainTimesOut(t *testing.T) {
	s := &Store{Timeout: 20 * time.Millisecond}
	release := make(chan struct{})
	defer close(release)
	err := s.call(func() error { <-release; return nil })
	if guise.ErrorCode(err) != guise.ESECRETSTORE || !strings.Contains(guise.ErrorMessage(err), "did not answer") {
		t.Fatalf("a keychain that never answers: %v", err)
	}
}
