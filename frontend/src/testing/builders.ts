// Builders of contract objects for tests: sensible defaults, override what matters.
import type { AuditRecord, EnvView, Policy, Session, SettingsView, User, UserDetail } from '@/lib/types'

export function makePolicy(p: Partial<Policy> = {}): Policy {
  return {
    enabled: true,
    reason_min_length: 10,
    ticket_required: false,
    ticket_pattern: '',
    max_minutes: 60,
    default_minutes: 30,
    protected_roles: ['admin'],
    protected_domains: [],
    protected_users: [],
    agent_daily_limit: 0,
    env_monthly_limit: 0,
    ...p,
  }
}

export function makeUser(u: Partial<User> = {}): User {
  const id = u.id ?? 'user_1'
  return {
    env: 'demo',
    id,
    email: `${id}@acme.test`,
    name: 'Ada Lovelace',
    role: 'member',
    status: 'active',
    organizations: [{ id: 'org_1', name: 'Acme', role: 'member' }],
    metadata: {},
    updated_at: '2025-01-01T00:00:00Z',
    ...u,
  }
}

export function makeUsers(n: number): User[] {
  return Array.from({ length: n }, (_, i) =>
    makeUser({ id: `user_${i}`, email: `user${i}@acme.test`, name: `User ${i}` }),
  )
}

export function makeDetail(d: Partial<UserDetail> = {}): UserDetail {
  return { user: makeUser(), sessions: [], protected: '', policy: makePolicy(), activity: [], activity_note: '', ...d }
}

export function makeSession(s: Partial<Session> = {}): Session {
  return {
    id: 'sess_1',
    env: 'demo',
    provider: 'demo',
    user_id: 'user_1',
    user_email: 'ada@acme.test',
    user_name: 'Ada Lovelace',
    org_id: 'org_1',
    org_name: 'Acme',
    agent_email: 'agent@example.com',
    reason: 'Customer reports a broken invoice page',
    ticket: 'SUP-1',
    started_at: '2025-01-01T12:00:00Z',
    expires_at: '2025-01-01T12:30:00Z',
    ended_at: null,
    end_reason: '',
    provider_ref: 'ref_1',
    ...s,
  }
}

export function makeEnv(e: Partial<EnvView> = {}): EnvView {
  return {
    name: 'demo',
    provider: 'demo',
    base_url: 'http://127.0.0.1:7777',
    settings: {},
    has_secret: true,
    secret_where: 'built in',
    builtin: true,
    users: 120,
    last_synced_at: '2025-01-01T11:57:00Z',
    last_error: '',
    impersonations_this_month: 0,
    reachability: { state: 'ok', detail: '', since: '2025-01-01T11:00:00Z' },
    ...e,
  }
}

export function makeSettings(s: Partial<SettingsView> = {}): SettingsView {
  return {
    agent: { email: 'agent@example.com', name: 'Agent' },
    policy: makePolicy(),
    reason_templates: ['Customer asked for help with billing'],
    browser: { mode: 'system', isolated: 'Chromium (/usr/bin/chromium)' },
    ...s,
  }
}

export function makeAudit(r: Partial<AuditRecord> = {}): AuditRecord {
  const seq = r.seq ?? 1
  return {
    seq,
    at: '2025-01-01T12:00:00Z',
    kind: 'session.started',
    env: 'demo',
    agent: 'sam@x',
    user_id: 'u',
    user_email: 'ada@acme.test',
    org_id: '',
    org_name: '',
    session_id: '',
    reason: 'help',
    ticket: '',
    rule: '',
    detail: '',
    prev_hash: '',
    hash: `h${seq}`,
    ...r,
  }
}
