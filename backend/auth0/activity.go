package auth0

import (
	"context"
	"slices"
	"time"

	"github.com/guiseapp/guise/backend/guise"
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

// activityPages bounds one ReadActivity: 20 pages of 100 log events. A
// tenant whose log runs ahead faster catches up over the next syncs.
const activityPages = 20

var _ guise.ActivityReader = (*Provider)(nil)

// ReadActivity implements guise.ActivityReader over Activity: the tenant
// log's events about userIDs, their type in plain words, Auth0's code kept.
// Without read:logs it answers EUNAUTHORIZED naming the scope.
func (p *Provider) ReadActivity(ctx context.Context, cursor string, userIDs []string) ([]guise.ProviderEvent, string, error) {
	acts, next, err := p.Activity(ctx, cursor, userIDs, activityPages)
	out := make([]guise.ProviderEvent, len(acts))
	for i, a := range acts {
		out[i] = guise.ProviderEvent{Env: p.env, ID: a.LogID, UserID: a.UserID, At: a.At, Kind: LogKind(a.Type),
			Code: a.Type, Description: a.Description, Client: a.Client, IP: a.IP}
	}
	return out, next, err
}

// logKinds names Auth0's log event types (go-auth0's type-name map) in plain words.
var logKinds = map[string]string{
	"s":               "signed in",
	"ssa":             "signed in silently",
	"slo":             "signed out",
	"flo":             "failed sign-out",
	"f":               "failed sign-in",
	"fp":              "failed sign-in (wrong password)",
	"fu":              "failed sign-in (unknown user)",
	"fsa":             "failed silent sign-in",
	"fc":              "failed sign-in (connection)",
	"fco":             "failed sign-in (origin not allowed)",
	"ss":              "signed up",
	"fs":              "failed sign-up",
	"w":               "warning during sign-in",
	"seacft":          "exchanged a code for a token",
	"feacft":          "failed to exchange a code for a token",
	"sertft":          "refreshed a token",
	"fertft":          "failed to refresh a token",
	"scp":             "changed password",
	"fcp":             "failed to change password",
	"scpr":            "asked to change password",
	"sce":             "changed email",
	"sv":              "verified email",
	"fv":              "failed to verify email",
	"limit_wc":        "blocked: too many failed sign-ins",
	"limit_mu":        "blocked: too many attempts from an IP",
	"du":              "deleted",
	"sapi":            "management API call",
	"fapi":            "failed management API call",
	"mfar":            "asked for a second factor",
	"gd_auth_succeed": "passed the second factor",
	"gd_auth_failed":  "failed the second factor",
}

// LogKind says what an Auth0 log event type means, in plain words; an
// unknown type is named by its code.
func LogKind(code string) string {
	if k, ok := logKinds[code]; ok {
		return k
	}
	return "Auth0 event " + code
}
