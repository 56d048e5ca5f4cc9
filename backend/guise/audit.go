package guise

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Audit record kinds.
const (
	AuditStarted       = "session.started"
	AuditStopped       = "session.stopped"
	AuditExpired       = "session.expired"
	AuditFailed        = "session.failed"
	AuditRevoked       = "session.revoked"
	AuditRevokePending = "session.stop_pending"
	AuditRefused       = "impersonation.refused"
	AuditEnvAdded      = "environment.added"
	AuditEnvRemoved    = "environment.removed"
	AuditEnvChanged    = "environment.changed"
	AuditPolicy        = "policy.changed"
	AuditAgent         = "agent.changed"
)

// AuditRecord is one entry of the append-only, hash-chained audit log. Hash is
// the SHA-256 of PrevHash and the record's other fields, so editing, deleting
// or reordering records breaks the chain.
type AuditRecord struct {
	Seq       int64     `json:"seq"`
	At        time.Time `json:"at"`
	Kind      string    `json:"kind"`
	Env       string    `json:"env"`
	Agent     string    `json:"agent"`
	UserID    string    `json:"user_id"`
	UserEmail string    `json:"user_email"`
	OrgID     string    `json:"org_id"`
	OrgName   string    `json:"org_name"`
	SessionID string    `json:"session_id"`
	Reason    string    `json:"reason"`
	Ticket    string    `json:"ticket"`
	Rule      string    `json:"rule"`
	Detail    string    `json:"detail"`
	PrevHash  string    `json:"prev_hash"`
	Hash      string    `json:"hash"`
}

// ComputeHash returns the record's hash given its PrevHash and Seq.
func (r AuditRecord) ComputeHash() string {
	r.Hash = ""
	r.At = r.At.UTC()
	b, _ := json.Marshal(r) // a struct of strings and a time: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// SessionAudit fills an audit record from a session.
func SessionAudit(kind string, s Session, at time.Time, detail string) AuditRecord {
	return AuditRecord{
		At: at, Kind: kind, Env: s.Env, Agent: s.AgentEmail,
		UserID: s.UserID, UserEmail: s.UserEmail, OrgID: s.OrgID, OrgName: s.OrgName,
		SessionID: s.ID, Reason: s.Reason, Ticket: s.Ticket, Detail: detail,
	}
}

// ChainStatus is the result of walking the audit chain.
type ChainStatus struct {
	Intact   bool   `json:"intact"`
	Count    int64  `json:"count"`
	BrokenAt int64  `json:"broken_at"` // seq of the first bad record, 0 when intact
	Detail   string `json:"detail"`
}

// VerifyChain walks the whole audit log and reports the first record whose
// hash, predecessor link or sequence does not hold.
func VerifyChain(ctx context.Context, store Store) (ChainStatus, error) {
	var st ChainStatus
	prev, after := "", int64(0)
	for {
		recs, err := store.AuditRecords(ctx, after, 2000)
		if err != nil {
			return st, err
		}
		for _, r := range recs {
			switch {
			case r.Seq != after+1:
				return broken(st, after+1, fmt.Sprintf("record %d is missing (the next one is %d): records were deleted or reordered", after+1, r.Seq)), nil
			case r.PrevHash != prev:
				return broken(st, r.Seq, fmt.Sprintf("record %d does not follow record %d: the chain was cut or reordered", r.Seq, r.Seq-1)), nil
			case r.ComputeHash() != r.Hash:
				return broken(st, r.Seq, fmt.Sprintf("record %d was altered after it was written", r.Seq)), nil
			}
			prev, after = r.Hash, r.Seq
			st.Count++
		}
		if len(recs) == 0 {
			headSeq, headHash, err := store.AuditHead(ctx)
			if err != nil {
				return st, err
			}
			switch {
			case headSeq > after:
				missing := fmt.Sprintf("records %d to %d are", after+1, headSeq)
				if headSeq == after+1 {
					missing = fmt.Sprintf("record %d is", headSeq)
				}
				return broken(st, after+1, missing+" missing: the end of the log was deleted"), nil
			case headSeq != after || headHash != prev:
				return broken(st, after, fmt.Sprintf("the log's head marker says record %d but the log ends at %d: it was altered", headSeq, after)), nil
			}
			st.Intact = true
			st.Detail = fmt.Sprintf("intact: %d records", st.Count)
			return st, nil
		}
	}
}

func broken(st ChainStatus, seq int64, detail string) ChainStatus {
	st.Intact, st.BrokenAt, st.Detail = false, seq, detail
	return st
}
