// Query keys and the reads more than one screen shares. Features keep their
// own reads next to them; Go events invalidate these keys (app/useBackendEvents).
import { queryOptions } from '@tanstack/react-query'
import { getPolicy, getSettings, listEnvironments, ready } from './backend'
import type { HistoryFilter } from './types'

export const keys = {
  info: ['info'] as const,
  environments: ['environments'] as const,
  settings: ['settings'] as const,
  policies: ['policy'] as const,
  policy: (env: string) => ['policy', env] as const,
  users: ['user'] as const,
  user: (env: string, id: string) => ['user', env, id] as const,
  history: ['history'] as const,
  historyList: (f: HistoryFilter) => ['history', 'list', f] as const,
  audit: ['history', 'audit'] as const,
  chain: ['history', 'chain'] as const,
}

/** System.Ready: asked once per run (staleTime Infinity), which also tells Go the window is up. */
export const infoQuery = queryOptions({ queryKey: keys.info, queryFn: ready, staleTime: Infinity })

export const environmentsQuery = queryOptions({ queryKey: keys.environments, queryFn: listEnvironments })

export const settingsQuery = queryOptions({ queryKey: keys.settings, queryFn: getSettings })

/** Settings.Policy: the policy in force for env ('' for the default one). */
export const policyQuery = (env: string) => queryOptions({ queryKey: keys.policy(env), queryFn: () => getPolicy(env) })
