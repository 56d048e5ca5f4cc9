// The home screen. It composes features (sync, users, impersonation), which
// do not import each other.
import { useRef, useState } from 'react'
import { EmptyState } from '@/components/ui'
import { isOffline } from '@/features/environments/Reachability'
import { useActiveSessions } from '@/features/impersonation/ActiveSessions'
import { ImpersonateDialog } from '@/features/impersonation/ImpersonateDialog'
import { SyncBar } from '@/features/sync/SyncBar'
import { useSync } from '@/features/sync/SyncState'
import { UserPanel } from '@/features/users/UserPanel'
import { UserSearch } from '@/features/users/UserSearch'
import { useEvent } from '@/lib/backend'
import type { EnvView, Policy, UserDetail } from '@/lib/types'

/** While a sync runs, results are searched again at most this often, so new users show up. */
const LIVE_REFRESH_MS = 1500

type Props = {
  env: EnvView
  query: string
  onQueryChange: (q: string) => void
  selectedId: string
  onSelect: (id: string) => void
  agentMissing: boolean
  policy?: Policy
  templates: string[]
  onOpenEnvironments: () => void
}

export function UsersPage({ env, query, onQueryChange, selectedId, onSelect, agentMissing, policy, templates, onOpenEnvironments }: Props) {
  const { add } = useActiveSessions()
  const sync = useSync(env.name)
  const [impersonating, setImpersonating] = useState<UserDetail | null>(null)

  const [refresh, setRefresh] = useState(0)
  const lastRefresh = useRef(0)
  useEvent('sync:progress', (p) => {
    if (p.env !== env.name || Date.now() - lastRefresh.current < LIVE_REFRESH_MS) return
    lastRefresh.current = Date.now()
    setRefresh((n) => n + 1)
  })
  useEvent('sync:done', (p) => p.env === env.name && setRefresh((n) => n + 1))

  const neverSynced = !env.last_synced_at && env.users === 0
  const emptyHint = neverSynced ? (
    <EmptyState
      title={`${env.name} has not been synced yet.`}
      action={
        !sync.running && (
          <button type="button" className="primary" data-testid="sync-now" onClick={sync.start}>
            Sync now
          </button>
        )
      }
    >
      Guise searches a local copy of the users and organizations. Sync copies them from {env.provider}; you can search while it runs.
    </EmptyState>
  ) : undefined

  return (
    <div className="screen users-screen">
      {isOffline(env) && (
        <div className="notice" role="status" data-testid="env-offline-notice">
          <span>
            <strong>{env.name} is offline</strong>
            {env.reachability.detail ? `: ${env.reachability.detail}` : '.'} Search and history work from the cache; impersonating needs {env.provider} to answer
            again.
          </span>
          <button type="button" className="link" onClick={onOpenEnvironments}>
            Test connection
          </button>
        </div>
      )}
      <SyncBar env={env} onOpenEnvironments={onOpenEnvironments} />
      <div className={`users-layout${selectedId ? ' with-panel' : ''}`}>
        <UserSearch
          env={env.name}
          query={query}
          onQueryChange={onQueryChange}
          selectedId={selectedId}
          onOpen={(u) => onSelect(u.id)}
          policy={policy}
          refresh={refresh}
          emptyHint={emptyHint}
        />
        {selectedId && (
          <UserPanel env={env.name} userId={selectedId} agentMissing={agentMissing} onImpersonate={setImpersonating} onClose={() => onSelect('')} />
        )}
      </div>
      {impersonating && (
        <ImpersonateDialog
          env={env.name}
          provider={env.provider}
          signinTimeout={env.settings.signin_timeout}
          detail={impersonating}
          templates={templates}
          onClose={() => setImpersonating(null)}
          onStarted={(s) => {
            add(s) // at once; session:started follows and refreshes the rest
            setImpersonating(null)
          }}
        />
      )}
    </div>
  )
}
