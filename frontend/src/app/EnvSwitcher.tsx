import { isOffline } from '@/features/environments/Reachability'
import type { EnvView } from '@/lib/types'

export function EnvSwitcher({ envs, current, onSelect, error }: { envs: EnvView[]; current?: EnvView; onSelect: (name: string) => void; error: string }) {
  return (
    <div className="env-switcher">
      <label htmlFor="env-switcher">Environment</label>
      <select id="env-switcher" data-testid="env-switcher" value={current?.name ?? ''} disabled={envs.length === 0} onChange={(e) => onSelect(e.target.value)}>
        {envs.length === 0 && <option value="">No environment</option>}
        {envs.map((e) => (
          <option key={e.name} value={e.name}>
            {e.name} · {e.provider}
            {isOffline(e) ? ' · offline' : ''}
          </option>
        ))}
      </select>
      {current && isOffline(current) && (
        <div className="env-offline small" data-testid="env-offline" title={current.reachability.detail || undefined}>
          <span className="badge badge-danger">offline</span> {current.name} cannot be reached; searching uses the cache.
        </div>
      )}
      {error && (
        <div className="error-text small" role="alert">
          {error}
        </div>
      )}
    </div>
  )
}
