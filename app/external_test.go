package app

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// recorder keeps the session events an app emits.
type recorder struct {
	mu  sync.Mutex
	got []string
}

func (r *recorder) listen(name string, payload any) {
	if s, ok := payload.(guise.Session); ok {
		r.mu.Lock()
		r.got = append(r.got, name+" "+s.ID)
		r.mu.Unlock()
	}
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.got
	r.got = nil
	return out
}

func TestAnnounceExternalReportsWhatOtherProcessesDid(t *testing.T) {
	ctx := context.Background()
	a := New(Config{Home: t.TempDir()})
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	svc, err := a.Service()
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	a.events.Listen(rec.listen)
	now := time.Now().UTC()
	// start records a running session the way another process would: in the
	// shared store only, with no event in this one.
	start := func(id, user string, withRef bool) guise.Session {
		s := guise.Session{ID: id, Env: DemoEnv, Provider: guise.ProviderDemo, UserID: user, UserEmail: user + "@x.test", AgentEmail: "a@x.test",
			Reason: "a good reason", StartedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := svc.Store.ReserveSession(ctx, s, now, nil); err != nil {
			t.Fatal(err)
		}
		if withRef {
			if err := svc.Store.MarkStarted(ctx, id, "ref_"+id, s.ExpiresAt, guise.AuditRecord{At: now, Kind: guise.AuditStarted}); err != nil {
				t.Fatal(err)
			}
			s.ProviderRef = "ref_" + id
		}
		return s
	}
	end := func(id string) {
		if _, err := svc.Store.EndSession(ctx, id, now, guise.EndStopped, "", guise.AuditRecord{At: now, Kind: guise.AuditStopped}); err != nil {
			t.Fatal(err)
		}
	}
	look := func(known map[string]bool) map[string]bool {
		active, err := svc.Store.Sessions(ctx, guise.SessionFilter{ActiveOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		return a.announceExternal(ctx, svc, active, known)
	}

	start("ses_before", "u0", true)
	known := look(nil)
	if got := rec.take(); len(got) != 0 {
		t.Fatalf("the first look only takes stock; it announced %v", got)
	}

	start("ses_cli", "u1", true)
	start("ses_starting", "u2", false) // still waiting for its provider
	known = look(known)
	if got := rec.take(); !slices.Equal(got, []string{"session:started ses_cli"}) {
		t.Fatalf("after a start elsewhere: %v", got)
	}
	if known = look(known); len(rec.take()) != 0 {
		t.Fatal("a session was announced twice")
	}

	end("ses_cli")
	end("ses_before")
	known = look(known)
	got := rec.take()
	slices.Sort(got)
	if !slices.Equal(got, []string{"session:ended ses_before", "session:ended ses_cli"}) {
		t.Fatalf("after stops elsewhere: %v", got)
	}

	// A session started here and stopped elsewhere before any look saw it.
	quick := start("ses_quick", "u4", true)
	a.events.Emit(guise.EventSessionStarted, quick)
	end("ses_quick")
	_ = rec.take()
	known = look(known)
	if got := rec.take(); !slices.Equal(got, []string{"session:ended ses_quick"}) {
		t.Fatalf("a session started here and stopped elsewhere at once: %v", got)
	}

	// What this process announced itself is not announced again.
	mine := start("ses_mine", "u3", true)
	a.events.Emit(guise.EventSessionStarted, mine)
	known = look(known)
	end("ses_mine")
	ended := mine
	ended.EndedAt = &now
	a.events.Emit(guise.EventSessionEnded, ended)
	_ = rec.take()
	look(known)
	if got := rec.take(); len(got) != 0 {
		t.Fatalf("announced again what this process had: %v", got)
	}
}
