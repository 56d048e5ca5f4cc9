import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react'
import { cancelSync, startSync, useEvent } from '@/lib/backend'
import { toBackendError } from '@/lib/errors'
import type { BackendError, SyncProgress } from '@/lib/types'

export type EnvSync = {
  running: boolean
  /** The last progress Go reported, null before the first one. */
  progress: SyncProgress | null
  error: BackendError | null
}

const idle: EnvSync = { running: false, progress: null, error: null }

type SyncValue = {
  get: (env: string) => EnvSync
  start: (env: string) => Promise<void>
  cancel: (env: string) => Promise<void>
}

const Ctx = createContext<SyncValue | null>(null)

/**
 * Sync runs in Go and reports by events; this keeps the state of every
 * environment's sync for the window, so it survives switching screens.
 */
export function SyncProvider({ children }: { children: ReactNode }) {
  const [byEnv, setByEnv] = useState<Record<string, EnvSync>>({})
  const patch = useCallback((env: string, p: Partial<EnvSync>) => {
    setByEnv((m) => ({ ...m, [env]: { ...(m[env] ?? idle), ...p } }))
  }, [])

  useEvent('sync:progress', (p) => patch(p.env, { running: !p.done, progress: p, error: null }))
  useEvent('sync:done', (p) => patch(p.env, { running: false, progress: p, error: p.error }))

  const start = useCallback(
    async (env: string) => {
      patch(env, { running: true, progress: null, error: null })
      try {
        await startSync(env)
      } catch (e) {
        patch(env, { running: false, error: toBackendError(e) })
      }
    },
    [patch],
  )

  const cancel = useCallback(
    async (env: string) => {
      try {
        await cancelSync(env)
      } catch (e) {
        patch(env, { error: toBackendError(e) })
      }
    },
    [patch],
  )

  const value = useMemo<SyncValue>(() => ({ get: (env) => byEnv[env] ?? idle, start, cancel }), [byEnv, start, cancel])
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>
}

/** The sync state of env, and its Start and Cancel. */
export function useSync(env: string) {
  const v = useContext(Ctx)
  if (!v) throw new Error('useSync needs a SyncProvider')
  return { ...v.get(env), start: () => v.start(env), cancel: () => v.cancel(env) }
}

/** What the agent can do about a failed sync. */
export function syncAdvice(code: string): string {
  switch (code) {
    case 'unauthorized':
      return 'The provider rejected the credentials: check the secret under Environments (Test connection says more).'
    case 'no_secret':
      return 'This environment has no secret yet: add it under Environments.'
    case 'rate_limited':
      return 'The provider asked Guise to slow down. Wait a minute and sync again; it resumes where it stopped.'
    case 'unavailable':
      return 'The provider could not be reached. Check the network and the base URL under Environments, then sync again.'
    case 'secret_store':
      return 'The OS keychain could not be read. Unlock it and sync again.'
    case 'canceled':
      return 'Sync again to resume where it stopped.'
    default:
      return 'Sync again; if it keeps failing, the log has the details.'
  }
}
