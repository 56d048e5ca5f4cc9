// Plain words for the audit log's kinds and the policy rules that refuse,
// as Go names them (backend/guise/audit.go, policy.go). The raw names stay
// available as tooltips: they are what exports and `guise audit` show.

type Tone = 'neutral' | 'warn' | 'danger' | 'ok' | 'info'

const KINDS: Record<string, { label: string; tone: Tone }> = {
  'session.started': { label: 'started', tone: 'info' },
  'session.stopped': { label: 'stopped', tone: 'neutral' },
  'session.expired': { label: 'expired', tone: 'neutral' },
  'session.failed': { label: 'failed', tone: 'danger' },
  'session.revoked': { label: 'ended by the provider', tone: 'warn' },
  'session.stop_pending': { label: 'stop pending', tone: 'warn' },
  'session.awaiting': { label: 'waiting for the dashboard', tone: 'info' },
  'session.imported': { label: 'started outside Guise', tone: 'info' },
  'impersonation.refused': { label: 'refused', tone: 'danger' },
  'environment.added': { label: 'environment added', tone: 'neutral' },
  'environment.removed': { label: 'environment removed', tone: 'neutral' },
  'policy.changed': { label: 'policy changed', tone: 'neutral' },
  'agent.changed': { label: 'agent changed', tone: 'neutral' },
}

const RULES: Record<string, string> = {
  impersonation_disabled: 'impersonation switched off',
  agent_required: 'agent not set',
  reason_min_length: 'reason too short',
  ticket_required: 'ticket required',
  ticket_pattern: 'ticket format',
  max_duration: 'longer than allowed',
  user_suspended: 'user suspended',
  protected_user: 'protected user',
  org_required: 'organization required',
  org_not_member: 'not in that organization',
  concurrent_session: 'already being impersonated',
  unknown_user: 'unknown user',
  agent_daily_limit: 'agent’s daily limit reached',
  env_monthly_limit: 'monthly limit reached',
  provider_unsupported: 'the provider does not allow it',
}

export const isRefusal = (kind: string) => kind.endsWith('.refused')

/** The label and tone of an audit kind; an unknown kind shows as it is. */
export function kindLabel(kind: string): { label: string; tone: Tone } {
  return KINDS[kind] ?? { label: kind, tone: isRefusal(kind) ? 'danger' : 'neutral' }
}

/** The rule that refused, in words; an unknown rule with its underscores spaced. */
export function ruleLabel(rule: string): string {
  return RULES[rule] ?? rule.replace(/_/g, ' ')
}
