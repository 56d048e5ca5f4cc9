import { useQuery } from '@tanstack/react-query'
import { Badge, ErrorNote } from '@/components/ui'
import { getUser } from '@/lib/backend'
import { toBackendError } from '@/lib/errors'
import { formatDateTime } from '@/lib/format'
import { keys } from '@/lib/queries'
import type { UserDetail } from '@/lib/types'
import { ProviderActivity } from './ProviderActivity'
import { RecentSessions } from './RecentSessions'

type Props = {
  env: string
  userId: string
  /** The agent has not said who they are yet (Settings → Agent). */
  agentMissing: boolean
  onImpersonate: (detail: UserDetail) => void
  onClose: () => void
}

/** Why Impersonate is not possible for this user, or ''. */
export function blockReason(detail: UserDetail, agentMissing: boolean): string {
  const { user, policy } = detail
  if (!policy.enabled) return 'Impersonation is switched off for this environment (Settings → Policy).'
  if (user.status === 'suspended') return `${user.email} is suspended; a suspended user cannot be impersonated.`
  if (detail.protected) return `Protected: ${detail.protected}.`
  if (agentMissing) return 'Say who you are in Settings → Agent first; every impersonation records its agent.'
  return ''
}

export function UserPanel({ env, userId, agentMissing, onImpersonate, onClose }: Props) {
  const q = useQuery({ queryKey: keys.user(env, userId), queryFn: () => getUser(env, userId) })

  return (
    <aside className="panel user-panel" data-testid="user-panel" aria-label="User details">
      <div className="panel-head">
        <h2>{q.data ? q.data.user.name || q.data.user.email : 'User'}</h2>
        <button type="button" className="icon-button" aria-label="Close user panel" onClick={onClose}>
          ×
        </button>
      </div>
      {q.isPending && <p className="muted pad">Loading…</p>}
      {q.isError && (
        <ErrorNote
          message={
            toBackendError(q.error).code === 'not_found'
              ? 'This user is no longer in the cache. Sync the environment and search again.'
              : toBackendError(q.error).message
          }
        />
      )}
      {q.data && <Detail detail={q.data} agentMissing={agentMissing} onImpersonate={onImpersonate} />}
    </aside>
  )
}

function Detail({ detail, agentMissing, onImpersonate }: { detail: UserDetail; agentMissing: boolean; onImpersonate: (d: UserDetail) => void }) {
  const { user } = detail
  const blocked = blockReason(detail, agentMissing)
  const meta = Object.entries(user.metadata ?? {})
  return (
    <div className="panel-body">
      <div className="user-head">
        <div className="user-head-email">{user.email}</div>
        <div className="badges">
          <Badge tone={user.status === 'suspended' ? 'danger' : 'ok'}>{user.status}</Badge>
          {detail.protected && <Badge tone="warn">protected</Badge>}
          {user.role && <Badge tone="info">{user.role}</Badge>}
        </div>
      </div>

      <div className="impersonate-row">
        <button
          type="button"
          className="primary"
          data-testid="impersonate-button"
          disabled={blocked !== ''}
          aria-describedby={blocked ? 'impersonate-blocked' : undefined}
          onClick={() => onImpersonate(detail)}
        >
          Impersonate…
        </button>
        {blocked && (
          <p className="blocked" id="impersonate-blocked" data-testid="impersonate-blocked">
            {blocked}
          </p>
        )}
      </div>

      <section>
        <h3>Profile</h3>
        <dl className="props">
          <dt>ID</dt>
          <dd className="mono">{user.id}</dd>
          <dt>Name</dt>
          <dd>{user.name || '—'}</dd>
          <dt>Role</dt>
          <dd>{user.role || '—'}</dd>
          <dt>Updated</dt>
          <dd>{formatDateTime(user.updated_at) || '—'}</dd>
          {meta.map(([k, v]) => (
            <Meta key={k} k={k} v={v} />
          ))}
        </dl>
      </section>

      <section>
        <h3>Organizations ({user.organizations.length})</h3>
        {user.organizations.length === 0 ? (
          <p className="muted">Not a member of any organization.</p>
        ) : (
          <ul className="org-list">
            {user.organizations.map((o) => (
              <li key={o.id}>
                <span>{o.name}</span>
                {o.role && <Badge>{o.role}</Badge>}
                <span className="mono muted">{o.id}</span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section>
        <h3>Recent impersonations</h3>
        <RecentSessions sessions={detail.sessions} />
      </section>

      {(detail.activity.length > 0 || detail.activity_note) && (
        <section data-testid="provider-activity">
          <h3>Activity at the provider</h3>
          <ProviderActivity events={detail.activity} note={detail.activity_note} />
        </section>
      )}
    </div>
  )
}

function Meta({ k, v }: { k: string; v: string }) {
  return (
    <>
      <dt>{k}</dt>
      <dd>{v}</dd>
    </>
  )
}
