import { useQueryClient } from '@tanstack/react-query'
import { useEvent } from '@/lib/backend'
import { keys } from '@/lib/queries'
import type { EnvView } from '@/lib/types'

/** Go events that make cached reads stale: refetch those instead of polling. */
export function useBackendEvents(): void {
  const qc = useQueryClient()
  const sessionsChanged = () => {
    void qc.invalidateQueries({ queryKey: keys.history })
    void qc.invalidateQueries({ queryKey: keys.users })
  }
  useEvent('session:started', sessionsChanged)
  useEvent('session:ended', sessionsChanged)
  // An environment's provider became reachable or not: patch the list in
  // place, so the switcher and Environments show it at once.
  useEvent('env:status', (st) => {
    qc.setQueryData<EnvView[]>(keys.environments, (list) => list?.map((e) => (e.name === st.env ? { ...e, reachability: st.reachability } : e)))
  })
  useEvent('session:updated', sessionsChanged)
  useEvent('sync:done', () => {
    void qc.invalidateQueries({ queryKey: keys.environments })
    void qc.invalidateQueries({ queryKey: keys.users })
  })
}
