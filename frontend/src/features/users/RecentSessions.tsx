import { Badge } from '@/components/ui'
import { formatDateTime, formatSpan } from '@/lib/format'
import { isAwaiting } from '@/lib/sessions'
import type { Session } from '@/lib/types'

/** The last impersonations of one user, newest first. */
export function RecentSessions({ sessions }: { sessions: Session[] }) {
  if (sessions.length === 0) return <p className="muted">Nobody has impersonated this user yet.</p>
  return (
    <ul className="recent-sessions">
      {sessions.map((s) => (
        <li key={s.id}>
          <div className="recent-head">
            <span>{formatDateTime(s.started_at)}</span>
            {s.ended_at ? (
              <Badge tone={s.end_reason === 'failed' ? 'danger' : 'neutral'}>{s.end_reason || 'ended'}</Badge>
            ) : isAwaiting(s) ? (
              <Badge tone="info">waiting for the dashboard</Badge>
            ) : s.revoke_pending_since ? (
              <Badge tone="warn">stop pending</Badge>
            ) : (
              <Badge tone="ok">running</Badge>
            )}
            {s.outside && <Badge tone="info">started outside Guise</Badge>}
            {s.ended_at && <span className="muted">{formatSpan(s.started_at, s.ended_at)}</span>}
          </div>
          <div className="muted">
            {s.agent_email}
            {s.org_name && ` · ${s.org_name}`}
            {s.ticket && ` · ${s.ticket}`}
          </div>
          <div className="recent-reason">{s.reason}</div>
        </li>
      ))}
    </ul>
  )
}
