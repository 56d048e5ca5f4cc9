import { useState, type FormEvent } from 'react'
import { ErrorNote, Field } from '@/components/ui'
import { setReasonTemplates } from '@/lib/backend'
import { SaveRow } from './SaveRow'
import { useSave } from './useSave'

/** Reasons agents pick with one click in the Impersonate dialog; one per line. */
export function TemplatesForm({ initial }: { initial: string[] }) {
  const [text, setText] = useState(initial.join('\n'))
  const save = useSave(setReasonTemplates)

  const submit = (e: FormEvent) => {
    e.preventDefault()
    const lines = text.split('\n').map((l) => l.trim()).filter(Boolean)
    save.mutate([...new Set(lines)])
  }

  return (
    <form className="form card" onSubmit={submit} data-testid="templates-form">
      <h2>Reason templates</h2>
      {save.backendError && <ErrorNote message={save.backendError.message} />}
      <Field id="templates" label="Templates" hint="One per line. They appear as quick picks under the reason; agents can still edit the text.">
        <textarea id="templates" data-testid="templates-input" rows={5} value={text} onChange={(e) => setText(e.target.value)} aria-describedby="templates-hint" />
      </Field>
      <SaveRow label="Save templates" saved={save.isSuccess} pending={save.isPending} />
    </form>
  )
}
