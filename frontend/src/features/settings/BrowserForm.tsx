import { useState, type FormEvent } from 'react'
import { ErrorNote } from '@/components/ui'
import { setBrowser } from '@/lib/backend'
import type { BrowserInfo, BrowserMode } from '@/lib/types'
import { SaveRow } from './SaveRow'
import { useSave } from './useSave'

/**
 * Where impersonations open: the agent's own browser, or a browser of its own
 * with a throwaway profile, so the agent's sign-ins are untouched and nothing
 * leaks between sessions. Says which browser that would be, or that none is
 * installed (then Guise falls back to the system browser with a notice).
 */
export function BrowserForm({ initial }: { initial: BrowserInfo }) {
  const [mode, setMode] = useState<BrowserMode>(initial.mode === 'isolated' ? 'isolated' : 'system')
  const save = useSave(setBrowser)
  const err = save.backendError

  const submit = (e: FormEvent) => {
    e.preventDefault()
    save.mutate(mode)
  }

  const option = (value: BrowserMode, label: string, hint: string) => (
    <label className="choice">
      <input type="radio" name="browser-mode" value={value} data-testid={`browser-${value}-radio`} checked={mode === value} onChange={() => setMode(value)} />
      <span>
        <span className="choice-label">{label}</span>
        <span className="field-hint">{hint}</span>
      </span>
    </label>
  )

  return (
    <form className="form card" onSubmit={submit} data-testid="browser-form">
      <h2>Browser</h2>
      {err && <ErrorNote message={err.message} />}
      <fieldset className="choices">
        <legend className="field-label">Open impersonation in</legend>
        {option('system', 'System browser', 'Your default browser, with your own sign-ins and cookies.')}
        {option('isolated', 'Isolated profile', 'A separate browser with a fresh profile per session, closed and deleted when the session ends.')}
      </fieldset>
      {initial.isolated ? (
        <p className="muted small" data-testid="browser-isolated">
          Isolated sessions use {initial.isolated}.
        </p>
      ) : (
        <p className="blocked" role="status" data-testid="browser-isolated">
          No Chromium, Google Chrome, Microsoft Edge or Firefox is installed, so isolated sessions open in the system browser{mode === 'isolated' ? ' (each start says so)' : ''}. Install one of them to isolate sessions.
        </p>
      )}
      <SaveRow label="Save browser" saved={save.isSuccess} pending={save.isPending} testId="browser-save" />
    </form>
  )
}
