//go:build integration

package keyring

import (
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// TestIntegrationRealSecretService runs against gnome-keyring on a private
// session bus (make test-keyring starts and unlocks it).
func TestIntegrationRealSecretService(t *testing.T) {
	if !Available() {
		t.Fatal("no session bus: run through `make test-keyring`")
	}
	s := &Store{Timeout: 10 * time.Second}
	if err := s.Probe(); err != nil {
		t.Fatalf("probe: %v", err)
	}
	env := "it-" + time.Now().Format("150405.000000")
	if err := s.Set(env, "sk_live_integration"); err != nil {
		t.Fatalf("set: %v", err)
	}
	if v, err := s.Get(env); err != nil || v != "sk_live_integration" {
		t.Fatalf("get: %q %v", v, err)
	}
	if err := s.Delete(env); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := s.Get(env); guise.ErrorCode(err) != guise.ENOSECRET {
		t.Fatalf("after delete: %v", err)
	}
}
