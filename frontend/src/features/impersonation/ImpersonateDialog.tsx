import { useRef, useState, type FormEvent } from 'react'
import { Dialog } from '@/components/Dialog'
import { describedBy, ErrorNote, Field } from '@/components/ui'
import { startImpersonation } from '@/lib/backend'
import { toBackendError } from '@/lib/errors'
import type { Session, UserDetail } from '@/lib/types'
import { reasonLength, serverErrors, validate, type FormErrors, type FormValues } from './validate'

type Props = {
  env: string
  /** The environment's provider: Asgardeo's start waits for the agent's sign-in, WorkOS's opens its dashboard. */
  provider?: string
  /** The environment's signin_timeout setting (Asgardeo), '' for the default. */
  signinTimeout?: string
  detail: UserDetail
  /** Quick picks for the reason (Settings → Reason templates). */
  templates: string[]
  onClose: () => void
  onStarted: (s: Session) => void
}

/** What the agent will see once they confirm, by provider. */
function startHint(provider: string | undefined): string {
  if (provider === 'asgardeo') return 'Asgardeo asks you to sign in in your browser first, and may email the user.'
  if (provider === 'workos') return 'Opens the WorkOS dashboard, where you start it; Guise waits for it.'
  return 'Opens in your browser; stop it from the banner at any time.'
}

/** Asgardeo's default wait for the agent's sign-in (backend/asgardeo). */
const DEFAULT_SIGNIN_TIMEOUT = '3m'

/** Org, reason, ticket and duration, checked here and again by Go, then Impersonation.Start. */
export function ImpersonateDialog({ env, provider, signinTimeout, detail, templates, onClose, onStarted }: Props) {
  const { user, policy } = detail
  const orgs = user.organizations
  const [values, setValues] = useState<FormValues>({
    org: orgs.length === 1 ? orgs[0].id : '',
    reason: '',
    ticket: '',
    minutes: String(policy.default_minutes),
  })
  const [errors, setErrors] = useState<FormErrors>({})
  const [busy, setBusy] = useState(false)
  const reasonRef = useRef<HTMLTextAreaElement>(null)

  const set = (k: keyof FormValues, v: string) => {
    setValues((old) => ({ ...old, [k]: v }))
    const field = k === 'minutes' ? 'duration' : k
    if (errors[field])
      setErrors((old) => {
        const next = { ...old }
        delete next[field]
        return next
      })
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const found = validate(values, policy, orgs)
    setErrors(found)
    if (Object.keys(found).length > 0) return
    setBusy(true)
    try {
      const session = await startImpersonation({
        env,
        user: user.id,
        org: values.org,
        reason: values.reason.trim(),
        ticket: values.ticket.trim(),
        minutes: Number(values.minutes),
      })
      onStarted(session)
    } catch (err) {
      setErrors(serverErrors(toBackendError(err)))
      setBusy(false)
    }
  }

  // Asgardeo's Impersonation.Start answers only once the agent has signed in
  // in the browser (or the sign-in failed or timed out): say so meanwhile.
  const signIn = provider === 'asgardeo'
  const n = reasonLength(values.reason)
  const min = policy.reason_min_length
  const ticketHint = policy.ticket_pattern ? `Format: ${policy.ticket_pattern}` : policy.ticket_required ? 'Required here' : 'Optional'

  return (
    <Dialog title={`Impersonate ${user.email}`} onClose={onClose} testId="impersonate-dialog">
      <form className="dialog-body form" onSubmit={submit} noValidate>
        {errors.form && <ErrorNote message={errors.form} testId="impersonate-error" />}
        {busy && (
          <div className="dialog-waiting" role="status" data-testid="impersonate-pending">
            {signIn ? (
              <>
                <strong>Finish signing in in your browser…</strong>
                <span>
                  Sign in to Asgardeo as yourself in the page Guise opened. Guise waits up to {signinTimeout || DEFAULT_SIGNIN_TIMEOUT}, then checks the token and opens
                  the session. Closing this dialog does not stop the sign-in; the banner shows how it ends.
                </span>
              </>
            ) : (
              <strong>Starting…</strong>
            )}
          </div>
        )}

        {orgs.length > 1 ? (
          <Field id="org" label="Organization" required error={errors.org}>
            <select
              id="org"
              data-testid="org-select"
              data-autofocus
              value={values.org}
              onChange={(e) => set('org', e.target.value)}
              {...describedBy('org', errors.org)}
            >
              <option value="">Choose an organization…</option>
              {orgs.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                  {o.role ? ` (${o.role})` : ''}
                </option>
              ))}
            </select>
          </Field>
        ) : (
          <div className="field">
            <span className="field-label">Organization</span>
            <span>{orgs.length === 1 ? orgs[0].name : 'None: the user is in no organization.'}</span>
            {errors.org && <div className="field-error" role="alert" data-testid="org-error">{errors.org}</div>}
          </div>
        )}

        <Field
          id="reason"
          label="Reason"
          required
          error={errors.reason}
          hint="Recorded in the audit log with your name."
          aside={
            <span className={`counter${n >= min ? ' ok' : ''}`} data-testid="reason-counter">
              {n} / {min}
            </span>
          }
        >
          <textarea
            id="reason"
            ref={reasonRef}
            data-testid="reason-input"
            data-autofocus={orgs.length > 1 ? undefined : true}
            rows={3}
            value={values.reason}
            placeholder="What the customer asked for, in a sentence"
            onChange={(e) => set('reason', e.target.value)}
            {...describedBy('reason', errors.reason, true)}
          />
        </Field>
        {templates.length > 0 && (
          <div className="templates" aria-label="Reason templates">
            {templates.map((t) => (
              <button
                type="button"
                key={t}
                className="chip"
                onClick={() => {
                  set('reason', t)
                  reasonRef.current?.focus()
                }}
              >
                {t}
              </button>
            ))}
          </div>
        )}

        <div className="form-row">
          <Field id="ticket" label="Ticket" required={policy.ticket_required} error={errors.ticket} hint={ticketHint}>
            <input
              id="ticket"
              data-testid="ticket-input"
              value={values.ticket}
              autoComplete="off"
              placeholder="SUP-1234"
              onChange={(e) => set('ticket', e.target.value)}
              {...describedBy('ticket', errors.ticket, ticketHint)}
            />
          </Field>
          <Field id="duration" label="Duration (minutes)" error={errors.duration} hint={`Up to ${policy.max_minutes} minutes`}>
            <input
              id="duration"
              data-testid="duration-input"
              type="number"
              min={1}
              max={policy.max_minutes}
              step={1}
              value={values.minutes}
              onChange={(e) => set('minutes', e.target.value)}
              {...describedBy('duration', errors.duration, true)}
            />
          </Field>
        </div>

        <div className="dialog-actions">
          <span className="muted" data-testid="impersonate-hint">
            {startHint(provider)}
          </span>
          <button type="button" onClick={onClose}>
            {busy ? 'Close and keep waiting' : 'Cancel'}
          </button>
          <button type="submit" className="primary" data-testid="confirm-impersonate" disabled={busy}>
            {busy ? (signIn ? 'Waiting for your sign-in…' : 'Starting…') : 'Start impersonation'}
          </button>
        </div>
      </form>
    </Dialog>
  )
}
