package auth0

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/guiseapp/guise/backend/guise"
)

// Auth0 returns only the first 1,000 results of any user query.
const (
	listCap  = 1000
	pageSize = 100
)

// ListUsers returns one page of users. The cursor, which the syncer keeps
// between runs, says where a sync is:
//
//	""                  start: count the tenant (or the changes) and choose a mode
//	list:<page>         a full sync of a tenant within the cap, by GET /users
//	inc:<page>:<since>  changes after since, ascending by updated_at; past the
//	                    cap the window restarts as inci:0:<last updated_at seen>
//	export:<job>:<line> a full sync past the cap: the export job, then its file
//	                    from line on
//
// Pages may be empty while an export job runs; each such call waits one
// poll interval, so the syncer keeps reporting and can be canceled.
func (p *Provider) ListUsers(ctx context.Context, cursor string, since time.Time) (guise.UserPage, error) {
	mode, rest, _ := strings.Cut(cursor, ":")
	switch {
	case cursor == "" && since.IsZero():
		return p.startFull(ctx)
	case cursor == "":
		return p.changed(ctx, 0, since.UTC(), false)
	case mode == "list":
		page, err := strconv.Atoi(rest)
		if err != nil {
			break
		}
		return p.listPage(ctx, page)
	case mode == "inc" || mode == "inci":
		ps, ts, _ := strings.Cut(rest, ":")
		page, err := strconv.Atoi(ps)
		t, terr := time.Parse(time.RFC3339Nano, ts)
		if err != nil || terr != nil || page < 0 {
			break
		}
		return p.changed(ctx, page, t, mode == "inci")
	case mode == "export":
		job, ls, _ := strings.Cut(rest, ":")
		line, err := strconv.Atoi(ls)
		if err != nil || job == "" {
			break
		}
		return p.exportPage(ctx, job, line)
	}
	return guise.UserPage{}, guise.Errorf(guise.EINVALID, "The saved sync position %q is not one Guise writes; the next sync starts over.", cursor)
}

// startFull counts the tenant: within the cap it lists, above it exports.
func (p *Provider) startFull(ctx context.Context) (guise.UserPage, error) {
	list, err := p.c.ListUsers(ctx, "", "created_at:1", 0, pageSize)
	if err != nil {
		return guise.UserPage{}, err
	}
	if list.Total > listCap {
		return p.newExport(ctx)
	}
	return p.page(ctx, list.Users, list.Total > pageSize, "list:1")
}

func (p *Provider) listPage(ctx context.Context, page int) (guise.UserPage, error) {
	list, err := p.c.ListUsers(ctx, "", "created_at:1", page, pageSize)
	if ae := asAPIError(err); ae != nil && ae.pagingCap() {
		// The tenant grew past the cap during the sync: export instead.
		return p.newExport(ctx)
	}
	if err != nil {
		return guise.UserPage{}, err
	}
	more := (page+1)*pageSize < list.Total && len(list.Users) > 0
	return p.page(ctx, list.Users, more, fmt.Sprintf("list:%d", page+1))
}

// changed lists users updated after since. A window restarted at the cap
// is inclusive ("inci"), so users sharing that instant are not skipped.
func (p *Provider) changed(ctx context.Context, page int, since time.Time, inclusive bool) (guise.UserPage, error) {
	mode, open := "inc", "{"
	if inclusive {
		mode, open = "inci", "["
	}
	q := fmt.Sprintf("updated_at:%s%s TO *]", open, since.UTC().Format("2006-01-02T15:04:05.000Z"))
	list, err := p.c.ListUsers(ctx, q, "updated_at:1", page, pageSize)
	if err != nil {
		return guise.UserPage{}, err
	}
	next := ""
	switch {
	case len(list.Users) == 0 || (page+1)*pageSize >= list.Total:
	case (page+1)*pageSize >= listCap:
		// The next page is past the cap: restart the window at the newest change seen.
		last := list.Users[len(list.Users)-1].UpdatedAt
		if !last.After(since) {
			return guise.UserPage{}, guise.Errorf(guise.EPROVIDER, "More than 1,000 Auth0 users share the update time %s, so Guise cannot page past them; run a full sync.", since.Format(time.RFC3339))
		}
		next = "inci:0:" + last.UTC().Format(time.RFC3339Nano)
	default:
		next = fmt.Sprintf("%s:%d:%s", mode, page+1, since.UTC().Format(time.RFC3339Nano))
	}
	return p.page(ctx, list.Users, next != "", next)
}

func (p *Provider) page(ctx context.Context, users []User, more bool, next string) (guise.UserPage, error) {
	out, err := p.withOrgs(ctx, users)
	if err != nil {
		return guise.UserPage{}, err
	}
	if !more {
		next = ""
	}
	return guise.UserPage{Users: out, Next: next}, nil
}

// newExport starts a users-export job.
func (p *Provider) newExport(ctx context.Context) (guise.UserPage, error) {
	job, err := p.c.CreateUsersExport(ctx)
	if err != nil {
		return guise.UserPage{}, err
	}
	if job.ID == "" {
		return guise.UserPage{}, guise.Errorf(guise.EPROVIDER, "Auth0 accepted the users export but sent no job id.")
	}
	p.log.Info("auth0 users export started", "env", p.env, "job", job.ID)
	return guise.UserPage{Next: "export:" + job.ID + ":0"}, nil
}

// exportIdle is how long the export download may send nothing before Guise
// gives up on it (the next sync resumes where it broke off).
const exportIdle = 2 * time.Minute

// exportStream is the open download of an export file.
type exportStream struct {
	job  string
	line int
	body io.ReadCloser
	gz   *gzip.Reader
	sc   *bufio.Scanner
}

func (e *exportStream) close() {
	if e.gz != nil {
		e.gz.Close()
	}
	e.body.Close()
}

// abort cuts the download from another goroutine: closing the HTTP body is
// safe while the reader reads (which then fails), unlike the gzip reader.
func (e *exportStream) abort() { e.body.Close() }

// exportPage polls the job until it is done, then reads the next page of
// its file. The download stays open between pages; a resumed sync (or one
// whose download broke) opens it again and skips the lines already saved.
func (p *Provider) exportPage(ctx context.Context, jobID string, line int) (guise.UserPage, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cur := "export:" + jobID + ":" + strconv.Itoa(line)
	if p.exp == nil || p.exp.job != jobID || p.exp.line != line {
		if p.exp != nil {
			p.exp.close()
			p.exp = nil
		}
		job, err := p.c.GetJob(ctx, jobID)
		if guise.ErrorCode(err) == guise.ENOTFOUND {
			p.log.Warn("auth0 export job gone; starting another", "env", p.env, "job", jobID)
			return p.newExport(ctx)
		}
		if err != nil {
			return guise.UserPage{}, err
		}
		switch job.Status {
		case "completed":
		case "failed":
			return guise.UserPage{}, guise.Errorf(guise.EPROVIDER, "Auth0's users export job %s failed; the next sync starts another.", jobID)
		default:
			p.log.Info("auth0 users export running", "env", p.env, "job", jobID, "status", job.Status, "percent", job.PercentageDone, "eta_seconds", job.TimeLeft)
			if err := p.c.sleep(ctx, p.poll); err != nil {
				return guise.UserPage{}, guise.Wrap(guise.ECANCELED, err, "The sync was canceled while Auth0 prepared the export; the next sync picks the job up again.")
			}
			return guise.UserPage{Next: cur}, nil
		}
		if job.Location == "" {
			return guise.UserPage{}, guise.Errorf(guise.EPROVIDER, "Auth0 finished users export %s but gave no download location.", jobID)
		}
		es, err := p.openExport(ctx, jobID, job.Location, line)
		if err != nil {
			return guise.UserPage{}, err
		}
		p.exp = es
	}
	es := p.exp
	// The download is read under this call's context: a sync canceled, or a
	// download that stalls, closes it rather than blocking the sync (and the
	// window's close) on a read that never returns.
	stop := context.AfterFunc(ctx, es.abort)
	defer stop()
	idle := time.AfterFunc(exportIdle, es.abort)
	defer idle.Stop()
	var batch []User
	for len(batch) < pageSize && es.sc.Scan() {
		idle.Reset(exportIdle)
		es.line++
		raw := strings.TrimSpace(es.sc.Text())
		if raw == "" {
			continue
		}
		var u User
		if err := json.Unmarshal([]byte(raw), &u); err != nil || u.UserID == "" {
			p.log.Warn("auth0 export: skipping an unreadable line", "env", p.env, "line", es.line)
			continue
		}
		batch = append(batch, u)
	}
	if err := es.sc.Err(); err != nil {
		es.close()
		p.exp = nil
		return guise.UserPage{}, guise.Wrap(guise.EUNAVAILABLE, err, "The Auth0 export download broke off at line %d; the sync resumes there.", line)
	}
	done := len(batch) < pageSize
	next := "export:" + jobID + ":" + strconv.Itoa(es.line)
	if done {
		es.close()
		p.exp = nil
		p.log.Info("auth0 users export read", "env", p.env, "job", jobID, "lines", es.line)
	}
	return p.page(ctx, batch, !done, next)
}

// openExport downloads the gzip'd NDJSON file and skips lines already saved.
func (p *Provider) openExport(ctx context.Context, job, location string, skip int) (*exportStream, error) {
	// The download outlives this call: it is closed when read to the end or replaced.
	body, err := p.c.open(context.WithoutCancel(ctx), location)
	if err != nil {
		return nil, err
	}
	es := &exportStream{job: job, body: body}
	if es.gz, err = gzip.NewReader(body); err != nil {
		body.Close()
		return nil, guise.Wrap(guise.EPROVIDER, err, "Auth0's export file is not gzip'd JSON as Guise asked for.")
	}
	es.sc = bufio.NewScanner(es.gz)
	es.sc.Buffer(make([]byte, 64<<10), 4<<20) // one user with big metadata fits
	for es.line < skip && es.sc.Scan() {
		es.line++
	}
	return es, nil
}

// withOrgs maps users to the domain, fetching each one's organizations
// (a few at a time: that endpoint has its own, larger rate-limit bucket).
func (p *Provider) withOrgs(ctx context.Context, users []User) ([]guise.User, error) {
	out := make([]guise.User, len(users))
	scopes, err := p.c.Scopes(ctx)
	if err != nil {
		return nil, err
	}
	orgs := slices.Contains(scopes, "read:organizations")
	errs := make([]error, len(users))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, u := range users {
		out[i] = toDomain(u)
		if !orgs {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			list, err := p.c.UserOrganizations(ctx, u.UserID)
			if guise.ErrorCode(err) == guise.ENOTFOUND {
				return // deleted since it was listed; the next sync drops it
			}
			errs[i] = err
			for _, o := range list {
				name := o.DisplayName
				if name == "" {
					name = o.Name
				}
				out[i].Orgs = append(out[i].Orgs, guise.Org{ID: o.ID, Name: name})
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// toDomain maps an Auth0 user. Blocked users are suspended; app_metadata's
// string values become metadata (role, guise_protected), its "role" the role.
func toDomain(u User) guise.User {
	name := strings.TrimSpace(u.Name)
	if name == "" || name == u.Email {
		if n := strings.TrimSpace(u.GivenName + " " + u.FamilyName); n != "" {
			name = n
		} else if name == "" {
			name = u.Nickname
		}
	}
	g := guise.User{ID: u.UserID, Email: u.Email, Name: name, Status: guise.StatusActive, UpdatedAt: u.UpdatedAt.UTC()}
	if u.Blocked {
		g.Status = guise.StatusSuspended
	}
	for k, v := range u.AppMetadata {
		if s, ok := v.(string); ok {
			if g.Metadata == nil {
				g.Metadata = map[string]string{}
			}
			g.Metadata[k] = s
		}
	}
	g.Role = g.Metadata["role"]
	return g
}
