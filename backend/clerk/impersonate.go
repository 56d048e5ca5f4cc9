package clerk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	sdk "github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/actortoken"
	"github.com/clerk/clerk-sdk-go/v2/session"
	"github.com/clerk/clerk-sdk-go/v2/user"

	"github.com/guiseapp/guise/backend/guise"
)

// StartImpersonation creates an actor token for the user. Clerk copies the
// actor object into the session's act claim, so it carries the agent's
// email, reason and ticket beside sub (the support account's user id).
// The link lives at most linkLifetime; the session at most req.Duration
// from when the link is used. Clerk has no organization parameter: the
// session opens on the user's last active organization.
func (p *Provider) StartImpersonation(ctx context.Context, req guise.StartRequest) (guise.Started, error) {
	if req.Duration <= 0 {
		return guise.Started{}, guise.FieldError("duration", "The impersonation needs a duration.")
	}
	actor := map[string]string{"sub": p.actor, "email": req.Agent.Email}
	for k, v := range map[string]string{"name": req.Agent.Name, "reason": req.Reason, "ticket": req.Ticket} {
		if v != "" {
			actor[k] = v
		}
	}
	raw, err := json.Marshal(actor)
	if err != nil {
		return guise.Started{}, guise.Wrap(guise.EINTERNAL, err, "Could not encode the actor for Clerk.")
	}
	link := min(linkLifetime, req.Duration)
	tok, err := p.tokens.Create(ctx, &actortoken.CreateParams{
		UserID:                      sdk.String(req.UserID),
		Actor:                       raw,
		ExpiresInSeconds:            sdk.Int64(int64(link / time.Second)),
		SessionMaxDurationInSeconds: sdk.Int64(int64(req.Duration / time.Second)),
	})
	if err != nil {
		return guise.Started{}, p.mapErr(ctx, err, "start an impersonation")
	}
	if tok.ID == "" || tok.URL == nil || *tok.URL == "" {
		if tok.ID != "" {
			_, _ = p.tokens.Revoke(context.WithoutCancel(ctx), tok.ID)
		}
		return guise.Started{}, guise.Errorf(guise.EPROVIDER, "Clerk created an actor token but sent no id or sign-in link; nothing was opened.")
	}
	// The Clerk session may outlive this by up to the link's lifetime if the
	// link is used late; Guise opens it at once.
	return guise.Started{Ref: tok.ID, URL: *tok.URL, ExpiresAt: p.now().Add(req.Duration)}, nil
}

// StopImpersonation revokes the actor token ref while it is unused. Once it
// has been used only the session can be ended, and finding it needs the
// user: Service.Stop calls StopSession, which knows them.
func (p *Provider) StopImpersonation(ctx context.Context, ref string) (guise.Stopped, error) {
	return p.stop(ctx, ref, "", "")
}

// StopSession ends an impersonation: it revokes the actor token while
// pending; once used (Clerk then refuses the revoke with a 400), it revokes
// the user's active Clerk sessions whose actor is this agent, and only those.
func (p *Provider) StopSession(ctx context.Context, s guise.Session) (guise.Stopped, error) {
	return p.stop(ctx, s.ProviderRef, s.UserID, s.AgentEmail)
}

func (p *Provider) stop(ctx context.Context, ref, userID, agentEmail string) (guise.Stopped, error) {
	tok, err := p.tokens.Revoke(ctx, ref)
	switch {
	case err == nil && tok.Status == "revoked":
		return guise.Stopped{Detail: "Clerk actor token revoked before it was used; no session was opened."}, nil
	case err != nil && apiStatus(err) != http.StatusBadRequest:
		return guise.Stopped{}, p.mapErr(ctx, err, "revoke actor token "+ref)
	}
	// The token was used (or is otherwise no longer pending).
	if userID == "" {
		return guise.Stopped{}, guise.Errorf(guise.EPROVIDER, "Clerk actor token %s was already used; Guise needs the impersonated user to find and end the Clerk session.", ref)
	}
	ids, err := p.agentSessions(ctx, userID, agentEmail)
	if err != nil {
		return guise.Stopped{}, err
	}
	var revoked []string
	for _, id := range ids {
		if _, err := p.session.Revoke(ctx, &session.RevokeParams{ID: id}); err != nil {
			if st := apiStatus(err); st == http.StatusNotFound || st == http.StatusBadRequest {
				continue // it ended meanwhile
			}
			return guise.Stopped{}, p.mapErr(ctx, err, "revoke Clerk session "+id)
		}
		revoked = append(revoked, id)
	}
	if len(revoked) == 0 {
		return guise.Stopped{Detail: "The actor token had been used, and no active Clerk session of this agent remains for this user: it had already ended."}, nil
	}
	return guise.Stopped{Detail: fmt.Sprintf("The actor token had been used; revoked the Clerk session opened with it (%s). The customer's own sessions were left alone.", strings.Join(revoked, ", "))}, nil
}

// agentSessions lists the user's active sessions whose actor is this agent:
// actor.sub is the environment's support account and, when the actor
// carries an email (Guise always sets one), it is this agent's. Sessions
// without an actor are the customer's own.
func (p *Provider) agentSessions(ctx context.Context, userID, agentEmail string) ([]string, error) {
	var ids []string
	for offset := int64(0); ; {
		params := &session.ListParams{UserID: sdk.String(userID), Status: sdk.String("active")}
		params.Limit, params.Offset = sdk.Int64(100), sdk.Int64(offset)
		list, err := p.session.List(ctx, params)
		if err != nil {
			return nil, p.mapErr(ctx, err, "list the Clerk sessions of "+userID)
		}
		for _, s := range list.Sessions {
			if s != nil && p.isOurs(s.Actor, agentEmail) {
				ids = append(ids, s.ID)
			}
		}
		offset += int64(len(list.Sessions))
		if len(list.Sessions) == 0 || offset >= list.TotalCount {
			return ids, nil
		}
	}
}

func (p *Provider) isOurs(raw json.RawMessage, agentEmail string) bool {
	var actor struct {
		Sub   string `json:"sub"`
		Email string `json:"email"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &actor) != nil || actor.Sub != p.actor {
		return false
	}
	return agentEmail == "" || strings.EqualFold(actor.Email, agentEmail)
}

// Check tests the key (and reports the instance's user count), the support
// account named by actor_user_id, and that sessions can be listed, which a
// stop after use needs.
func (p *Provider) Check(ctx context.Context) []guise.CheckResult {
	var out []guise.CheckResult
	n, err := p.users.Count(ctx, &user.ListParams{})
	if err != nil {
		return append(out, guise.CheckResult{Name: "Secret key", Detail: guise.ErrorMessage(p.mapErr(ctx, err, "count users"))})
	}
	out = append(out, guise.CheckResult{Name: "Secret key", OK: true,
		Detail: fmt.Sprintf("Clerk accepted the key (%s); the instance has %d users.", p.instance(), n.TotalCount)})

	agent, err := p.users.Get(ctx, p.actor)
	switch {
	case apiStatus(err) == http.StatusNotFound:
		out = append(out, guise.CheckResult{Name: "Support account (actor_user_id)",
			Detail: fmt.Sprintf("No user %s in this %s. Use the user id of your support account in this very instance (development and production have different users), or check that the key is this instance's.", p.actor, p.instance())})
	case err != nil:
		out = append(out, guise.CheckResult{Name: "Support account (actor_user_id)", Detail: guise.ErrorMessage(p.mapErr(ctx, err, "read user "+p.actor))})
	default:
		u := toUser(agent)
		ok := u.Status == guise.StatusActive
		detail := fmt.Sprintf("%s (%s) will be recorded by Clerk as the impersonator.", p.actor, u.Email)
		if !ok {
			detail = fmt.Sprintf("%s (%s) is banned or locked in Clerk; impersonations would fail.", p.actor, u.Email)
		}
		out = append(out, guise.CheckResult{Name: "Support account (actor_user_id)", OK: ok, Detail: detail})
	}

	params := &session.ListParams{UserID: sdk.String(p.actor), Status: sdk.String("active")}
	params.Limit = sdk.Int64(1)
	if _, err := p.session.List(ctx, params); err != nil {
		out = append(out, guise.CheckResult{Name: "Sessions", Detail: guise.ErrorMessage(p.mapErr(ctx, err, "list sessions"))})
	} else {
		out = append(out, guise.CheckResult{Name: "Sessions", OK: true, Detail: "Sessions can be listed, so a stop works even after the link was used."})
	}
	return out
}
