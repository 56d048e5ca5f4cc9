import { useMutation, useQueryClient } from '@tanstack/react-query'
import { toBackendError } from '@/lib/errors'
import { keys } from '@/lib/queries'

/** A settings save: refreshes Settings.Get after success; the error, if any, as a BackendError. */
export function useSave<T>(fn: (v: T) => Promise<void>) {
  const qc = useQueryClient()
  const m = useMutation({
    mutationFn: fn,
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.settings }),
  })
  return { ...m, backendError: m.error ? toBackendError(m.error) : null }
}
