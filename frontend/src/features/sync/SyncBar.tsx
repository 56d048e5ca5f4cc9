import { formatAgo, formatEta, formatNumber, plural } from '@/lib/format'
import { useNow } from '@/lib/hooks'
import type { EnvView, SyncProgress } from '@/lib/types'
import { syncAdvice, useSync } from './SyncState'

type Props = {
  env: EnvView
  /** Opens the Environments screen, offered when the fix is there. */
  onOpenEnvironments?: () => void
}

const FIX_IN_ENVIRONMENTS = new Set(['unauthorized', 'no_secret', 'unavailable'])

/** Cache freshness, Sync / Cancel, live progress, and what to do when a sync fails. */
export function SyncBar({ env, onOpenEnvironments }: Props) {
  const sync = useSync(env.name)
  const now = useNow(30_000)
  const error = sync.error
  return (
    <div className="sync-bar" data-testid="sync-bar">
      {sync.running ? (
        <Progress progress={sync.progress} onCancel={sync.cancel} />
      ) : (
        <div className="sync-line">
          <span data-testid="sync-status">
            {plural(env.users, 'user')} cached · {env.last_synced_at ? `Last synced ${formatAgo(env.last_synced_at, now)}` : 'Never synced'}
          </span>
          <button type="button" data-testid="sync-button" onClick={sync.start}>
            {env.last_synced_at ? 'Sync' : 'Sync now'}
          </button>
        </div>
      )}
      {error ? (
        <div className={error.code === 'canceled' ? 'notice' : 'error-note'} role="alert" data-testid="sync-error">
          <span>
            {error.code === 'canceled' ? 'Sync canceled.' : `Sync failed: ${error.message}`} {syncAdvice(error.code)}
          </span>
          {FIX_IN_ENVIRONMENTS.has(error.code) && onOpenEnvironments && (
            <button type="button" className="link" onClick={onOpenEnvironments}>
              Open Environments
            </button>
          )}
        </div>
      ) : (
        !sync.running &&
        env.last_error && (
          <div className="error-note" role="alert" data-testid="sync-error">
            <span>The last sync failed: {env.last_error} Sync again to resume.</span>
          </div>
        )
      )}
    </div>
  )
}

/** Percent done, time left (-1 unknown) and the count line of a running sync. */
function progressFigures(p: SyncProgress): { pct: number | null; eta: number; count: string } {
  const total = p.total ?? 0
  if (total > 0) {
    // The provider said how many users it has: a true fraction, and a time
    // left from the rate when Go has none.
    const left = Math.max(0, total - p.users)
    const eta = p.eta_seconds >= 0 ? p.eta_seconds : p.rate > 0 ? left / p.rate : -1
    return { pct: Math.min(100, (100 * p.users) / total), eta, count: `${formatNumber(p.users)} of ${plural(total, 'user')}` }
  }
  const eta = p.eta_seconds
  // No total is known; the rate and time left give one: done / (done + rate × left).
  const pct = eta >= 0 && p.rate > 0 ? (100 * p.users) / (p.users + p.rate * eta) : null
  return { pct, eta, count: plural(p.users, 'user') }
}

function Progress({ progress, onCancel }: { progress: SyncProgress | null; onCancel: () => void }) {
  const { pct, eta, count } = progress ? progressFigures(progress) : { pct: null, eta: -1, count: '' }
  return (
    <div className="sync-progress" data-testid="sync-progress">
      <div
        className={`progress${pct === null ? ' indeterminate' : ''}`}
        role="progressbar"
        aria-label="Sync progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct === null ? undefined : Math.round(pct)}
      >
        <div className="progress-fill" style={pct === null ? undefined : { width: `${pct}%` }} />
      </div>
      <div className="sync-line">
        <span>
          {progress
            ? [
                `Syncing… ${count}`,
                plural(progress.orgs, 'org'),
                progress.rate > 0 ? `${formatNumber(progress.rate)} users/s` : '',
                eta >= 0 ? `${formatEta(eta)} left` : '',
              ]
                .filter(Boolean)
                .join(' · ')
            : 'Starting sync…'}
        </span>
        <button type="button" data-testid="sync-cancel" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  )
}
