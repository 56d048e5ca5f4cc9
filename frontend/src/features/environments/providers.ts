// What the Add form asks for, per provider. `target` says where the value goes
// in Environments.Add: base_url, secret, or a key of settings.

export type FieldTarget = 'base_url' | 'secret' | `settings.${string}`

export type ProviderField = {
  target: FieldTarget
  label: string
  placeholder?: string
  hint?: string
  required: boolean
}

export type ProviderSpec = { value: string; label: string; fields: ProviderField[]; note?: string }

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
    value: 'workos',
    label: 'WorkOS',
    note: 'WorkOS has no impersonation API: Guise opens the dashboard, where you confirm the reason again.',
    fields: [
      { target: 'secret', label: 'API key', placeholder: 'sk_…', hint: 'WorkOS Dashboard → API Keys.', required: true },
      { target: 'settings.environment_id', label: 'Environment ID', placeholder: 'environment_01H…', hint: 'Used for the dashboard links.', required: true },
    ],
  },
  {
    value: 'auth0',
    label: 'Auth0',
    fields: [
      { target: 'base_url', label: 'Domain', placeholder: 'your-tenant.eu.auth0.com', required: true },
      { target: 'settings.client_id', label: 'Client ID', hint: 'A machine-to-machine application authorized for the Management API.', required: true },
      { target: 'secret', label: 'Client secret', required: true },
    ],
  },
  {
    value: 'asgardeo',
    label: 'Asgardeo / WSO2 IS',
    fields: [
      { target: 'base_url', label: 'Base URL', placeholder: 'https://api.asgardeo.io/t/your-org', required: true },
      { target: 'settings.client_id', label: 'Client ID', required: true },
      { target: 'secret', label: 'Client secret', required: true },
    ],
  },
]

export function providerSpec(value: string): ProviderSpec {
  return PROVIDERS.find((p) => p.value === value) ?? PROVIDERS[0]
}

export function providerLabel(value: string): string {
  return PROVIDERS.find((p) => p.value === value)?.label ?? value
}

/** The form key of a backend error field: "client_id" and "settings.client_id" both name that input. */
export function fieldFor(spec: ProviderSpec, errorField: string): FieldTarget | 'name' | undefined {
  if (errorField === 'name') return 'name'
  return spec.fields.find((f) => f.target === errorField || f.target === `settings.${errorField}`)?.target
}
