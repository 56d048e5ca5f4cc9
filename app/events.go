package app

import (
	"context"
	"sync"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// emitter forwards domain events to the window once it is up, and to any
// local listeners (the tray). Before the window exists, and in the CLI, events
// go only to the listeners.
type emitter struct {
	mu        sync.Mutex
	emit      func(ctx context.Context, name string, data ...any)
	ctx       context.Context
	listeners []func(name string, payload any)
	last      map[string]time.Time
	// sessions holds the last session event sent per session id, so that
	// changes seen in the store are not announced twice (announceExternal).
	sessions map[string]string
}

var _ guise.Events = (*emitter)(nil)

// attach starts forwarding to the Wails runtime.
func (e *emitter) attach(ctx context.Context, emit func(ctx context.Context, name string, data ...any)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ctx, e.emit = ctx, emit
}

// Listen adds a local listener; it must not block.
func (e *emitter) Listen(fn func(name string, payload any)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.listeners = append(e.listeners, fn)
}

// progressEvery throttles progress events to a few a second.
const progressEvery = 250 * time.Millisecond

// Emit sends an event. Sync progress is throttled; other events never are.
func (e *emitter) Emit(name string, payload any) {
	e.mu.Lock()
	if name == guise.EventSyncProgress {
		if e.last == nil {
			e.last = map[string]time.Time{}
		}
		if time.Since(e.last[name]) < progressEvery {
			e.mu.Unlock()
			return
		}
		e.last[name] = time.Now()
	}
	if s, ok := payload.(guise.Session); ok && (name == guise.EventSessionStarted || name == guise.EventSessionEnded) {
		if e.sessions == nil {
			e.sessions = map[string]string{}
		}
		e.sessions[s.ID] = name
	}
	emit, ctx, listeners := e.emit, e.ctx, append([]func(string, any){}, e.listeners...)
	e.mu.Unlock()
	for _, l := range listeners {
		l(name, payload)
	}
	if emit != nil {
		emit(ctx, name, payload)
	}
}

// announced is the last session event sent for id, or "".
func (e *emitter) announced(id string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sessions[id]
}

// forget drops what was announced for id, once the session is over.
func (e *emitter) forget(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.sessions, id)
}

// startedHere lists the sessions whose last event here was a start.
func (e *emitter) startedHere() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var ids []string
	for id, name := range e.sessions {
		if name == guise.EventSessionStarted {
			ids = append(ids, id)
		}
	}
	return ids
}
