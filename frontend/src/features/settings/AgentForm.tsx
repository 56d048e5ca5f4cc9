import { useState, type FormEvent } from 'react'
import { describedBy, ErrorNote, Field } from '@/components/ui'
import { setAgent } from '@/lib/backend'
import type { Agent } from '@/lib/types'
import { SaveRow } from './SaveRow'
import { useSave } from './useSave'

/** Who is using Guise; every impersonation and audit record carries it. */
export function AgentForm({ initial }: { initial: Agent }) {
  const [agent, setDraft] = useState(initial)
  const [invalid, setInvalid] = useState('')
  const save = useSave(setAgent)
  const err = save.backendError
  const emailError = invalid || (err?.field === 'email' ? err.message : '')

  const submit = (e: FormEvent) => {
    e.preventDefault()
    const email = agent.email.trim()
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
      setInvalid('Enter your work email, e.g. you@company.com.')
      return
    }
    setInvalid('')
    save.mutate({ email, name: agent.name.trim() })
  }

  return (
    <form className="form card" onSubmit={submit} noValidate data-testid="agent-form">
      <h2>Agent</h2>
      <p className="muted">Who you are. Recorded with every impersonation, and shown to the customer app’s staff bar.</p>
      {err && !err.field && <ErrorNote message={err.message} />}
      <div className="form-row">
        <Field id="agent-email" label="Email" required error={emailError}>
          <input id="agent-email" data-testid="agent-email" type="email" value={agent.email} onChange={(e) => setDraft({ ...agent, email: e.target.value })} {...describedBy('agent-email', emailError)} />
        </Field>
        <Field id="agent-name" label="Name" error={err?.field === 'name' ? err.message : undefined}>
          <input id="agent-name" data-testid="agent-name" value={agent.name} onChange={(e) => setDraft({ ...agent, name: e.target.value })} />
        </Field>
      </div>
      <SaveRow label="Save agent" saved={save.isSuccess} pending={save.isPending} testId="agent-save" />
    </form>
  )
}
