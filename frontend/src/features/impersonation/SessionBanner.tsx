import { useEffect, useRef, useState } from 'react'
import { stopAllImpersonations, stopImpersonation } from '@/lib/backend'
import { toBackendError } from '@/lib/errors'
import { formatCountdown, secondsUntil } from '@/lib/format'
import { useNow } from '@/lib/hooks'
import type { Session, StopResult } from '@/lib/types'
import { isAwaiting } from '@/lib/sessions'
import { useActiveSessions } from './ActiveSessions'

/** Under this many seconds left, the banner turns to a warning. */
export const WARN_SECONDS = 5 * 60

/** Providers whose impersonations start in their own dashboard, by name. */
const DASHBOARDS: Record<string, string> = { workos: 'WorkOS' }

/** When s runs out: the end of the wait for the dashboard, else its expiry. */
const deadline = (s: Session) => (isAwaiting(s) && s.awaiting_until) || s.expires_at

/**
 * The strip above every screen: one line per running impersonation with a
 * live countdown and Stop, then what just ended.
 */
export function SessionBanner() {
  const { sessions, expiring, notices, error, dismiss, refresh } = useActiveSessions()
  const now = useNow(1000)

  // When a countdown reaches zero, Go has ended the session (or is about to):
  // ask once for the running sessions rather than trusting the local clock.
  const refreshed = useRef(new Set<string>())
  useEffect(() => {
    const due = sessions.filter((s) => secondsUntil(deadline(s), now) <= 0 && !refreshed.current.has(s.id))
    if (due.length === 0) return
    due.forEach((s) => refreshed.current.add(s.id))
    void refresh()
  }, [now, sessions, refresh])

  if (sessions.length === 0 && notices.length === 0 && !error) return null
  return (
    <div className="session-banner" data-testid="session-banner" role="region" aria-label="Active impersonations">
      {sessions.map((s) => (
        <BannerItem key={s.id} session={s} left={secondsUntil(deadline(s), now)} warned={expiring.has(s.id)} />
      ))}
      {sessions.length > 1 && (
        <div className="banner-all">
          <StopButton label="Stop all" testId="banner-stop-all" className="danger-outline" stop={stopAllImpersonations} onPending={() => void refresh()} />
        </div>
      )}
      {notices.map((n) => (
        <div key={n.id} className={`banner-notice ${n.tone}`} role="status" data-testid="banner-notice">
          <span>{n.text}</span>
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
      {error && (
        <div className="banner-notice warn" role="alert">
          Could not load the running impersonations: {error}
        </div>
      )}
    </div>
  )
}

/** The note of a pending stop, without Go's prefix: why the provider has not confirmed. */
function pendingReason(s: Session): string {
  return (s.note ?? '').replace(/^stop not confirmed yet:\s*/i, '').trim()
}

function BannerItem({ session, left, warned }: { session: Session; left: number; warned: boolean }) {
  if (isAwaiting(session)) return <WaitingItem session={session} left={left} />
  if (session.revoke_pending_since) return <PendingItem session={session} left={left} />
  const warning = warned || left <= WARN_SECONDS
  return (
    <div className={`banner-item${warning ? ' warning' : ''}`} data-testid="banner-item" data-warning={warning || undefined}>
      <span className="banner-dot" aria-hidden="true" />
      <span className="banner-text">
        Impersonating <strong>{session.user_email || session.user_id}</strong>
        {session.org_name && <> · {session.org_name}</>} · <span className="countdown" data-testid="banner-countdown">{formatCountdown(left)}</span> left
        <span className="banner-env"> in {session.env}</span>
      </span>
      <StopOne session={session} label="Stop" className="danger" />
    </div>
  )
}

/**
 * A start the agent makes in the provider's dashboard (WorkOS), which Guise
 * waits for: nothing runs yet, so there is no countdown of the session and no
 * expiry warning, only the time left to start it there and what to do.
 * Cancel calls the same Stop, which ends it locally (nothing to revoke).
 */
function WaitingItem({ session, left }: { session: Session; left: number }) {
  const dashboard = DASHBOARDS[session.provider] ?? session.provider
  const instructions = session.note?.trim()
  return (
    <div className="banner-item awaiting" data-testid="banner-item" data-awaiting>
      <span className="banner-dot" aria-hidden="true" />
      <span className="banner-text">
        <span data-testid="banner-awaiting">
          Waiting for the {dashboard} dashboard… to impersonate <strong>{session.user_email || session.user_id}</strong>
          {session.org_name && <> · {session.org_name}</>} · <span data-testid="banner-await-left">{formatCountdown(left)}</span> left to start it there
          <span className="banner-env"> in {session.env}</span>
        </span>
        {instructions && (
          <span className="banner-instructions" data-testid="banner-instructions">
            {instructions}
          </span>
        )}
      </span>
      <StopOne session={session} label="Cancel" busyLabel="Canceling…" className="danger-outline" />
    </div>
  )
}

/**
 * A session whose stop the provider has not confirmed: it may still be live
 * there, so it stays in the banner, marked as stopping, while Go retries
 * until the provider confirms or the session expires.
 */
function PendingItem({ session, left }: { session: Session; left: number }) {
  const reason = pendingReason(session)
  return (
    <div className="banner-item pending" data-testid="banner-item" data-pending>
      <span className="banner-dot" aria-hidden="true" />
      <span className="banner-text" title={reason || undefined}>
        Stopping <strong>{session.user_email || session.user_id}</strong>… the provider has not confirmed yet; retrying.
        {reason && <span data-testid="banner-pending-reason"> {reason.endsWith('.') ? reason : `${reason}.`}</span>}
        <span className="banner-env">
          {' '}
          Ends by expiry in <span className="countdown" data-testid="banner-countdown">{formatCountdown(left)}</span> at the latest, in {session.env}
        </span>
      </span>
      <StopOne session={session} label="Retry stop" className="danger-outline" />
    </div>
  )
}

/** Stops one session; a stop the provider has not confirmed marks it pending. */
function StopOne({ session, label, busyLabel, className }: { session: Session; label: string; busyLabel?: string; className: string }) {
  const { stopPending } = useActiveSessions()
  return (
    <StopButton
      label={label}
      busyLabel={busyLabel}
      testId="banner-stop"
      className={className}
      stop={async () => [await stopImpersonation(session.id)]}
      onPending={(message) => stopPending(session.id, message)}
    />
  )
}

/** A stop button that records what stopped and shows why a stop failed. */
function StopButton({
  label,
  busyLabel = 'Stopping…',
  testId,
  className,
  stop,
  onPending,
}: {
  label: string
  busyLabel?: string
  testId: string
  className: string
  stop: () => Promise<StopResult[]>
  /** A stop the provider has not confirmed: not a failure, Go keeps retrying. */
  onPending: (message: string) => void
}) {
  const { stopped } = useActiveSessions()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  const onClick = async () => {
    setBusy(true)
    setError('')
    try {
      const results = await stop()
      results.forEach((r) => stopped(r))
    } catch (e) {
      const err = toBackendError(e)
      if (err.code === 'revoke_pending') onPending(err.message)
      else setError(err.message)
    }
    setBusy(false)
  }
  return (
    <>
      {error && (
        <span className="banner-error" role="alert">
          {error}
        </span>
      )}
      <button type="button" className={className} data-testid={testId} disabled={busy} onClick={onClick}>
        {busy ? busyLabel : label}
      </button>
    </>
  )
}
