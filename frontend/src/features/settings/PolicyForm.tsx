import { useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { describedBy, ErrorNote, Field } from '@/components/ui'
import { setPolicy } from '@/lib/backend'
import { errorMessage } from '@/lib/errors'
import { keys, policyQuery } from '@/lib/queries'
import type { EnvView, Policy } from '@/lib/types'
import { SaveRow } from './SaveRow'
import { useSave } from './useSave'

type ListKey = 'protected_roles' | 'protected_domains' | 'protected_users'
type NumKey = 'reason_min_length' | 'max_minutes' | 'default_minutes' | 'agent_daily_limit' | 'env_monthly_limit'

const splitList = (s: string) => [...new Set(s.split(/[\n,]/).map((x) => x.trim()).filter(Boolean))]

/**
 * The policy of one environment, or the default one that environments
 * without their own follow: pick which, then edit every field of it.
 */
export function PolicyForm({ envs }: { envs: EnvView[] }) {
  const [env, setEnv] = useState('')
  const q = useQuery(policyQuery(env))
  return (
    <section className="form card" data-testid="policy-form" aria-labelledby="policy-title">
      <h2 id="policy-title">Policy</h2>
      <div className="form-row">
        <Field id="policy-env" label="Applies to">
          <select id="policy-env" data-testid="policy-env" value={env} onChange={(e) => setEnv(e.target.value)}>
            <option value="">Default (every environment without its own)</option>
            {envs.map((e) => (
              <option key={e.name} value={e.name}>
                {e.name} only
              </option>
            ))}
          </select>
        </Field>
      </div>
      <p className="muted">
        {env
          ? `Starts from the policy in force in ${env}; saving gives ${env} its own.`
          : 'Checked before Guise asks the provider, and recorded in the audit log when it refuses.'}
      </p>
      {q.isError && <ErrorNote message={errorMessage(q.error)} />}
      {q.isPending && <p className="muted">Loading…</p>}
      {/* keyed: another environment starts a fresh form from its own policy */}
      {q.data && <PolicyEditor key={env} env={env} initial={q.data} />}
    </section>
  )
}

function PolicyEditor({ env, initial }: { env: string; initial: Policy }) {
  const [p, setP] = useState(initial)
  const [lists, setLists] = useState<Record<ListKey, string>>({
    protected_roles: initial.protected_roles.join('\n'),
    protected_domains: initial.protected_domains.join('\n'),
    protected_users: initial.protected_users.join('\n'),
  })
  const [nums, setNums] = useState<Record<NumKey, string>>({
    reason_min_length: String(initial.reason_min_length),
    max_minutes: String(initial.max_minutes),
    default_minutes: String(initial.default_minutes),
    agent_daily_limit: String(initial.agent_daily_limit),
    env_monthly_limit: String(initial.env_monthly_limit),
  })
  const [invalid, setInvalid] = useState<Record<string, string>>({})
  // User details carry the policy in force (the Impersonate button): refresh them too.
  const save = useSave((v: Policy) => setPolicy(env, v), [keys.policies, keys.users])
  const err = save.backendError
  const errorOf = (k: string) => invalid[k] || (err?.field === k ? err.message : undefined)

  const submit = (e: FormEvent) => {
    e.preventDefault()
    const found: Record<string, string> = {}
    const n = {} as Record<NumKey, number>
    for (const k of Object.keys(nums) as NumKey[]) {
      n[k] = Number(nums[k])
      if (nums[k].trim() === '' || !Number.isInteger(n[k]) || n[k] < 0) found[k] = 'Enter a whole number.'
    }
    if (!found.max_minutes && n.max_minutes < 1) found.max_minutes = 'At least 1 minute.'
    if (!found.default_minutes && !found.max_minutes && (n.default_minutes < 1 || n.default_minutes > n.max_minutes))
      found.default_minutes = `Between 1 and the maximum (${n.max_minutes}).`
    setInvalid(found)
    if (Object.keys(found).length) return
    save.mutate({
      ...p,
      ...n,
      ticket_pattern: p.ticket_pattern.trim(),
      protected_roles: splitList(lists.protected_roles),
      protected_domains: splitList(lists.protected_domains),
      protected_users: splitList(lists.protected_users),
    })
  }

  const num = (k: NumKey, label: string, hint: string) => (
    <Field id={k} label={label} hint={hint} error={errorOf(k)}>
      <input id={k} data-testid={`policy-${k}`} type="number" min={0} value={nums[k]} onChange={(e) => setNums({ ...nums, [k]: e.target.value })} {...describedBy(k, errorOf(k), hint)} />
    </Field>
  )
  const list = (k: ListKey, label: string, hint: string) => (
    <Field id={k} label={label} hint={hint} error={errorOf(k)}>
      <textarea id={k} data-testid={`policy-${k}`} rows={3} value={lists[k]} onChange={(e) => setLists({ ...lists, [k]: e.target.value })} {...describedBy(k, errorOf(k), hint)} />
    </Field>
  )

  return (
    <form className="form" onSubmit={submit} noValidate>
      {err && !err.field && <ErrorNote message={err.message} />}
      <label className="check">
        <input type="checkbox" data-testid="policy-enabled" checked={p.enabled} onChange={(e) => setP({ ...p, enabled: e.target.checked })} /> Impersonation allowed
      </label>
      <div className="form-row">
        {num('reason_min_length', 'Minimum reason length', 'Characters.')}
        {num('default_minutes', 'Default duration', 'Minutes.')}
        {num('max_minutes', 'Maximum duration', 'Minutes.')}
      </div>
      <div className="form-row">
        {num('agent_daily_limit', 'Sessions per agent per day', '0: no limit. Resets at midnight.')}
        {num('env_monthly_limit', 'Sessions per month', `0: no limit. Counts every agent's sessions in ${env || 'the environment'}; resets on the 1st.`)}
      </div>
      <label className="check">
        <input type="checkbox" data-testid="policy-ticket_required" checked={p.ticket_required} onChange={(e) => setP({ ...p, ticket_required: e.target.checked })} /> A ticket is required
      </label>
      <Field id="ticket_pattern" label="Ticket pattern" hint="A regular expression tickets must match, e.g. ^SUP-[0-9]+$. Empty: any." error={errorOf('ticket_pattern')}>
        <input id="ticket_pattern" data-testid="policy-ticket_pattern" className="mono" value={p.ticket_pattern} onChange={(e) => setP({ ...p, ticket_pattern: e.target.value })} {...describedBy('ticket_pattern', errorOf('ticket_pattern'), true)} />
      </Field>
      <div className="form-row">
        {list('protected_roles', 'Protected roles', 'One per line. Users with these roles cannot be impersonated.')}
        {list('protected_domains', 'Protected email domains', 'One per line, e.g. yourcompany.com.')}
        {list('protected_users', 'Protected users', 'Emails or ids, one per line.')}
      </div>
      <SaveRow label="Save policy" saved={save.isSuccess} pending={save.isPending} testId="policy-save" />
    </form>
  )
}
