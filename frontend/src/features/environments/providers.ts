// What the Add and Edit forms ask for, per provider. `target` says where the
// value goes in Environments.Add/Edit: base_url, secret, or a key of settings.
import type { BackendError, EnvInput, EnvView } from '@/lib/types'

export type FieldTarget = 'base_url' | 'secret' | `settings.${string}`

export type ProviderField = {
  target: FieldTarget
  label: string
  placeholder?: string
  /** A fixed hint, or one computed from what is typed so far (keyed by target). */
  hint?: string | ((values: Partial<Record<string, string>>) => string)
  required: boolean
}

export type ProviderSpec = {
  value: string
  label: string
  fields: ProviderField[]
  note?: string
}

/** Optional for providers whose adapter honours it (app/app.go requestTimeout). */
const TIMEOUT: ProviderField = {
  target: 'settings.timeout',
  label: 'Request timeout',
  placeholder: '30s',
  hint: 'Optional: how long one request may take, from 500ms to 5m, like 45s for a slow tenant. Empty: 30s.',
  required: false,
}

export function hintOf(f: ProviderField, values: Partial<Record<string, string>>): string | undefined {
  return typeof f.hint === 'function' ? f.hint(values) : f.hint
}

export const PROVIDERS: ProviderSpec[] = [
  {
    value: 'demo',
    label: 'Demo (built in)',
    note: 'The demo identity provider Guise serves itself, with seeded users.',
    fields: [{ target: 'base_url', label: 'Base URL', placeholder: 'http://127.0.0.1:7777', hint: 'Where the demo server listens.', required: true }],
  },
  {
    value: 'clerk',
    label: 'Clerk',
    note: "Clerk's free plan allows 5 impersonations a month; Guise counts this month's per environment.",
    fields: [
      { target: 'secret', label: 'Secret key', placeholder: 'sk_live_…', hint: 'Clerk Dashboard → API keys.', required: true },
      {
        target: 'settings.actor_user_id',
        label: 'Support account user ID',
        placeholder: 'user_…',
        hint: 'The Clerk user, in this same instance, that Clerk records as the impersonator.',
        required: true,
      },
      { target: 'base_url', label: 'API base URL', placeholder: 'https://api.clerk.com/v1', hint: 'Leave empty for Clerk’s own.', required: false },
    ],
  },
  {
    value: 'auth0',
    label: 'Auth0',
    note: 'Guise signs in to the Management API with a machine-to-machine application, and starts sessions in the application your agents use.',
    fields: [
      {
        target: 'settings.domain',
        label: 'Tenant domain',
        placeholder: 'acme.us.auth0.com',
        hint: 'Like TENANT.REGION.auth0.com (Auth0 Dashboard → Settings), not a custom domain.',
        required: true,
      },
      { target: 'settings.client_id', label: 'Client ID', hint: 'A machine-to-machine application authorized for the Management API.', required: true },
      { target: 'secret', label: 'Client secret', hint: 'Of that machine-to-machine application.', required: true },
      { target: 'settings.target_client_id', label: 'Target application client ID', hint: 'The application agents sign in to as the customer.', required: true },
      {
        target: 'settings.impersonator_id',
        label: 'Your Auth0 user ID',
        placeholder: 'auth0|…',
        hint: 'Optional: the agent Auth0 records as the impersonator.',
        required: false,
      },
      {
        target: 'settings.global_client_id',
        label: 'Global client ID',
        hint: "Optional: the tenant's legacy global client, for legacy impersonation. Its secret is read only from GUISE_SECRET_<NAME>_GLOBAL when Guise runs.",
        required: false,
      },
      { target: 'settings.callback_url', label: 'Callback URL', placeholder: 'https://app.example.com/callback', hint: 'Optional: a callback the target application allows.', required: false },
      {
        target: 'base_url',
        label: 'API base URL',
        placeholder: 'https://acme.us.auth0.com',
        hint: (v) => {
          const d = (v['settings.domain'] ?? '').trim().replace(/^https?:\/\//, '').replace(/\/+$/, '')
          return `Leave empty for https://${d || '{domain}'}.`
        },
        required: false,
      },
      TIMEOUT,
    ],
  },
  {
    value: 'workos',
    label: 'WorkOS',
    note:
      'WorkOS has no API to start an impersonation: Guise records your reason, opens the user’s Impersonate dialog in the WorkOS dashboard, and watches WorkOS’s events until you start it there. ' +
      'Impersonation must be enabled in the dashboard (Authentication → User Impersonation), and you must be a member of the dashboard with the same email as your agent email in Guise.',
    fields: [
      {
        target: 'secret',
        label: 'API key',
        placeholder: 'sk_…',
        hint: 'WorkOS Dashboard → API Keys: the secret key (sk_…) of this environment, with the Events read permission.',
        required: true,
      },
      {
        target: 'settings.environment_id',
        label: 'Environment ID',
        placeholder: 'environment_01H…',
        hint: 'Open the environment (Production or Staging) in the WorkOS dashboard: it is the part after dashboard.workos.com/ in the address.',
        required: true,
      },
      {
        target: 'settings.event_wait',
        label: 'Dashboard wait',
        placeholder: '10m',
        hint: 'Optional: how long Guise watches for the impersonation you start in the dashboard, from 1s to 60m. Empty: 10m.',
        required: false,
      },
      { target: 'base_url', label: 'API base URL', placeholder: 'https://api.workos.com', hint: 'Leave empty for https://api.workos.com.', required: false },
      TIMEOUT,
    ],
  },
  {
    value: 'asgardeo',
    label: 'Asgardeo / WSO2 IS',
    note:
      'Impersonating asks you to sign in to Asgardeo in your browser, as yourself with the impersonator role; Guise then checks that the token names the user and you. ' +
      'Asgardeo may email the user when an impersonation starts (Organization settings → Impersonation).',
    fields: [
      {
        target: 'settings.org',
        label: 'Organization name',
        placeholder: 'acme',
        hint: 'The tenant name, as in https://api.asgardeo.io/t/{org}. For WSO2 Identity Server, its tenant, like carbon.super.',
        required: true,
      },
      {
        target: 'settings.client_id',
        label: 'Client ID',
        hint: 'Of a Management Application with the Client Credential and Token Exchange grants and the User Impersonation API authorized.',
        required: true,
      },
      { target: 'secret', label: 'Client secret', hint: 'Of that application.', required: true },
      {
        target: 'settings.app_url',
        label: 'Business application URL',
        placeholder: 'https://app.example.com',
        hint: 'Optional: the application opened for you as the user once impersonation starts. Empty: the user’s My Account.',
        required: false,
      },
      {
        target: 'settings.my_account_url',
        label: 'My Account URL',
        placeholder: 'https://myaccount.asgardeo.io/t/acme',
        hint: 'Optional: where My Account lives, when not the usual place.',
        required: false,
      },
      {
        target: 'settings.signin_timeout',
        label: 'Sign-in timeout',
        placeholder: '3m',
        hint: 'Optional: how long Guise waits for you to finish signing in in the browser, up to 30m. Empty: 3m.',
        required: false,
      },
      {
        target: 'settings.requests_per_minute',
        label: 'Requests per minute',
        placeholder: '200',
        hint: 'Optional: 200 on Asgardeo; 0 for a self-hosted server without limits. Empty: 200.',
        required: false,
      },
      {
        target: 'base_url',
        label: 'API base URL',
        placeholder: 'https://api.asgardeo.io/t/acme',
        hint: (v) => {
          const org = (v['settings.org'] ?? '').trim()
          return `Leave empty for https://api.asgardeo.io/t/${org || '{org}'}; for a self-hosted WSO2 Identity Server, its address, like https://host:9443.`
        },
        required: false,
      },
      TIMEOUT,
    ],
  },
]

export function providerSpec(value: string): ProviderSpec {
  return PROVIDERS.find((p) => p.value === value) ?? PROVIDERS[0]
}

/** The provider's name, for lists of environments. */
export function providerLabel(value: string): string {
  return PROVIDERS.find((p) => p.value === value)?.label ?? value
}

/** The form key of a backend error field: "client_id" and "settings.client_id" both name that input. */
function fieldFor(spec: ProviderSpec, errorField: string): FieldTarget | 'name' | undefined {
  if (errorField === 'name') return 'name'
  return spec.fields.find((f) => f.target === errorField || f.target === `settings.${errorField}`)?.target
}

/** What a form holds, keyed by field target (and "name"). */
export type FormValues = Partial<Record<FieldTarget | 'name', string>>

const SETTINGS = 'settings.'

/** The fields of spec that are missing, as errors keyed by target. A form that keeps the stored secret when left empty passes secretOptional. */
export function missingFields(spec: ProviderSpec, values: FormValues, opts: { secretOptional?: boolean } = {}): Record<string, string> {
  const found: Record<string, string> = {}
  for (const f of spec.fields) {
    if (!f.required || (f.target === 'secret' && opts.secretOptional)) continue
    if (!(values[f.target] ?? '').trim()) found[f.target] = `${f.label} is required.`
  }
  return found
}

/**
 * The EnvInput for what the form holds: values trimmed (the secret as typed),
 * and empty optional settings left out so Go drops them. An empty secret means
 * "none given" (Edit keeps the stored one).
 */
export function inputFrom(spec: ProviderSpec, name: string, values: FormValues): EnvInput {
  const input: EnvInput = { name, provider: spec.value, base_url: '', settings: {}, secret: '' }
  for (const f of spec.fields) {
    const v = f.target === 'secret' ? (values.secret ?? '') : (values[f.target] ?? '').trim()
    if (f.target === 'base_url') input.base_url = v
    else if (f.target === 'secret') input.secret = v
    else if (v !== '' || f.required) input.settings[f.target.slice(SETTINGS.length)] = v
  }
  return input
}

/** The form values of a stored environment: its base URL and the settings the form shows. Never the secret, which the UI does not have. */
export function valuesOf(spec: ProviderSpec, env: EnvView): FormValues {
  const values: FormValues = {}
  for (const f of spec.fields) {
    if (f.target === 'base_url') values.base_url = env.base_url
    else if (f.target !== 'secret') values[f.target] = env.settings[f.target.slice(SETTINGS.length)] ?? ''
  }
  return values
}

/** Settings of env that spec has no field for (set with guise env add --set), which an edit keeps as they are. */
export function otherSettings(spec: ProviderSpec, env: EnvView): Record<string, string> {
  const shown = new Set(spec.fields.map((f) => f.target))
  return Object.fromEntries(Object.entries(env.settings).filter(([k]) => k !== 'builtin' && !shown.has(`${SETTINGS}${k}`)))
}

/** A Go error as form errors: on the field it names when the form has it, else for the whole form. */
export function formErrors(spec: ProviderSpec, err: BackendError): Record<string, string> {
  const field = err.field ? fieldFor(spec, err.field) : undefined
  return field ? { [field]: err.message } : { form: err.message }
}
