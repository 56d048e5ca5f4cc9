import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import { activeSessions, useEvent } from '@/lib/backend'
import { errorMessage } from '@/lib/errors'
import { isAwaiting } from '@/lib/sessions'
import type { Session, StopResult } from '@/lib/types'

const NOTICE_MS = 20_000

export type Notice = { id: string; text: string; tone: 'info' | 'warn' }

type ActiveSessionsValue = {
  /** Running sessions, soonest to expire first. */
  sessions: Session[]
  /** Ids of sessions Go has warned about (session:expiring). */
  expiring: ReadonlySet<string>
  /** What just ended, and what the provider could not do. */
  notices: Notice[]
  /** Error of the last refresh, ''. */
  error: string
  /** Adds a session Guise just started (before its event arrives), showing its note. */
  add: (s: Session) => void
  /** Records a stop the agent asked for. */
  stopped: (r: StopResult) => void
  /**
   * Records a stop the provider has not confirmed (code revoke_pending): the
   * session keeps running while Go retries. session:updated usually says so
   * first; this covers the case where the call's answer comes first.
   */
  stopPending: (id: string, message: string) => void
  dismiss: (id: string) => void
  /** Asks Go for the running sessions again. */
  refresh: () => Promise<void>
}

const Ctx = createContext<ActiveSessionsValue | null>(null)

export function useActiveSessions(): ActiveSessionsValue {
  const v = useContext(Ctx)
  if (!v) throw new Error('useActiveSessions needs an ActiveSessionsProvider')
  return v
}

const byExpiry = (a: Session, b: Session) => Date.parse(a.expires_at) - Date.parse(b.expires_at)

function endedText(s: Session, alreadyEnded = false): Notice {
  const who = s.user_email || s.user_id
  // Ended while waiting for the dashboard: canceled by the agent, or never started there.
  if (isAwaiting(s) && !alreadyEnded && (s.end_reason === 'stopped' || s.end_reason === 'failed')) {
    const note = s.note?.trim().replace(/\.$/, '')
    const text = s.end_reason === 'stopped' ? `Canceled the impersonation of ${who}.` : `The impersonation of ${who} failed`
    return s.end_reason === 'stopped'
      ? { id: s.id, text: note ? `${text} ${note}.` : text, tone: 'info' }
      : { id: s.id, text: note ? `${text}: ${note}.` : `${text}.`, tone: 'warn' }
  }
  const text =
    alreadyEnded ? `The impersonation of ${who} had already ended.`
    : s.end_reason === 'expired' ? `The impersonation of ${who} expired.`
    : s.end_reason === 'revoked' ? `The provider ended the impersonation of ${who}.`
    : s.end_reason === 'failed' ? `The impersonation of ${who} failed.`
    : `Stopped impersonating ${who}.`
  // A stop's note says what the provider did ("revoked at …"): routine, so
  // it reads as part of the sentence. Other notes say what went wrong.
  if (s.end_reason === 'stopped' && !alreadyEnded) {
    const done = s.note?.trim().replace(/\.$/, '')
    return { id: s.id, text: done ? `Stopped impersonating ${who} (${done}).` : text, tone: 'info' }
  }
  return { id: s.id, text: s.note ? `${text} ${s.note}` : text, tone: s.end_reason === 'failed' || s.note ? 'warn' : 'info' }
}

/**
 * Holds the running impersonations for the whole window: loaded once from
 * Impersonation.Active, then kept current by session:* events. No polling.
 */
export function ActiveSessionsProvider({ children }: { children: ReactNode }) {
  const [sessions, setSessions] = useState<Session[]>([])
  const [expiring, setExpiring] = useState<ReadonlySet<string>>(new Set())
  const [notices, setNotices] = useState<Notice[]>([])
  const [error, setError] = useState('')
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>())

  const upsert = useCallback((s: Session) => {
    if (s.ended_at) return
    setSessions((list) => [...list.filter((x) => x.id !== s.id), s].sort(byExpiry))
  }, [])

  const stopPending = useCallback((id: string, message: string) => {
    // Go's message reads "The stop of X is pending: CAUSE Guise retries every 10 seconds…"; the banner wants the cause.
    const cause = message.match(/ is pending: (.+?)\s*Guise (?:keeps retrying|retries)/)?.[1] ?? message
    setSessions((list) =>
      list.map((s) => (s.id === id && !s.revoke_pending_since ? { ...s, revoke_pending_since: new Date().toISOString(), note: `stop not confirmed yet: ${cause}` } : s)),
    )
  }, [])

  const dismiss = useCallback((id: string) => {
    clearTimeout(timers.current.get(id))
    timers.current.delete(id)
    setNotices((list) => list.filter((n) => n.id !== id))
  }, [])

  /** Shows n in place of any notice with its id; unless sticky, it goes after NOTICE_MS. */
  const notify = useCallback(
    (n: Notice, sticky = false) => {
      setNotices((list) => [...list.filter((x) => x.id !== n.id), n])
      if (sticky) return
      clearTimeout(timers.current.get(n.id))
      timers.current.set(n.id, setTimeout(() => dismiss(n.id), NOTICE_MS))
    },
    [dismiss],
  )

  const ended = useCallback(
    (s: Session, alreadyEnded = false) => {
      setSessions((list) => list.filter((x) => x.id !== s.id))
      notify(endedText(s, alreadyEnded))
    },
    [notify],
  )

  const refresh = useCallback(async () => {
    try {
      const list = await activeSessions()
      setSessions(list.filter((s) => !s.ended_at).sort(byExpiry))
      setError('')
    } catch (e) {
      setError(errorMessage(e))
    }
  }, [])

  useEffect(() => {
    void refresh()
  }, [refresh])

  // What the window holds, for event handlers that compare with it.
  const current = useRef<Session[]>([])
  useEffect(() => {
    current.current = sessions
  }, [sessions])

  // A session Guise just started. Its note, if any, says how it was opened
  // (e.g. in the system browser because no isolated one could start): the
  // agent must see that, so it stays until dismissed. An awaiting session's
  // note is what to do in the dashboard, which its banner line shows.
  const started = useCallback(
    (s: Session) => {
      upsert(s)
      if (isAwaiting(s)) return
      const note = s.note?.trim()
      if (note) notify({ id: `${s.id}:opened`, text: note, tone: 'warn' }, true)
    },
    [upsert, notify],
  )

  useEffect(() => {
    const pending = timers.current
    return () => pending.forEach((t) => clearTimeout(t))
  }, [])

  // session:started for a session that was waiting for the dashboard: the
  // provider reported it (with its real expiry); say what it reported.
  const attached = useCallback(
    (s: Session) => {
      const was = current.current.find((x) => x.id === s.id)
      upsert(s)
      const note = s.note?.trim()
      if (!was || !isAwaiting(was) || isAwaiting(s) || !note) return
      notify({ id: `${s.id}:attached`, text: `Started in the dashboard: ${note}.`.replace(/\.\.$/, '.'), tone: 'info' })
    },
    [upsert, notify],
  )

  useEvent('session:started', attached)
  useEvent('session:updated', upsert)
  useEvent('session:ended', (s) => ended(s))
  useEvent('session:expiring', (s) => {
    upsert(s)
    setExpiring((set) => new Set(set).add(s.id))
  })

  const value = useMemo<ActiveSessionsValue>(
    () => ({
      sessions,
      expiring,
      notices,
      error,
      add: started,
      stopped: (r) => ended(r.session, r.already_ended),
      stopPending,
      dismiss,
      refresh,
    }),
    [sessions, expiring, notices, error, started, ended, stopPending, dismiss, refresh],
  )
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>
}
