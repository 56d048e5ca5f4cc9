package cli

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// The command line's own parsing of what people type: never a panic, and
// every rejection is a usage error (exit 2) or a field error, never a crash
// or a silently wrong value.

func FuzzParseSettings(f *testing.F) {
	for _, s := range []string{"actor_user_id=user_123", "domain=acme.eu.auth0.com", "timeout=30s", "=x", "a", "A=b", "k=v=w", "k=", " k = v", "k=v\x00"} {
		f.Add(s, "timeout=2s")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		got, err := parseSettings([]string{a, b})
		if err != nil {
			var u usageError
			if !errors.As(err, &u) {
				t.Fatalf("%q %q: %v is not a usage error", a, b, err)
			}
			return
		}
		for k, v := range got {
			if !settingKey.MatchString(k) || v != strings.TrimSpace(v) {
				t.Fatalf("%q %q: accepted key %q value %q", a, b, k, v)
			}
		}
		if len(got) != 2 {
			t.Fatalf("%q %q: two settings became %d", a, b, len(got))
		}
	})
}

func FuzzWholeMinutes(f *testing.F) {
	for _, s := range []string{"30m", "1h", "90s", "0", "-5m", "1h30m", "168h", "169h", "1.5h", "9999999999h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := time.ParseDuration(s) // what the flag library does first
		if err != nil {
			return
		}
		m, err := wholeMinutes("duration", d)
		if err != nil {
			var u usageError
			if !errors.As(err, &u) {
				t.Fatalf("%q: %v is not a usage error", s, err)
			}
			return
		}
		if m < 0 || time.Duration(m)*time.Minute != d {
			t.Fatalf("%q: %d minutes for %v", s, m, d)
		}
	})
}

func FuzzParseSince(f *testing.F) {
	for _, s := range []string{"2026-11-01", "2026-11-01T09:00:00Z", "2026-02-30", "yesterday", "", "2026-11-01T09:00:00+02:00", "0000-01-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseSince(s)
		if err != nil {
			if !strings.Contains(err.Error(), "--since") {
				t.Fatalf("%q: the error does not name the flag: %v", s, err)
			}
			return
		}
		if s == "" && !got.IsZero() {
			t.Fatalf("empty --since gave %v", got)
		}
	})
}
