package guise

import (
	"context"
	"fmt"
	"time"
)

// MonthStart is local midnight on the first of now's month, where the
// monthly count and the monthly limit both start (providers' free plans count
// impersonations per month; their own billing month may differ).
func MonthStart(now time.Time) time.Time {
	l := now.In(time.Local)
	return time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, time.Local)
}

// ImpersonationsThisMonth counts the sessions of env started since the first
// of the month (MonthStart), from the local history: failed ones are left out, and
// refusals never became sessions. It says nothing of impersonations started
// outside this Guise (another agent's machine, the provider's dashboard).
func (s *Service) ImpersonationsThisMonth(ctx context.Context, env string) (int, error) {
	return s.countSince(ctx, env, MonthStart(s.now()), "")
}

func (s *Service) countSince(ctx context.Context, env string, from time.Time, except string) (int, error) {
	list, err := s.Store.Sessions(ctx, SessionFilter{Env: env, From: from})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, x := range list {
		if x.EndReason != EndFailed && x.ID != except {
			n++
		}
	}
	return n, nil
}

// withMonthCount adds to a provider's quota refusal how many impersonations
// this Guise recorded in the environment this month, so the agent can tell
// whether the plan's limit is the cause.
func (s *Service) withMonthCount(ctx context.Context, sess Session, err error) error {
	if ErrorCode(err) != EQUOTA {
		return err
	}
	n, cerr := s.countSince(ctx, sess.Env, MonthStart(s.now()), sess.ID)
	if cerr != nil {
		return err
	}
	e := *AsError(err)
	e.Message = fmt.Sprintf("%s Guise has recorded %d impersonation(s) in %s since %s.", e.Message, n, sess.Env, MonthStart(s.now()).Format("2 January"))
	return &e
}
