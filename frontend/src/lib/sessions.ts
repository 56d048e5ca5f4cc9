import type { Session } from './types'

/** Whether s waits for the agent to start it in the provider's dashboard (WorkOS). */
export const isAwaiting = (s: Session) => !!s.awaiting_until && !s.provider_ref
