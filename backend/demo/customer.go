package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"time"
)

// The demo customer app: where a launch URL lands. It re-checks the
// impersonation on every request, so a revoke or an expiry ends the session
// at once, as a real provider's session revocation would.

const sessionCookie = "demo_session"

type sessionState int

const (
	stateNone  sessionState = iota // no valid cookie (or, at sign-in, no valid ticket)
	stateEnded                     // the impersonation behind the cookie is over
	stateOK
)

func isNotFound(err error) bool {
	var ae *apiError
	return errors.As(err, &ae) && ae.status == http.StatusNotFound
}

// signin redeems a single-use ticket and opens the session.
func (s *Server) signin(w http.ResponseWriter, r *http.Request) {
	ticket, now := r.URL.Query().Get("ticket"), s.now()
	invalid := func() {
		s.page(w, http.StatusBadRequest, "Sign-in link invalid", "This sign-in link is invalid or has expired. Links work once, within 2 minutes; ask the support agent for a new one.")
	}
	if ticket == "" {
		invalid()
		return
	}
	var claims sessionClaims
	state := stateNone
	err := s.inTx(r.Context(), func(tx *sql.Tx) error {
		im, err := getImpersonation(r.Context(), tx, "signin_hash = ?", ticketHash(ticket))
		switch {
		case isNotFound(err):
			return nil
		case err != nil:
			return err
		case im.status(now) == "revoked" || im.status(now) == "expired":
			state = stateEnded
			return nil
		case im.RedeemedAt != nil || !now.Before(im.SigninExpires):
			return nil
		}
		res, err := tx.ExecContext(r.Context(), `UPDATE impersonations SET redeemed_at = ? WHERE id = ? AND redeemed_at IS NULL`, toNs(now), im.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
		}
		if claims, err = s.claimsFor(r.Context(), tx, im, now); err != nil {
			return err
		}
		state = stateOK
		return appendEvent(r.Context(), tx, "impersonation.ticket_redeemed", now, map[string]string{
			"impersonation_id": im.ID, "user_id": im.UserID})
	})
	if err != nil {
		s.log.Error("demo sign-in failed", "err", err)
		s.page(w, http.StatusInternalServerError, "Something went wrong", "The demo app could not sign you in; see the demo server's log.")
		return
	}
	switch state {
	case stateNone:
		invalid()
		return
	case stateEnded:
		s.ended(w)
		return
	}
	token, err := signJWT(claims, s.secret)
	if err != nil {
		s.log.Error("demo sign-in failed", "err", err)
		s.page(w, http.StatusInternalServerError, "Something went wrong", "The demo app could not sign you in; see the demo server's log.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: int(time.Unix(claims.EXP, 0).Sub(now).Seconds())})
	http.Redirect(w, r, "/app/", http.StatusSeeOther)
}

// claimsFor builds the session claims of a redeemed impersonation.
func (s *Server) claimsFor(ctx context.Context, q querier, im impersonation, now time.Time) (sessionClaims, error) {
	u, err := getUser(ctx, q, im.UserID)
	if err != nil {
		return sessionClaims{}, err
	}
	c := sessionClaims{Sub: u.ID, Email: u.Email, Name: u.FirstName + " " + u.LastName, OrgID: im.OrgID,
		SID: im.ID, IAT: now.Unix(), EXP: im.ExpiresAt.Unix(), Reason: im.Actor.Reason, Ticket: im.Actor.Ticket,
		Act: actorClaim{Sub: "agent:" + im.Actor.Email, Email: im.Actor.Email}}
	if im.OrgID != "" {
		err := q.QueryRowContext(ctx, `SELECT name FROM orgs WHERE id = ?`, im.OrgID).Scan(&c.OrgName)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return c, err
		}
	}
	return c, nil
}

// session reads the cookie and checks that its impersonation still runs.
func (s *Server) session(r *http.Request) (sessionClaims, impersonation, sessionState, error) {
	var c sessionClaims
	cookie, err := r.Cookie(sessionCookie)
	if err != nil || verifyJWT(cookie.Value, s.secret, &c) != nil {
		return c, impersonation{}, stateNone, nil
	}
	now := s.now()
	if now.Unix() >= c.EXP {
		return c, impersonation{}, stateEnded, nil
	}
	im, err := getImpersonation(r.Context(), s.db, "id = ?", c.SID)
	if isNotFound(err) {
		return c, im, stateEnded, nil
	}
	if err != nil {
		return c, im, stateNone, err
	}
	if im.status(now) != "active" || im.UserID != c.Sub {
		return c, im, stateEnded, nil
	}
	return c, im, stateOK, nil
}

func clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

func (s *Server) ended(w http.ResponseWriter) {
	clearSession(w)
	s.page(w, http.StatusUnauthorized, "Session ended", "This impersonation has ended. The support agent stopped it or its time ran out.")
}

func (s *Server) appHome(w http.ResponseWriter, r *http.Request) {
	c, im, state, err := s.session(r)
	switch {
	case err != nil:
		s.log.Error("demo app session check failed", "err", err)
		s.page(w, http.StatusInternalServerError, "Something went wrong", "The demo app could not check your session; see the demo server's log.")
		return
	case state == stateNone:
		s.page(w, http.StatusUnauthorized, "Not signed in", "Not signed in. Open a sign-in link from Guise to start an impersonation.")
		return
	case state == stateEnded:
		s.ended(w)
		return
	}
	left := im.ExpiresAt.Sub(s.now())
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	err = appTemplate.Execute(w, appView{Claims: c, Left: formatLeft(left),
		LeftMillis: left.Milliseconds()})
	if err != nil {
		s.log.Warn("demo app page", "err", err)
	}
}

// formatLeft prints the time left as MM:SS, minutes uncapped (90:00).
func formatLeft(d time.Duration) string {
	secs := max(0, int64(d.Round(time.Second)/time.Second))
	return fmt.Sprintf("%02d:%02d", secs/60, secs%60)
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	c, _, state, err := s.session(r)
	switch {
	case err != nil:
		s.log.Error("demo app session check failed", "err", err)
		writeJSON(w, http.StatusInternalServerError, apiErrorBody{Code: codeInternal, Message: "The demo app could not check your session."})
	case state == stateNone:
		writeJSON(w, http.StatusUnauthorized, apiErrorBody{Code: codeUnauthorized, Message: "Not signed in."})
	case state == stateEnded:
		clearSession(w)
		writeJSON(w, http.StatusUnauthorized, apiErrorBody{Code: codeSessionEnded, Message: "This impersonation has ended."})
	default:
		writeJSON(w, http.StatusOK, c)
	}
}

func (s *Server) page(w http.ResponseWriter, status int, title, message string) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := messageTemplate.Execute(w, struct{ Title, Message string }{title, message}); err != nil {
		s.log.Warn("demo app page", "err", err)
	}
}

type appView struct {
	Claims     sessionClaims
	Left       string
	LeftMillis int64
}

const pageStyle = `<style>
body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1f2933;background:#f5f7fa}
#staff-bar{background:#b91c1c;color:#fff;padding:8px 16px;font-weight:600;position:sticky;top:0}
main{max-width:720px;margin:32px auto;padding:0 16px}
.card{background:#fff;border-radius:8px;padding:24px;box-shadow:0 1px 3px rgba(0,0,0,.1)}
</style>`

// The staff bar's text must read exactly "Impersonated by A · reason ·
// ticket · org · MM:SS left": keep it on one line, without stray spaces.
var appTemplate = template.Must(template.New("app").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Demo app — {{.Claims.Name}}</title>` + pageStyle + `</head>
<body>
<div id="staff-bar" role="status">Impersonated by {{.Claims.Act.Email}} · {{.Claims.Reason}}{{with .Claims.Ticket}} · {{.}}{{end}}{{with .Claims.OrgName}} · {{.}}{{end}} · <span id="staff-left">{{.Left}}</span> left</div>
<main><div class="card">
<h1>Demo customer app</h1>
<p id="signed-in">Signed in as <strong>{{.Claims.Name}}</strong> {{.Claims.Email}}</p>
{{with .Claims.OrgName}}<p>Organization: <strong>{{.}}</strong></p>{{end}}
<p>This is what the customer sees. Everything you do here, you do as them.</p>
</div></main>
<script>
(function () {
  var left = document.getElementById("staff-left");
  var end = Date.now() + {{.LeftMillis}};
  function tick() {
    var s = Math.max(0, Math.round((end - Date.now()) / 1000));
    left.textContent = String(Math.floor(s / 60)).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
    if (s === 0) { setTimeout(function () { location.reload(); }, 1000); return; }
    setTimeout(tick, 1000);
  }
  tick();
  // A revoke ends the session at the server; notice it without a click.
  setInterval(function () {
    fetch("/api/me", {credentials: "same-origin"}).then(function (r) { if (r.status === 401) location.reload(); });
  }, 5000);
})();
</script>
</body></html>
`))

var messageTemplate = template.Must(template.New("message").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>` + pageStyle + `</head>
<body><main><div class="card"><h1>{{.Title}}</h1><p>{{.Message}}</p></div></main></body></html>
`))
