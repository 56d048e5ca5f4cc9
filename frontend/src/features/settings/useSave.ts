import { useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query'
import { toBackendError } from '@/lib/errors'
import { keys } from '@/lib/queries'

/**
 * A settings save: refreshes Settings.Get, and the reads in `also`, after
 * success; the error, if any, as a BackendError.
 */
export function useSave<T>(fn: (v: T) => Promise<void>, also: QueryKey[] = []) {
  const qc = useQueryClient()
  const m = useMutation({
    mutationFn: fn,
    onSuccess: () => Promise.all([keys.settings, ...also].map((queryKey) => qc.invalidateQueries({ queryKey }))),
  })
  return { ...m, backendError: m.error ? toBackendError(m.error) : null }
}
