// Package keyring keeps environments' secrets in the OS keychain (Secret
// Service on Linux, Keychain on macOS, Credential Manager on Windows), with a
// timeout on every call. A secret can also come from GUISE_SECRET_<NAME> at
// run time; nothing here ever writes a secret to disk itself.
package keyring

import (
	"errors"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/guiseapp/guise/backend/guise"
	gokeyring "github.com/zalando/go-keyring"
)

// service is the keychain service name under which secrets are stored.
const service = "guise"

// Store implements guise.Secrets.
type Store struct {
	// Timeout bounds each keychain call; a locked or absent keychain can hang.
	Timeout time.Duration
	// Fallback is asked when neither the variable nor the keychain has a
	// secret (the built-in Demo uses it). May be nil.
	Fallback func(env string) (string, error)
}

var _ guise.Secrets = (*Store)(nil)

// EnvVar is the variable that can carry env's secret: GUISE_SECRET_<NAME>,
// upper-cased, with '-' and '.' turned into '_'.
func EnvVar(env string) string {
	return "GUISE_SECRET_" + strings.NewReplacer("-", "_", ".", "_", " ", "_").Replace(strings.ToUpper(env))
}

// Available reports whether a keychain can be reached at all. On Linux the
// Secret Service lives on the session bus; without one, asking would make
// D-Bus autolaunch a bus and a keyring daemon that outlive us.
func Available() bool {
	if runtime.GOOS == "linux" || runtime.GOOS == "freebsd" {
		return os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
	}
	return true
}

func (s *Store) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return 5 * time.Second
}

// call runs fn with the timeout; a hung keychain becomes ESECRETSTORE.
func (s *Store) call(fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(s.timeout()):
		return guise.Errorf(guise.ESECRETSTORE, "The OS keychain did not answer within %s. Is it locked?", s.timeout())
	}
}

// Get returns env's secret: the variable first, then the keychain, then Fallback.
func (s *Store) Get(env string) (string, error) {
	if v := os.Getenv(EnvVar(env)); v != "" {
		return v, nil
	}
	var keychainErr error
	if Available() {
		var secret string
		err := s.call(func() error {
			var err error
			secret, err = gokeyring.Get(service, env)
			return err
		})
		switch {
		case err == nil:
			return secret, nil
		case errors.Is(err, gokeyring.ErrNotFound):
		case guise.ErrorCode(err) == guise.ESECRETSTORE:
			keychainErr = err
		default:
			keychainErr = guise.Wrap(guise.ESECRETSTORE, err, "The OS keychain could not be read: %v", err)
		}
	}
	if s.Fallback != nil {
		v, err := s.Fallback(env)
		if err == nil {
			return v, nil
		}
		if code := guise.ErrorCode(err); code != guise.ENOSECRET && code != guise.ENOTFOUND {
			return "", err
		}
	}
	// A locked or broken keychain is reported only when nothing else had the secret.
	if keychainErr != nil {
		return "", keychainErr
	}
	return "", guise.Errorf(guise.ENOSECRET, "No secret is set for %s. Add it with: guise env add … --secret-stdin, or set %s.", env, EnvVar(env))
}

// Set stores env's secret in the keychain. Without a keychain it refuses:
// the secret must then come from the variable at run time.
func (s *Store) Set(env, secret string) error {
	if !Available() {
		return guise.Errorf(guise.ESECRETSTORE, "No OS keychain is reachable (no session bus), so the secret was not saved. Provide it at run time with %s instead; Guise never writes secrets to disk.", EnvVar(env))
	}
	err := s.call(func() error { return gokeyring.Set(service, env, secret) })
	if err != nil && guise.ErrorCode(err) != guise.ESECRETSTORE {
		return guise.Wrap(guise.ESECRETSTORE, err, "The OS keychain refused to store the secret: %v. Provide it at run time with %s instead.", err, EnvVar(env))
	}
	return err
}

// Delete removes env's secret from the keychain; a missing one is fine.
func (s *Store) Delete(env string) error {
	if !Available() {
		return nil
	}
	err := s.call(func() error { return gokeyring.Delete(service, env) })
	if err == nil || errors.Is(err, gokeyring.ErrNotFound) {
		return nil
	}
	if guise.ErrorCode(err) == guise.ESECRETSTORE {
		return err
	}
	return guise.Wrap(guise.ESECRETSTORE, err, "The OS keychain refused to delete the secret of %s: %v", env, err)
}

// Where says where secrets are kept.
func (s *Store) Where() string {
	if Available() {
		return "the OS keychain"
	}
	return "run-time variables only (no OS keychain reachable)"
}

// Probe checks that the keychain answers, by looking up a key that does not exist.
func (s *Store) Probe() error {
	if !Available() {
		return guise.Errorf(guise.ESECRETSTORE, "no session bus, so no OS keychain; secrets can come only from GUISE_SECRET_<NAME>")
	}
	err := s.call(func() error {
		_, err := gokeyring.Get(service, "guise-doctor-probe")
		return err
	})
	if err == nil || errors.Is(err, gokeyring.ErrNotFound) {
		return nil
	}
	if guise.ErrorCode(err) == guise.ESECRETSTORE {
		return err
	}
	return guise.Wrap(guise.ESECRETSTORE, err, "the OS keychain answered with an error: %v", err)
}
