package guise

import (
	"context"
	"time"
)

// ProviderEvent is one event of a provider's own log about a user (a
// sign-in, a sign-out, a failed sign-in…), imported so that the user panel
// shows what happened at the provider around an impersonation.
type ProviderEvent struct {
	Env         string    `json:"env"`
	ID          string    `json:"id"` // the provider's event id, unique in the environment
	UserID      string    `json:"user_id"`
	At          time.Time `json:"at"`
	Kind        string    `json:"kind"` // in plain words: "signed in", "signed out", "failed sign-in"…
	Code        string    `json:"code"` // the provider's own code for it, e.g. Auth0's "s"
	Description string    `json:"description"`
	Client      string    `json:"client"` // the application, by name where the provider gives one
	IP          string    `json:"ip"`
}

// ActivityReader is implemented by providers whose event log Guise can
// read. ReadActivity reads a bounded part of the log from cursor ("" for
// the oldest the provider keeps) and returns the events about userIDs and
// the cursor to read on from next time. On an error it still returns what
// it read before it, with the cursor just past that. A provider that will
// not show its log to these credentials answers EUNAUTHORIZED.
type ActivityReader interface {
	ReadActivity(ctx context.Context, cursor string, userIDs []string) (events []ProviderEvent, next string, err error)
}

// ActivityState is how far the import of an environment's provider activity got.
type ActivityState struct {
	Env    string    `json:"env"`
	Cursor string    `json:"cursor"` // the provider's checkpoint to read on from
	Denied string    `json:"denied"` // why the provider would not show its log last time; "" when it did
	ReadAt time.Time `json:"read_at"`
}

// ActivityImport is what one import did.
type ActivityImport struct {
	Users  int // impersonated users whose events were looked for
	Events int // events saved
	// Denied says why the provider would not show its log ("" when it did);
	// NewlyDenied is true when the previous import was not denied so.
	Denied      string
	NewlyDenied bool
}

// activityUsers bounds how many of an environment's most recent
// impersonation sessions name the users whose events are imported.
const activityUsers = 1000

// ImportActivity reads env's provider log on from where the last import
// stopped and saves the events about the users impersonated in env (those
// in its local history), with the new cursor, in one transaction. A
// provider refusing to show its log (EUNAUTHORIZED, e.g. a missing scope)
// is no failure: the import records why and saves nothing. Nothing is read
// while nobody has been impersonated in env.
func (s *Service) ImportActivity(ctx context.Context, env string, r ActivityReader) (ActivityImport, error) {
	var res ActivityImport
	sessions, err := s.Store.Sessions(ctx, SessionFilter{Env: env, Limit: activityUsers})
	if err != nil {
		return res, err
	}
	var ids []string
	seen := map[string]bool{}
	for _, ss := range sessions {
		if ss.UserID != "" && !seen[ss.UserID] {
			seen[ss.UserID] = true
			ids = append(ids, ss.UserID)
		}
	}
	res.Users = len(ids)
	if len(ids) == 0 {
		return res, nil
	}
	st, err := s.Store.ActivityState(ctx, env)
	if err != nil {
		return res, err
	}
	events, next, readErr := r.ReadActivity(ctx, st.Cursor, ids)
	if readErr != nil && ErrorCode(readErr) == EUNAUTHORIZED {
		res.Denied = ErrorMessage(readErr)
		res.NewlyDenied = st.Denied != res.Denied
		st.Denied = res.Denied
		st.ReadAt = s.now()
		return res, s.Store.SaveActivity(ctx, env, nil, st)
	}
	// Keep what was read before a failure: the next import goes on from there.
	for i := range events {
		events[i].Env = env
	}
	st.Env, st.Cursor, st.Denied, st.ReadAt = env, next, "", s.now()
	if err := s.Store.SaveActivity(ctx, env, events, st); err != nil {
		return res, err
	}
	res.Events = len(events)
	return res, readErr
}
