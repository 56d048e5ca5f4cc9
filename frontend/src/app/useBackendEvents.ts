import { useQueryClient } from '@tanstack/react-query'
import { useEvent } from '@/lib/backend'
import { keys } from '@/lib/queries'

/** Go events that make cached reads stale: refetch those instead of polling. */
export function useBackendEvents(): void {
  const qc = useQueryClient()
  const sessionsChanged = () => {
    void qc.invalidateQueries({ queryKey: keys.history })
    void qc.invalidateQueries({ queryKey: keys.users })
  }
  useEvent('session:started', sessionsChanged)
  useEvent('session:ended', sessionsChanged)
  useEvent('sync:done', () => {
    void qc.invalidateQueries({ queryKey: keys.environments })
    void qc.invalidateQueries({ queryKey: keys.users })
  })
}
