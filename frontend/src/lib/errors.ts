// Errors as the UI sees them. Pure: no Wails imports, so components and tests
// use it directly.
import type { BackendError } from './types'

export const INTERNAL_MESSAGE = 'Something went wrong inside Guise. Details are in the log.'
const UNREACHABLE_MESSAGE = 'Guise’s backend is not reachable. Restart Guise; if it keeps happening, see the log.'

function isErrorShape(v: unknown): v is BackendError {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { code?: unknown }).code === 'string' &&
    typeof (v as { message?: unknown }).message === 'string'
  )
}

function pick(v: BackendError): BackendError {
  const out: BackendError = { code: v.code, message: v.message || INTERNAL_MESSAGE }
  if (typeof v.field === 'string' && v.field !== '') out.field = v.field
  if (typeof v.rule === 'string' && v.rule !== '') out.rule = v.rule
  return out
}

/**
 * Turns whatever a bound method rejected with into a BackendError. Go's
 * ErrorFormatter sends {code, message, field?, rule?}; a string is either
 * that object as JSON or an unformatted Go error, whose text is never shown.
 */
export function toBackendError(e: unknown): BackendError {
  if (isErrorShape(e)) return pick(e)
  if (typeof e === 'string') {
    try {
      const parsed: unknown = JSON.parse(e)
      if (isErrorShape(parsed)) return pick(parsed)
    } catch {
      // not JSON: an unformatted error; fall through
    }
    return { code: 'internal', message: INTERNAL_MESSAGE }
  }
  // A TypeError here means window.go is missing: the page runs outside Wails.
  if (e instanceof TypeError) return { code: 'unavailable', message: UNREACHABLE_MESSAGE }
  return { code: 'internal', message: INTERNAL_MESSAGE }
}

/** The message to show for any caught error. */
export function errorMessage(e: unknown): string {
  return toBackendError(e).message
}

