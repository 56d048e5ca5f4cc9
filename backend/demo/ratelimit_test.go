package demo

import (
	"context"
	"testing"
)

// The client learns the limit the server announces, so a sync can keep under it.
func TestClientPublishesTheAnnouncedRateLimit(t *testing.T) {
	s := startServer(t, Config{Users: 10, RateLimit: 7})
	c := newTestClient(t, s.URL(), s.APIKey())
	if per, _ := c.RateLimit(); per != 0 {
		t.Fatalf("limit %v before any answer, want 0 (unknown)", per)
	}
	if _, _, err := c.ListOrgs(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	if per, burst := c.RateLimit(); per != 7 || burst != 1 {
		t.Fatalf("limit %v burst %d, want 7 and 1", per, burst)
	}
}
