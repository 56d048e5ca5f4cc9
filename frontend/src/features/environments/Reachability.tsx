// How an environment's provider answered the last time Guise tried: "online",
// "offline" with why, or not tried yet. Go keeps it per run and pushes
// changes as env:status (app/reachability.go).
import { Badge } from '@/components/ui'
import { formatAgo } from '@/lib/format'
import type { EnvView } from '@/lib/types'

/** Whether Guise could not reach env's provider the last time it tried. */
export const isOffline = (env: EnvView | undefined) => env?.reachability.state === 'offline'

/** The status cell of an environment: a badge, and for offline what failed and since when. */
export function ReachStatus({ env, now }: { env: EnvView; now: number }) {
  const r = env.reachability
  if (r.state === 'offline')
    return (
      <div data-testid="env-reach" data-state="offline">
        <Badge tone="danger">offline</Badge>
        {r.since && <span className="muted small"> since {formatAgo(r.since, now)}</span>}
        {r.detail && <div className="error-text small">{r.detail}</div>}
      </div>
    )
  if (r.state === 'ok')
    return (
      <div data-testid="env-reach" data-state="ok">
        <Badge tone="ok">online</Badge>
      </div>
    )
  return (
    <div data-testid="env-reach" data-state="unknown" className="muted small" title="Guise has not talked to this provider since it started.">
      not checked yet
    </div>
  )
}
