import type { BackendError, Org, Policy } from '@/lib/types'

export type FormField = 'org' | 'reason' | 'ticket' | 'duration'
export type FormErrors = Partial<Record<FormField | 'form', string>>

export type FormValues = { org: string; reason: string; ticket: string; minutes: string }

/** Characters as people count them (not UTF-16 units), ignoring outer spaces, like the backend. */
export function reasonLength(reason: string): number {
  return [...reason.trim()].length
}

function ticketRegExp(pattern: string): RegExp | null {
  if (!pattern) return null
  try {
    return new RegExp(pattern)
  } catch {
    return null // a pattern JS cannot read; the backend still checks it
  }
}

/** The checks the backend will make on the form, so the agent hears them first. */
export function validate(v: FormValues, policy: Policy, orgs: Org[]): FormErrors {
  const errors: FormErrors = {}
  if (orgs.length > 1 && !v.org) errors.org = 'Choose the organization to sign in to.'
  const n = reasonLength(v.reason)
  if (n === 0) errors.reason = `A reason is required (at least ${policy.reason_min_length} characters).`
  else if (n < policy.reason_min_length) errors.reason = `The reason is too short: ${n} characters, at least ${policy.reason_min_length} are required.`
  const ticket = v.ticket.trim()
  const pattern = ticketRegExp(policy.ticket_pattern)
  if (policy.ticket_required && !ticket) errors.ticket = 'A ticket reference is required in this environment.'
  else if (ticket && pattern && !pattern.test(ticket)) errors.ticket = `The ticket does not match the required pattern ${policy.ticket_pattern}.`
  const minutes = Number(v.minutes)
  if (!Number.isInteger(minutes) || minutes < 1) errors.duration = 'The duration must be a whole number of minutes, at least 1.'
  else if (minutes > policy.max_minutes) errors.duration = `At most ${policy.max_minutes} minutes in this environment.`
  return errors
}

const FIELD_ALIASES: Record<string, FormField> = {
  org: 'org',
  organization: 'org',
  org_id: 'org',
  reason: 'reason',
  ticket: 'ticket',
  duration: 'duration',
  minutes: 'duration',
}

/** Places a backend error next to the field it names, or at the top of the form. */
export function serverErrors(e: BackendError): FormErrors {
  const field = e.field ? FIELD_ALIASES[e.field] : undefined
  return field ? { [field]: e.message } : { form: e.message }
}
