package app

import (
	"context"

	"github.com/guiseapp/guise/backend/guise"
)

// announceExternal tells the window about sessions that started or ended in
// another process (the CLI, another window) since the last look: the store
// is shared, but their events stay in their own process. known holds the
// running sessions seen last time (nil on the first look, which only takes
// stock); it returns the running ones now. Changes this process has already
// announced are not announced twice.
func (a *App) announceExternal(ctx context.Context, svc *guise.Service, active []guise.Session, known map[string]bool) map[string]bool {
	running := make(map[string]bool, len(active))
	if known == nil {
		for _, s := range active {
			if s.ProviderRef != "" {
				running[s.ID] = true
			}
		}
		return running
	}
	for _, s := range active {
		// A session still waiting for its provider is not started yet; the
		// process starting it announces it (or its failure).
		if s.ProviderRef == "" {
			continue
		}
		running[s.ID] = true
		if !known[s.ID] && a.events.announced(s.ID) != guise.EventSessionStarted {
			a.events.Emit(guise.EventSessionStarted, s)
		}
	}
	// Sessions this process started may end elsewhere before a look saw them.
	for _, id := range a.events.startedHere() {
		known[id] = true
	}
	for id := range known {
		if running[id] {
			continue
		}
		if a.events.announced(id) == guise.EventSessionEnded {
			a.events.forget(id)
			continue
		}
		s, err := svc.Store.Session(ctx, id)
		if err != nil || s.EndedAt == nil {
			continue // gone, or past expiry but not yet recorded: ExpireDue will
		}
		a.events.Emit(guise.EventSessionEnded, s)
		a.events.forget(id)
	}
	return running
}
