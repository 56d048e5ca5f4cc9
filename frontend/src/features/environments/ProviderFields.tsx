import { describedBy, Field } from '@/components/ui'
import { hintOf, type FieldTarget, type FormValues, type ProviderSpec } from './providers'

type Props = {
  spec: ProviderSpec
  values: FormValues
  errors: Record<string, string>
  onChange: (target: FieldTarget, value: string) => void
  /** Prefix of input ids and test ids, so two forms on one screen never share an id. */
  idPrefix: string
  /** Overrides the secret field's hint and whether it is required (Edit keeps the stored secret when it is left empty). */
  secret?: { hint: string; required: boolean }
}

/** The inputs a provider needs, shared by the Add and Edit forms. The secret is a password input that nothing prefills. */
export function ProviderFields({ spec, values, errors, onChange, idPrefix, secret: secretOverride }: Props) {
  return (
    <>
      {spec.fields.map((f) => {
        const id = `${idPrefix}-${f.target.replace('.', '-')}`
        const secret = f.target === 'secret'
        const hint = secret && secretOverride ? secretOverride.hint : hintOf(f, values)
        const required = secret && secretOverride ? secretOverride.required : f.required
        return (
          <Field key={`${spec.value}-${f.target}`} id={id} label={f.label} required={required} hint={hint} error={errors[f.target]}>
            <input
              id={id}
              data-testid={id}
              type={secret ? 'password' : 'text'}
              autoComplete={secret ? 'new-password' : 'off'}
              spellCheck={false}
              placeholder={f.placeholder}
              value={values[f.target] ?? ''}
              onChange={(e) => onChange(f.target, e.target.value)}
              {...describedBy(id, errors[f.target], hint)}
            />
          </Field>
        )
      })}
    </>
  )
}
