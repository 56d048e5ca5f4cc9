// Small presentational pieces shared by every screen.
import type { ReactNode } from 'react'

export function Badge({ tone = 'neutral', children, title }: { tone?: 'neutral' | 'warn' | 'danger' | 'ok' | 'info'; children: ReactNode; title?: string }) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  )
}

/** What is missing and what to do about it. */
export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty" role="status">
      <p className="empty-title">{title}</p>
      {children && <div className="empty-body">{children}</div>}
      {action && <div className="empty-action">{action}</div>}
    </div>
  )
}

/** A message from the backend (already safe to show), as an alert. */
export function ErrorNote({ message, children, testId }: { message: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="error-note" role="alert" data-testid={testId}>
      <span>{message}</span>
      {children}
    </div>
  )
}

/** A labelled form control with its hint and its inline error. */
export function Field({
  id,
  label,
  hint,
  error,
  required,
  aside,
  children,
}: {
  id: string
  label: string
  hint?: ReactNode
  error?: string
  required?: boolean
  aside?: ReactNode
  children: ReactNode
}) {
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <div className="field-head">
        <label htmlFor={id}>
          {label}
          {required && <span className="required" aria-hidden="true"> *</span>}
        </label>
        {aside}
      </div>
      {children}
      {hint && !error && <div className="field-hint" id={`${id}-hint`}>{hint}</div>}
      {error && (
        <div className="field-error" id={`${id}-error`} role="alert" data-testid={`${id}-error`}>
          {error}
        </div>
      )}
    </div>
  )
}

/** aria props linking a control to its Field's hint or error. */
export function describedBy(id: string, error?: string, hint?: unknown): { 'aria-invalid'?: true; 'aria-describedby'?: string } {
  if (error) return { 'aria-invalid': true, 'aria-describedby': `${id}-error` }
  if (hint) return { 'aria-describedby': `${id}-hint` }
  return {}
}
