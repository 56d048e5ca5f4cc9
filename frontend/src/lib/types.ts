// Types of the JSON that crosses the Wails bridge. They mirror the Go structs'
// JSON tags; they are declared here, not taken from wailsjs/go/models.ts, so
// the UI does not depend on the generated classes.

/** RFC 3339 timestamp. */
export type Timestamp = string

export type ProviderName = 'demo' | 'clerk' | 'workos' | 'auth0' | 'asgardeo'

export type Agent = { email: string; name: string }

export type Org = { id: string; name: string; role?: string }

export type UserStatus = 'active' | 'suspended'

export type User = {
  env: string
  id: string
  email: string
  name: string
  role: string
  status: UserStatus | string
  organizations: Org[]
  metadata?: Record<string, string>
  updated_at: Timestamp
}

export type EndReason = '' | 'stopped' | 'expired' | 'revoked' | 'failed'

export type Session = {
  id: string
  env: string
  provider: string
  user_id: string
  user_email: string
  user_name: string
  org_id: string
  org_name: string
  agent_email: string
  reason: string
  ticket: string
  started_at: Timestamp
  expires_at: Timestamp
  ended_at: Timestamp | null
  end_reason: EndReason
  provider_ref: string
  /** Why it failed, what the provider could not do, why a stop is pending, how it was opened, or what to do in the dashboard. */
  note?: string
  /** Set while a stop the provider has not confirmed is retried; the session still runs. */
  revoke_pending_since?: Timestamp | null
  /**
   * Set while Guise waits for the provider to report a start the agent makes
   * in its dashboard (WorkOS): no provider_ref yet, expires_at is the end of
   * the wait, and note holds what to do there. Cleared once attached.
   */
  awaiting_until?: Timestamp | null
  /** Started outside Guise, in the provider's dashboard, and imported from its events. */
  outside?: boolean
}

export type Policy = {
  enabled: boolean
  reason_min_length: number
  ticket_required: boolean
  ticket_pattern: string
  max_minutes: number
  default_minutes: number
  protected_roles: string[]
  protected_domains: string[]
  protected_users: string[]
  /** Sessions one agent may start a day; 0: no limit. */
  agent_daily_limit: number
  /** Sessions the environment may start a month; 0: no limit. */
  env_monthly_limit: number
}

export type CheckResult = { name: string; ok: boolean; detail: string }

export type ReachState = 'ok' | 'offline' | 'unknown'

/** Whether Guise reached the environment's provider the last time it tried (in memory, per run). */
export type Reachability = {
  state: ReachState | string
  /** What failed, in plain words; '' when ok or unknown. */
  detail: string
  /** When this state began; null while unknown. */
  since: Timestamp | null
}

/** Payload of env:status. */
export type EnvStatus = { env: string; reachability: Reachability }

export type EnvView = {
  name: string
  provider: ProviderName | string
  base_url: string
  settings: Record<string, string>
  has_secret: boolean
  secret_where: string
  builtin: boolean
  users: number
  last_synced_at: Timestamp | null
  last_error: string
  /** This Guise's sessions in the environment since the 1st of the month (UTC), failed ones excepted. */
  impersonations_this_month: number
  reachability: Reachability
}

export type EnvInput = {
  name: string
  provider: string
  base_url: string
  settings: Record<string, string>
  secret: string
}

export type Info = { version: string; home: string; current_env: string; agent: Agent }

/** One event of the provider's own log about a user (e.g. Auth0's "s", a sign-in), imported after syncs. */
export type ProviderEvent = {
  env: string
  id: string
  user_id: string
  at: Timestamp
  /** In plain words: "signed in", "signed out", "failed sign-in"… */
  kind: string
  /** The provider's own code for it. */
  code: string
  description: string
  /** The application, by name where the provider gives one. */
  client: string
  ip: string
}

export type UserDetail = {
  user: User
  sessions: Session[]
  /** '' when the user may be impersonated, else why not. */
  protected: string
  policy: Policy
  /** Recent activity at the provider, newest first. */
  activity: ProviderEvent[]
  /** Why no activity is imported (e.g. a missing scope); '' otherwise. */
  activity_note: string
}

export type StartInput = {
  env: string
  user: string
  org: string
  reason: string
  ticket: string
  minutes: number
}

export type StopResult = {
  session: Session
  already_ended: boolean
  /** What the provider did, in plain words. */
  detail?: string
}

export type SyncProgress = {
  env: string
  users: number
  orgs: number
  pages: number
  /** users at the provider for a full run; 0 when unknown */
  total: number
  /** users per second */
  rate: number
  /** -1 when unknown */
  eta_seconds: number
  done: boolean
  error: { code: string; message: string } | null
}

export type HistoryFilter = {
  env: string
  agent: string
  user: string
  text: string
  end_reason: string
  /** 'YYYY-MM-DD' or '' */
  from: string
  /** 'YYYY-MM-DD' or '' */
  to: string
  limit: number
}

export type AuditRecord = {
  seq: number
  at: Timestamp
  kind: string
  env: string
  agent: string
  user_id: string
  user_email: string
  org_id: string
  org_name: string
  session_id: string
  reason: string
  ticket: string
  rule: string
  detail: string
  prev_hash: string
  hash: string
}

export type ChainStatus = { intact: boolean; count: number; broken_at: number; detail: string }

export type BrowserMode = 'system' | 'isolated'

export type BrowserInfo = {
  mode: BrowserMode | string
  /** The browser an isolated session would use, e.g. "Chromium (/usr/bin/chromium)"; '' when none is installed. */
  isolated: string
}

export type SettingsView = { agent: Agent; policy: Policy; reason_templates: string[]; browser: BrowserInfo }

export type ExportFormat = 'csv' | 'json'

/** Every error the backend rejects with, after normalisation. */
export type BackendError = {
  code: string
  message: string
  field?: string
  rule?: string
}

/** Payloads of the events Go emits, by event name. */
export type EventMap = {
  'session:started': Session
  'session:ended': Session
  'session:expiring': Session
  /** A running session changed, e.g. its stop is now pending. */
  'session:updated': Session
  'env:status': EnvStatus
  'sync:progress': SyncProgress
  'sync:done': SyncProgress
}

export type EventName = keyof EventMap
