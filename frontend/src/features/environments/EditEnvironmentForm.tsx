import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { describedBy, ErrorNote, Field } from '@/components/ui'
import { editEnvironment } from '@/lib/backend'
import { toBackendError } from '@/lib/errors'
import { keys } from '@/lib/queries'
import type { EnvView } from '@/lib/types'
import { ProviderFields } from './ProviderFields'
import { formErrors, inputFrom, missingFields, otherSettings, providerLabel, providerSpec, valuesOf, type FieldTarget, type FormValues } from './providers'

const KEEP_SECRET_HINT = 'Leave empty to keep the current secret.'
const NO_SECRET_HINT = 'No secret is stored for this environment; enter it.'

type Props = { env: EnvView; onDone: () => void }

/**
 * Changes an environment's base URL, settings and, when one is typed, its
 * secret. Name and provider stay (Go refuses to change them). The stored
 * secret never reaches the UI, so the secret field starts empty.
 */
export function EditEnvironmentForm({ env, onDone }: Props) {
  const qc = useQueryClient()
  const spec = providerSpec(env.provider)
  const [values, setValues] = useState<FormValues>(() => valuesOf(spec, env))
  const [errors, setErrors] = useState<Record<string, string>>({})
  const kept = otherSettings(spec, env)
  const keptNames = Object.keys(kept)
  const hasSecretField = spec.fields.some((f) => f.target === 'secret')
  // Per environment, so two rows being edited at once never share an input id.
  const id = `env-edit-${env.name}`

  const edit = useMutation({
    mutationFn: editEnvironment,
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: keys.environments })
      onDone()
    },
    onError: (e) => {
      setErrors(formErrors(spec, toBackendError(e)))
      setValues((v) => ({ ...v, secret: '' }))
    },
  })

  const submit = (e: FormEvent) => {
    e.preventDefault()
    const found = missingFields(spec, values, { secretOptional: env.has_secret })
    setErrors(found)
    if (Object.keys(found).length) return
    const input = inputFrom(spec, env.name, values)
    // Go replaces the whole settings map: settings this form does not show are sent back unchanged.
    input.settings = { ...kept, ...input.settings }
    edit.mutate(input)
  }

  const set = (k: FieldTarget, v: string) => setValues((old) => ({ ...old, [k]: v }))

  return (
    <form className="form card" onSubmit={submit} noValidate data-testid="edit-env-form" aria-label={`Edit ${env.name}`}>
      <h2>Edit {env.name}</h2>
      {errors.form && <ErrorNote message={errors.form} />}
      <div className="form-row">
        <Field id={`${id}-name`} label="Name" hint="An environment keeps its name." error={errors.name}>
          <input id={`${id}-name`} data-testid={`${id}-name`} value={env.name} readOnly {...describedBy(`${id}-name`, errors.name, true)} />
        </Field>
        <Field id={`${id}-provider`} label="Provider" hint="To use another provider, add a new environment.">
          <input id={`${id}-provider`} data-testid={`${id}-provider`} value={providerLabel(env.provider)} readOnly {...describedBy(`${id}-provider`, undefined, true)} />
        </Field>
      </div>
      <ProviderFields
        spec={spec}
        values={values}
        errors={errors}
        onChange={set}
        idPrefix={id}
        secret={env.has_secret ? { hint: KEEP_SECRET_HINT, required: false } : { hint: NO_SECRET_HINT, required: true }}
      />
      {keptNames.length > 0 && (
        <p className="muted small" data-testid={`${id}-kept`}>
          Also kept as they are: {keptNames.join(', ')} (set from the command line).
        </p>
      )}
      {hasSecretField && <p className="muted small">A new secret replaces the old one in the OS keychain; Guise never shows either.</p>}
      <div className="form-actions">
        <button type="button" data-testid="env-edit-cancel" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={edit.isPending} data-testid="env-edit-submit">
          {edit.isPending ? 'Saving…' : 'Save changes'}
        </button>
      </div>
    </form>
  )
}
