package auth0

import (
	"context"
	"slices"
	"time"
)

// Activity is one tenant log event about a user, for the user panel.
type Activity struct {
	LogID       string    `json:"log_id"`
	At          time.Time `json:"at"`
	UserID      string    `json:"user_id"`
	Type        string    `json:"type"` // Auth0's code: s (login), slo (logout), f (failed login)…
	Description string    `json:"description"`
	Client      string    `json:"client"`
	IP          string    `json:"ip"`
}

// Activity reads the tenant log from checkpoint from ("" for the oldest
// retained) and returns the events about userIDs, plus the checkpoint to
// resume at. Checkpoint paging ignores every filter, so the events are
// filtered here; it reads at most pages pages of 100 (Auth0's maximum).
// Without read:logs it returns EUNAUTHORIZED naming the scope.
func (p *Provider) Activity(ctx context.Context, from string, userIDs []string, pages int) ([]Activity, string, error) {
	var out []Activity
	for range max(pages, 1) {
		events, next, err := p.c.Logs(ctx, from, 100)
		if err != nil {
			return out, from, err
		}
		for _, e := range events {
			if slices.Contains(userIDs, e.UserID) {
				client := e.ClientName
				if client == "" {
					client = e.ClientID
				}
				out = append(out, Activity{LogID: e.LogID, At: e.Date, UserID: e.UserID, Type: e.Type, Description: e.Description, Client: client, IP: e.IP})
			}
		}
		// An empty page hands back the same checkpoint: caught up.
		if len(events) == 0 || next == from {
			return out, from, nil
		}
		from = next
	}
	return out, from, nil
}
