import type { EnvView, HistoryFilter } from '@/lib/types'

export const END_REASONS = [
  { value: '', label: 'Any outcome' },
  { value: 'stopped', label: 'Stopped' },
  { value: 'expired', label: 'Expired' },
  { value: 'revoked', label: 'Revoked by the provider' },
  { value: 'failed', label: 'Failed' },
]

type Props = {
  value: HistoryFilter
  envs: EnvView[]
  onChange: (f: HistoryFilter) => void
}

/** The filter row above the history table. Controlled: every change goes to onChange. */
export function HistoryFilters({ value, envs, onChange }: Props) {
  const set = (k: keyof HistoryFilter, v: string) => onChange({ ...value, [k]: v })
  return (
    <div className="filters" role="search" aria-label="Filter history">
      <input
        type="search"
        className="grow"
        aria-label="Search reasons, tickets, users"
        placeholder="Search reason, ticket, user, org…"
        data-testid="history-text"
        value={value.text}
        onChange={(e) => set('text', e.target.value)}
      />
      <select aria-label="Environment" data-testid="history-env" value={value.env} onChange={(e) => set('env', e.target.value)}>
        <option value="">All environments</option>
        {envs.map((e) => (
          <option key={e.name} value={e.name}>
            {e.name}
          </option>
        ))}
      </select>
      <input aria-label="Agent" placeholder="Agent email" data-testid="history-agent" value={value.agent} onChange={(e) => set('agent', e.target.value)} />
      <input aria-label="User" placeholder="User email or id" data-testid="history-user" value={value.user} onChange={(e) => set('user', e.target.value)} />
      <select aria-label="Outcome" data-testid="history-end-reason" value={value.end_reason} onChange={(e) => set('end_reason', e.target.value)}>
        {END_REASONS.map((r) => (
          <option key={r.value} value={r.value}>
            {r.label}
          </option>
        ))}
      </select>
      <label className="inline">
        From
        <input type="date" data-testid="history-from" value={value.from} max={value.to || undefined} onChange={(e) => set('from', e.target.value)} />
      </label>
      <label className="inline">
        To
        <input type="date" data-testid="history-to" value={value.to} min={value.from || undefined} onChange={(e) => set('to', e.target.value)} />
      </label>
    </div>
  )
}
