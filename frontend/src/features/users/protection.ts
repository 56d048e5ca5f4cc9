import type { Policy, User } from '@/lib/types'

/**
 * Why policy protects user, for a badge in the result list, or ''. It mirrors
 * the backend's rule set; the user panel shows the backend's own verdict
 * (UserDetail.protected), which is what Impersonate obeys.
 */
export function protectedHint(user: User, policy: Policy | undefined): string {
  if (!policy) return ''
  const role = user.role.toLowerCase()
  if (role && policy.protected_roles.some((r) => r.toLowerCase() === role)) return `protected role ${user.role}`
  const at = user.email.lastIndexOf('@')
  if (at >= 0) {
    const domain = user.email.slice(at + 1).toLowerCase()
    if (policy.protected_domains.some((d) => d.replace(/^@/, '').toLowerCase() === domain)) return `protected domain ${domain}`
  }
  const email = user.email.toLowerCase()
  if (policy.protected_users.some((u) => u === user.id || u.toLowerCase() === email)) return 'on the protected users list'
  if (user.metadata?.guise_protected?.toLowerCase() === 'true') return 'marked protected at the provider'
  return ''
}
