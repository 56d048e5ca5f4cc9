package demo

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	defaultLimit  = 50
	maxLimit      = 100
	signinTTL     = 2 * time.Minute
	minDurationS  = 60
	maxDurationS  = 86400
	roleAdmin     = "admin"
	roleMember    = "member"
	statusActive  = "active"
	statusSuspend = "suspended"
)

// inTx runs fn in one write transaction (BEGIN IMMEDIATE through the DSN).
func (s *Server) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func parseLimit(q url.Values) (int, error) {
	v := q.Get("limit")
	if v == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxLimit {
		return 0, badRequest("limit must be a whole number from 1 to %d.", maxLimit)
	}
	return n, nil
}

func cursorPtr(c string) *string { return &c }

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := parseLimit(q)
	if err != nil {
		return err
	}
	since := int64(math.MinInt64)
	if v := q.Get("updated_after"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return badRequest("updated_after must be an RFC 3339 time, like 2026-01-02T15:04:05Z.")
		}
		since = toNs(t)
	}
	var cur *userCursor
	if c := q.Get("cursor"); c != "" {
		at, rest, err := cursorNs(c, "u", 2)
		if err != nil {
			return err
		}
		cur = &userCursor{at: at, id: rest[0]}
	}
	users, more, err := listUsers(r.Context(), s.db, since, cur, limit)
	if err != nil {
		return err
	}
	page := apiPage[apiUser]{Data: users}
	if more {
		last := users[len(users)-1]
		page.NextCursor = cursorPtr(userCursor{at: toNs(last.UpdatedAt), id: last.ID}.String())
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) error {
	u, err := getUser(r.Context(), s.db, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) userMemberships(w http.ResponseWriter, r *http.Request) error {
	u, err := getUser(r.Context(), s.db, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := apiList[apiMembership]{Data: make([]apiMembership, 0, len(u.Organizations))}
	for _, o := range u.Organizations {
		out.Data = append(out.Data, apiMembership{OrganizationID: o.ID, OrganizationName: o.Name, Role: o.Role})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type userPatch struct {
	FirstName *string           `json:"first_name"`
	LastName  *string           `json:"last_name"`
	Email     *string           `json:"email"`
	Role      *string           `json:"role"`
	Status    *string           `json:"status"`
	Metadata  map[string]string `json:"metadata"`
}

func (s *Server) patchUser(w http.ResponseWriter, r *http.Request) error {
	var p userPatch
	if err := decodeBody(r, &p); err != nil {
		return err
	}
	id, now := r.PathValue("id"), s.now()
	var out apiUser
	err := s.inTx(r.Context(), func(tx *sql.Tx) error {
		u, err := getUser(r.Context(), tx, id)
		if err != nil {
			return err
		}
		var fields []string
		set := func(name string, dst *string, v *string) {
			if v != nil {
				*dst = strings.TrimSpace(*v)
				fields = append(fields, name)
			}
		}
		set("first_name", &u.FirstName, p.FirstName)
		set("last_name", &u.LastName, p.LastName)
		set("email", &u.Email, p.Email)
		set("role", &u.Role, p.Role)
		set("status", &u.Status, p.Status)
		if p.Metadata != nil {
			u.Metadata, fields = p.Metadata, append(fields, "metadata")
		}
		if len(fields) == 0 {
			return badRequest("Nothing to update: send one of first_name, last_name, email, role, status, metadata.")
		}
		u.Email = strings.ToLower(u.Email)
		switch {
		case !strings.Contains(u.Email, "@"):
			return badRequest("email must be an email address.")
		case u.Role != roleAdmin && u.Role != roleMember:
			return badRequest("role must be %q or %q.", roleAdmin, roleMember)
		case u.Status != statusActive && u.Status != statusSuspend:
			return badRequest("status must be %q or %q.", statusActive, statusSuspend)
		}
		var taken int
		if err := tx.QueryRowContext(r.Context(), `SELECT count(*) FROM users WHERE email = ? AND id <> ?`, u.Email, id).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 {
			return newAPIError(http.StatusConflict, codeConflict, "Another user already has the email %s.", u.Email)
		}
		// Seeded times may lie ahead of the clock (an injected Now, a large
		// seed): keep updated_at increasing so an incremental sync sees the change.
		var newest int64
		if err := tx.QueryRowContext(r.Context(), `SELECT coalesce(max(updated_at), 0) FROM users`).Scan(&newest); err != nil {
			return err
		}
		u.UpdatedAt = fromNs(max(toNs(now), newest+1))
		meta, _ := json.Marshal(u.Metadata) // map of strings: cannot fail
		if _, err := tx.ExecContext(r.Context(), `UPDATE users SET first_name = ?, last_name = ?, email = ?, role = ?,
			status = ?, metadata = ?, updated_at = ? WHERE id = ?`,
			u.FirstName, u.LastName, u.Email, u.Role, u.Status, string(meta), toNs(u.UpdatedAt), id); err != nil {
			return err
		}
		if u.Status == statusSuspend {
			if err := revokeLive(r.Context(), tx, id, now, "user_suspended"); err != nil {
				return err
			}
		}
		out = u
		return appendEvent(r.Context(), tx, "user.updated", now, map[string]any{"user_id": id, "fields": fields})
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) error {
	id, now := r.PathValue("id"), s.now()
	err := s.inTx(r.Context(), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(r.Context(), `DELETE FROM users WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("No user %s.", id)
		}
		if err := revokeLive(r.Context(), tx, id, now, "user_deleted"); err != nil {
			return err
		}
		return appendEvent(r.Context(), tx, "user.deleted", now, map[string]string{"user_id": id})
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listOrgs(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := parseLimit(q)
	if err != nil {
		return err
	}
	after := ""
	if c := q.Get("cursor"); c != "" {
		parts, err := decodeCursor(c, "o", 1)
		if err != nil {
			return err
		}
		after = parts[0]
	}
	rows, err := s.db.QueryContext(r.Context(), `SELECT id, name, domain, created_at FROM orgs
		WHERE id > ? ORDER BY id LIMIT ?`, after, limit+1)
	if err != nil {
		return err
	}
	defer rows.Close()
	page := apiPage[apiOrg]{Data: make([]apiOrg, 0, limit+1)}
	for rows.Next() {
		var o apiOrg
		var created int64
		if err := rows.Scan(&o.ID, &o.Name, &o.Domain, &created); err != nil {
			return err
		}
		o.CreatedAt = fromNs(created)
		page.Data = append(page.Data, o)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(page.Data) > limit {
		page.Data = page.Data[:limit]
		page.NextCursor = cursorPtr(encodeCursor("o", page.Data[limit-1].ID))
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func ticketHash(ticket string) string {
	sum := sha256.Sum256([]byte(ticket))
	return hex.EncodeToString(sum[:])
}

func (s *Server) createImpersonation(w http.ResponseWriter, r *http.Request) error {
	var req apiImpersonationRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	req.Actor.Email = strings.TrimSpace(req.Actor.Email)
	req.Actor.Reason = strings.TrimSpace(req.Actor.Reason)
	req.Actor.Ticket = strings.TrimSpace(req.Actor.Ticket)
	switch {
	case strings.TrimSpace(req.UserID) == "":
		return badRequest("user_id is required.")
	case !strings.Contains(req.Actor.Email, "@"):
		return badRequest("actor.email is required: say which agent is impersonating.")
	case req.Actor.Reason == "":
		return badRequest("actor.reason is required: say why.")
	case req.DurationSeconds < minDurationS || req.DurationSeconds > maxDurationS:
		return badRequest("duration_seconds must be from %d to %d.", minDurationS, maxDurationS)
	}
	now := s.now()
	ticket := randomHex(32)
	im := impersonation{ID: newID("imp"), UserID: req.UserID, OrgID: req.OrgID, Actor: req.Actor,
		SigninExpires: now.Add(signinTTL), CreatedAt: now,
		ExpiresAt: now.Add(time.Duration(req.DurationSeconds) * time.Second)}
	err := s.inTx(r.Context(), func(tx *sql.Tx) error {
		u, err := getUser(r.Context(), tx, req.UserID)
		if err != nil {
			return err
		}
		if u.Status == statusSuspend {
			return newAPIError(http.StatusUnprocessableEntity, codeSuspended, "%s is suspended and cannot be impersonated.", u.Email)
		}
		if req.OrgID != "" && !hasOrg(u, req.OrgID) {
			return newAPIError(http.StatusUnprocessableEntity, codeOrgNotMember, "%s is not a member of organization %s.", u.Email, req.OrgID)
		}
		if _, err := tx.ExecContext(r.Context(), `INSERT INTO impersonations(id, user_id, org_id, actor_email,
			actor_reason, actor_ticket, signin_hash, signin_expires_at, created_at, expires_at)
			VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, im.ID, im.UserID, im.OrgID, im.Actor.Email, im.Actor.Reason,
			im.Actor.Ticket, ticketHash(ticket), toNs(im.SigninExpires), toNs(im.CreatedAt), toNs(im.ExpiresAt)); err != nil {
			return err
		}
		return appendEvent(r.Context(), tx, "impersonation.created", now, map[string]string{
			"impersonation_id": im.ID, "user_id": im.UserID, "org_id": im.OrgID,
			"actor_email": im.Actor.Email, "reason": im.Actor.Reason, "ticket": im.Actor.Ticket})
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, apiStarted{ID: im.ID, ExpiresAt: im.ExpiresAt,
		URL: s.URL() + "/app/signin?ticket=" + url.QueryEscape(ticket)})
	return nil
}

func hasOrg(u apiUser, orgID string) bool {
	for _, o := range u.Organizations {
		if o.ID == orgID {
			return true
		}
	}
	return false
}

func (s *Server) getImpersonation(w http.ResponseWriter, r *http.Request) error {
	im, err := getImpersonation(r.Context(), s.db, "id = ?", r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, im.api(s.now()))
	return nil
}

func (s *Server) revokeImpersonation(w http.ResponseWriter, r *http.Request) error {
	now := s.now()
	var im impersonation
	err := s.inTx(r.Context(), func(tx *sql.Tx) error {
		var err error
		if im, err = getImpersonation(r.Context(), tx, "id = ?", r.PathValue("id")); err != nil {
			return err
		}
		if st := im.status(now); st == "revoked" || st == "expired" {
			return nil // already over: revoking again changes nothing
		}
		if _, err := tx.ExecContext(r.Context(), `UPDATE impersonations SET revoked_at = ? WHERE id = ?`, toNs(now), im.ID); err != nil {
			return err
		}
		im.RevokedAt = &now
		return appendEvent(r.Context(), tx, "impersonation.revoked", now, map[string]string{
			"impersonation_id": im.ID, "user_id": im.UserID, "reason": "api"})
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, im.api(now))
	return nil
}

func (s *Server) userImpersonations(w http.ResponseWriter, r *http.Request) error {
	id, now := r.PathValue("id"), s.now()
	rows, err := s.db.QueryContext(r.Context(), `SELECT `+impColumns+` FROM impersonations
		WHERE user_id = ? ORDER BY created_at DESC, id DESC`, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	out := apiList[apiImpersonation]{Data: []apiImpersonation{}}
	for rows.Next() {
		im, err := scanImpersonation(rows)
		if err != nil {
			return err
		}
		out.Data = append(out.Data, im.api(now))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(out.Data) == 0 {
		// A deleted user's history stays readable; only a stranger is a 404.
		if _, err := getUser(r.Context(), s.db, id); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := parseLimit(q)
	if err != nil {
		return err
	}
	var after int64
	if c := q.Get("cursor"); c != "" {
		if after, _, err = cursorNs(c, "e", 1); err != nil {
			return err
		}
	}
	rows, err := s.db.QueryContext(r.Context(), `SELECT seq, type, created_at, data FROM events
		WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit+1)
	if err != nil {
		return err
	}
	defer rows.Close()
	page := apiPage[apiEvent]{Data: make([]apiEvent, 0, limit+1)}
	var seqs []int64
	for rows.Next() {
		var e apiEvent
		var seq, created int64
		var data string
		if err := rows.Scan(&seq, &e.Type, &created, &data); err != nil {
			return err
		}
		e.ID, e.CreatedAt, e.Data = eventID(seq), fromNs(created), json.RawMessage(data)
		page.Data, seqs = append(page.Data, e), append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(page.Data) > limit {
		page.Data = page.Data[:limit]
		page.NextCursor = cursorPtr(encodeCursor("e", strconv.FormatInt(seqs[limit-1], 10)))
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}
