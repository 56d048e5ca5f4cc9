import { Badge } from '@/components/ui'
import { formatDateTime, formatSpan } from '@/lib/format'
import { isAwaiting } from '@/lib/sessions'
import type { Session } from '@/lib/types'

const OUTCOME_TONE = { stopped: 'neutral', expired: 'neutral', revoked: 'warn', failed: 'danger' } as const

export function SessionsTable({ sessions }: { sessions: Session[] }) {
  return (
    <div className="table-wrap">
      <table className="table" data-testid="history-table">
        <thead>
          <tr>
            <th>Started</th>
            <th>User</th>
            <th>Organization</th>
            <th>Agent</th>
            <th>Reason</th>
            <th>Ticket</th>
            <th>Length</th>
            <th>Outcome</th>
            <th>Environment</th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr key={s.id} data-testid="history-row" data-session-id={s.id}>
              <td className="nowrap">{formatDateTime(s.started_at)}</td>
              <td>
                <div>{s.user_email || s.user_id}</div>
                {s.user_name && <div className="muted">{s.user_name}</div>}
              </td>
              <td>{s.org_name || '—'}</td>
              <td>
                <div>{s.agent_email}</div>
                {s.outside && (
                  <Badge tone="info" title="Started in the provider's dashboard, not through Guise; imported into the history from the provider's events.">
                    started outside Guise
                  </Badge>
                )}
              </td>
              <td className="reason-cell">{s.reason}</td>
              <td className="nowrap">{s.ticket || '—'}</td>
              <td className="nowrap">{formatSpan(s.started_at, s.ended_at)}</td>
              <td>
                {s.ended_at ? (
                  <Badge tone={s.end_reason ? OUTCOME_TONE[s.end_reason] : 'neutral'}>{s.end_reason || 'ended'}</Badge>
                ) : isAwaiting(s) ? (
                  <Badge tone="info" title="Guise opened the provider's dashboard and waits for the agent to start the impersonation there.">
                    waiting for the dashboard
                  </Badge>
                ) : s.revoke_pending_since ? (
                  <Badge tone="warn" title="Stop asked for; the provider has not confirmed it yet. Guise keeps retrying.">
                    stop pending
                  </Badge>
                ) : (
                  <Badge tone="ok">running</Badge>
                )}
                {s.note && <div className="muted small">{s.note}</div>}
              </td>
              <td>{s.env}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
