package app

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/guiseapp/guise/backend/guise"
	"github.com/guiseapp/guise/backend/tray"
)

// fakeUI records what the wiring asked of the window.
type fakeUI struct {
	mu                  sync.Mutex
	answer              string
	shows, hides, quits int
	told, asked         []string
}

func (u *fakeUI) Show() { u.mu.Lock(); u.shows++; u.mu.Unlock() }
func (u *fakeUI) Hide() { u.mu.Lock(); u.hides++; u.mu.Unlock() }
func (u *fakeUI) Quit() { u.mu.Lock(); u.quits++; u.mu.Unlock() }
func (u *fakeUI) Tell(title, msg string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.told = append(u.told, title+": "+msg)
}
func (u *fakeUI) Ask(title, msg string) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.asked = append(u.asked, title+": "+msg)
	return u.answer
}

// fakeTray records the lines it was given.
type fakeTray struct {
	mu     sync.Mutex
	lines  [][]tray.Line
	closed bool
}

func (f *fakeTray) SetSessions(l []tray.Line) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lines = append(f.lines, l)
}
func (f *fakeTray) Close() { f.mu.Lock(); f.closed = true; f.mu.Unlock() }
func (f *fakeTray) last() ([]tray.Line, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.lines) == 0 {
		return nil, 0
	}
	return f.lines[len(f.lines)-1], len(f.lines)
}

// world is the sessions the wiring sees and the stops it made.
type world struct {
	mu      sync.Mutex
	running []guise.Session
	stops   int
	stopErr error
}

func (w *world) active() ([]guise.Session, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]guise.Session(nil), w.running...), nil
}

func (w *world) stopAll() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stops++
	if w.stopErr != nil {
		return w.stopErr
	}
	w.running = nil
	return nil
}

func session(email, org string, left time.Duration) guise.Session {
	now := time.Now()
	return guise.Session{ID: guise.NewID("ses"), UserEmail: email, OrgName: org, StartedAt: now, ExpiresAt: now.Add(left)}
}

func newTestWiring(w *world, ui *fakeUI) *trayWiring {
	return newTrayWiring(slog.New(slog.DiscardHandler), w.active, w.stopAll, ui)
}

func TestTrayLines(t *testing.T) {
	now := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	ended := now.Add(-time.Minute)
	got := trayLines([]guise.Session{
		{UserEmail: "alice@acme.test", OrgName: "Acme", ExpiresAt: now.Add(42 * time.Minute)},
		{UserEmail: "bob@acme.test", ExpiresAt: now.Add(90 * time.Second)}, // no org; 1.5 min shows as 2
		{UserEmail: "cy@acme.test", ExpiresAt: now.Add(10 * time.Minute), RevokePendingSince: &ended},
		{UserID: "usr_9", OrgName: "Globex", ExpiresAt: now.Add(time.Second)}, // no email: the id
		{UserEmail: "gone@acme.test", ExpiresAt: now.Add(-time.Second)},       // expired, not yet recorded
		{UserEmail: "done@acme.test", ExpiresAt: now.Add(time.Hour), EndedAt: &ended},
	}, now)
	want := []string{"alice@acme.test · Acme · 42 min left", "bob@acme.test · 2 min left", "cy@acme.test · stopping (not confirmed yet) · 10 min left", "usr_9 · Globex · 1 min left"}
	if len(got) != len(want) {
		t.Fatalf("lines %v, want %v", got, want)
	}
	for i := range want {
		if got[i].Label != want[i] {
			t.Errorf("line %d = %q, want %q", i, got[i].Label, want[i])
		}
	}
	if trayLines(nil, now) != nil {
		t.Error("no sessions must give no lines")
	}
}

func TestTrayLoopFollowsSessionsAndPokes(t *testing.T) {
	w := &world{running: []guise.Session{session("alice@acme.test", "Acme", 42*time.Minute)}}
	wi := newTestWiring(w, &fakeUI{})
	ft := &fakeTray{}
	wi.show(ft)
	defer wi.close()
	waitFor(t, func() error {
		if l, _ := ft.last(); len(l) != 1 || !strings.HasPrefix(l[0].Label, "alice@acme.test · Acme · ") {
			return fmt.Errorf("lines %v", l)
		}
		return nil
	})
	// An ended session leaves the menu at the next poke, well before the tick.
	w.mu.Lock()
	w.running = nil
	w.mu.Unlock()
	wi.poke()
	waitFor(t, func() error {
		if l, _ := ft.last(); len(l) != 0 {
			return fmt.Errorf("lines %v", l)
		}
		return nil
	})
	wi.close()
	if !ft.closed {
		t.Error("close did not close the tray")
	}
}

func TestCloseAfterCloseDuringStartClosesTheLateTray(t *testing.T) {
	wi := newTestWiring(&world{}, &fakeUI{})
	wi.close()
	ft := &fakeTray{}
	wi.show(ft) // tray.Start returned after the app closed
	if !ft.closed {
		t.Error("a tray shown after close must be closed at once")
	}
}

func TestCloseWindowWithoutSessionsCloses(t *testing.T) {
	ui := &fakeUI{}
	wi := newTestWiring(&world{}, ui)
	wi.show(&fakeTray{})
	defer wi.close()
	if wi.beforeClose() {
		t.Error("closing with nothing running was prevented")
	}
	if len(ui.asked)+len(ui.told)+ui.hides != 0 {
		t.Errorf("closing with nothing running bothered the user: %+v", ui)
	}
}

func TestCloseWindowWithSessionsHidesToTrayAndSaysSoOnce(t *testing.T) {
	w := &world{running: []guise.Session{session("alice@acme.test", "Acme", time.Hour)}}
	ui := &fakeUI{}
	wi := newTestWiring(w, ui)
	wi.show(&fakeTray{})
	defer wi.close()
	for i := 0; i < 2; i++ {
		if !wi.beforeClose() {
			t.Fatalf("close %d was not prevented with a session running", i+1)
		}
	}
	if ui.hides != 2 || len(ui.told) != 1 || len(ui.asked) != 0 || w.stops != 0 {
		t.Fatalf("want two hides and one note; got %+v, stops %d", ui, w.stops)
	}
	if !strings.Contains(ui.told[0], "system tray") {
		t.Errorf("the note does not say where Guise went: %q", ui.told[0])
	}
}

func TestCloseWindowOnSignalQuitsEvenWithSessions(t *testing.T) {
	w := &world{running: []guise.Session{session("alice@acme.test", "Acme", time.Hour)}}
	ui := &fakeUI{}
	wi := newTestWiring(w, ui)
	wi.show(&fakeTray{})
	defer wi.close()
	wi.signals <- syscall.SIGTERM
	if wi.beforeClose() {
		t.Fatal("SIGTERM was turned into hiding the window")
	}
	if ui.hides+len(ui.asked)+len(ui.told) != 0 || w.stops != 0 {
		t.Errorf("a signal must quit quietly: %+v", ui)
	}
}

func TestCloseWindowWithSessionsAndNoTrayAsks(t *testing.T) {
	for _, tc := range []struct {
		answer      string
		prevent     bool
		stops       int
		stopErr     error
		told        int
		description string
	}{
		{"No", false, 1, nil, 0, "stop, then close"},
		{"Yes", false, 0, nil, 0, "close, leaving it running"},
		{"", true, 0, nil, 0, "dismissed: stay"},
		{"No", true, 1, guise.Errorf(guise.EUNAVAILABLE, "The provider is unreachable."), 1, "stop failed: stay and say so"},
	} {
		t.Run(tc.description, func(t *testing.T) {
			w := &world{running: []guise.Session{session("alice@acme.test", "Acme", time.Hour)}, stopErr: tc.stopErr}
			ui := &fakeUI{answer: tc.answer}
			wi := newTestWiring(w, ui) // the desktop has no tray: nothing to come back through
			if got := wi.beforeClose(); got != tc.prevent {
				t.Errorf("prevent = %v, want %v", got, tc.prevent)
			}
			if len(ui.asked) != 1 || !strings.Contains(ui.asked[0], "No (recommended): stop it at the provider") {
				t.Errorf("asked %q", ui.asked)
			}
			if w.stops != tc.stops || len(ui.told) != tc.told || ui.hides != 0 {
				t.Errorf("stops %d (want %d), told %q, hides %d", w.stops, tc.stops, ui.told, ui.hides)
			}
		})
	}
}

func TestTrayQuit(t *testing.T) {
	t.Run("nothing running quits without asking", func(t *testing.T) {
		ui := &fakeUI{}
		newTestWiring(&world{}, ui).quit()
		if ui.quits != 1 || len(ui.asked) != 0 {
			t.Errorf("%+v", ui)
		}
	})
	t.Run("the default answer stops first, then quits, and the close that follows goes through", func(t *testing.T) {
		w := &world{running: []guise.Session{session("a@x.test", "", time.Hour), session("b@x.test", "", time.Hour)}}
		ui := &fakeUI{answer: "No"}
		wi := newTestWiring(w, ui)
		wi.show(&fakeTray{})
		defer wi.close()
		wi.quit()
		if w.stops != 1 || ui.quits != 1 || !strings.Contains(ui.asked[0], "2 impersonations are still running") {
			t.Fatalf("stops %d quits %d asked %q", w.stops, ui.quits, ui.asked)
		}
		w.mu.Lock()
		w.running = []guise.Session{session("late@x.test", "", time.Hour)}
		w.mu.Unlock()
		if wi.beforeClose() {
			t.Error("the close after a decided quit was prevented")
		}
	})
	t.Run("dismissing the question stays", func(t *testing.T) {
		w := &world{running: []guise.Session{session("a@x.test", "", time.Hour)}}
		ui := &fakeUI{answer: ""}
		newTestWiring(w, ui).quit()
		if ui.quits != 0 || w.stops != 0 {
			t.Errorf("quits %d stops %d", ui.quits, w.stops)
		}
	})
}

func TestTrayStopFailureIsShown(t *testing.T) {
	w := &world{running: []guise.Session{session("a@x.test", "", time.Hour)}, stopErr: guise.Errorf(guise.EUNAVAILABLE, "Demo is unreachable.")}
	ui := &fakeUI{}
	newTestWiring(w, ui).stop()
	if w.stops != 1 || len(ui.told) != 1 || !strings.Contains(ui.told[0], "Demo is unreachable.") {
		t.Errorf("stops %d told %q", w.stops, ui.told)
	}
	w.stopErr = nil
	ui.told = nil
	newTestWiring(w, ui).stop()
	if len(ui.told) != 0 {
		t.Errorf("a stop that worked showed %q", ui.told)
	}
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
