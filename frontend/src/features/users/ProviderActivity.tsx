import { formatDateTime } from '@/lib/format'
import type { ProviderEvent } from '@/lib/types'

/**
 * A user's recent events at the provider (sign-ins, sign-outs…), newest
 * first, as imported from its log after syncs; or why none are imported.
 */
export function ProviderActivity({ events, note }: { events: ProviderEvent[]; note: string }) {
  if (events.length === 0) {
    return <p className="muted">{note ? `Not imported: ${note}` : 'No activity imported yet.'}</p>
  }
  return (
    <ul className="recent-sessions">
      {events.map((e) => (
        <li key={e.id}>
          <div className="recent-head">
            <span>{formatDateTime(e.at)}</span>
            <span title={e.code ? `${e.description || e.kind} (${e.code})` : e.description}>{e.kind}</span>
          </div>
          <div className="muted">{[e.client, e.ip].filter(Boolean).join(' · ') || '—'}</div>
        </li>
      ))}
    </ul>
  )
}
