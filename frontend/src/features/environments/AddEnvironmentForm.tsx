import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { describedBy, ErrorNote, Field } from '@/components/ui'
import { addEnvironment } from '@/lib/backend'
import { toBackendError } from '@/lib/errors'
import { keys } from '@/lib/queries'
import type { EnvView } from '@/lib/types'
import { ProviderFields } from './ProviderFields'
import { formErrors, inputFrom, missingFields, PROVIDERS, providerSpec, type FieldTarget, type FormValues } from './providers'

/** The names Go accepts (app/environments.go). */
const ENV_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/

/** Connects a new environment. The secret goes to Go (and on to the keychain) and is then forgotten here. */
export function AddEnvironmentForm({ onAdded, onCancel }: { onAdded: (e: EnvView) => void; onCancel?: () => void }) {
  const qc = useQueryClient()
  const [provider, setProvider] = useState('clerk')
  const [values, setValues] = useState<FormValues>({})
  const [errors, setErrors] = useState<Record<string, string>>({})
  const spec = providerSpec(provider)

  const add = useMutation({
    mutationFn: addEnvironment,
    onSuccess: (env) => {
      setValues({})
      void qc.invalidateQueries({ queryKey: keys.environments })
      onAdded(env)
    },
    onError: (e) => {
      setErrors(formErrors(spec, toBackendError(e)))
      setValues((v) => ({ ...v, secret: '' }))
    },
  })

  const submit = (e: FormEvent) => {
    e.preventDefault()
    const found = missingFields(spec, values)
    const name = (values.name ?? '').trim()
    if (!name) found.name = 'Give the environment a short name, e.g. "prod" or "staging".'
    else if (!ENV_NAME.test(name)) found.name = 'Use lowercase letters, digits and dashes (up to 40), starting with a letter or digit.'
    setErrors(found)
    if (Object.keys(found).length) return
    add.mutate(inputFrom(spec, name, values))
  }

  const set = (k: FieldTarget | 'name', v: string) => setValues((old) => ({ ...old, [k]: v }))

  return (
    <form className="form card" onSubmit={submit} noValidate data-testid="add-env-form">
      <h2>Add an environment</h2>
      {errors.form && <ErrorNote message={errors.form} />}
      <div className="form-row">
        <Field id="env-name" label="Name" required error={errors.name}>
          <input id="env-name" data-testid="env-name" value={values.name ?? ''} autoComplete="off" placeholder="prod" onChange={(e) => set('name', e.target.value)} {...describedBy('env-name', errors.name)} />
        </Field>
        <Field id="env-provider" label="Provider" required>
          <select
            id="env-provider"
            data-testid="env-provider"
            value={provider}
            onChange={(e) => {
              setProvider(e.target.value)
              setErrors({})
            }}
          >
            {PROVIDERS.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </Field>
      </div>
      {spec.note && <p className="muted">{spec.note}</p>}
      <ProviderFields spec={spec} values={values} errors={errors} onChange={set} idPrefix="env" />
      <p className="muted small">Secrets go to the OS keychain only; Guise never shows them again.</p>
      <div className="form-actions">
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" className="primary" disabled={add.isPending} data-testid="env-add-submit">
          {add.isPending ? 'Adding…' : 'Add environment'}
        </button>
      </div>
    </form>
  )
}
