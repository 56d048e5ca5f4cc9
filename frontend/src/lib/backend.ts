// The one module that talks to Go. Every other file calls the typed functions
// below; only this file imports the generated Wails bindings, so a change in
// the generated code is absorbed here.
//
// Every function returns a promise that rejects with a BackendError
// ({code, message, field?, rule?}), whatever the bridge rejected with
// (see errors.ts).
import { useEffect, useRef } from 'react'
import * as EnvironmentsGo from '../../wailsjs/go/app/Environments'
import * as HistoryGo from '../../wailsjs/go/app/History'
import * as ImpersonationGo from '../../wailsjs/go/app/Impersonation'
import * as SettingsGo from '../../wailsjs/go/app/Settings'
import * as SyncGo from '../../wailsjs/go/app/Sync'
import * as SystemGo from '../../wailsjs/go/app/System'
import * as UsersGo from '../../wailsjs/go/app/Users'
import { EventsOn } from '../../wailsjs/runtime/runtime'
import { toBackendError } from './errors'
import type {
  Agent,
  AuditRecord,
  BrowserMode,
  ChainStatus,
  CheckResult,
  EnvInput,
  EnvView,
  EventMap,
  EventName,
  ExportFormat,
  HistoryFilter,
  Info,
  Policy,
  Session,
  SettingsView,
  StartInput,
  StopResult,
  User,
  UserDetail,
} from './types'

// The generated functions are typed against models.ts classes; they are called
// through this loose signature and their results typed by the contract.
type GoFn = (...args: any[]) => Promise<unknown>

async function call<T>(fn: GoFn, ...args: unknown[]): Promise<T> {
  try {
    return (await fn(...args)) as T
  } catch (e) {
    throw toBackendError(e)
  }
}

// Go encodes nil slices and maps as null; the UI always gets empty ones.
const arr = <T>(v: T[] | null | undefined): T[] => v ?? []

function normUser(u: User): User {
  return { ...u, organizations: arr(u.organizations), metadata: u.metadata ?? {} }
}

function normPolicy(p: Policy): Policy {
  return {
    ...p,
    protected_roles: arr(p.protected_roles),
    protected_domains: arr(p.protected_domains),
    protected_users: arr(p.protected_users),
    agent_daily_limit: p.agent_daily_limit ?? 0,
    env_monthly_limit: p.env_monthly_limit ?? 0,
  }
}

const UNKNOWN_REACH = { state: 'unknown', detail: '', since: null }

function normEnv(e: EnvView): EnvView {
  return { ...e, settings: e.settings ?? {}, reachability: e.reachability ?? UNKNOWN_REACH }
}

// System

/** Tells Go the window is up; call once on mount. */
export const ready = () => call<Info>(SystemGo.Ready)

// Environments

export const listEnvironments = async () => arr(await call<EnvView[] | null>(EnvironmentsGo.List)).map(normEnv)
export const addEnvironment = async (input: EnvInput) => normEnv(await call<EnvView>(EnvironmentsGo.Add, input))
/** Replaces env's base URL and settings (send them all); an empty secret keeps the stored one. Name and provider stay. */
export const editEnvironment = async (input: EnvInput) => normEnv(await call<EnvView>(EnvironmentsGo.Edit, input))
export const removeEnvironment = (name: string) => call<void>(EnvironmentsGo.Remove, name)
export const testEnvironment = async (name: string) => arr(await call<CheckResult[] | null>(EnvironmentsGo.Test, name))
export const setCurrentEnvironment = (name: string) => call<void>(EnvironmentsGo.SetCurrent, name)

// Users

export const searchUsers = async (env: string, query: string, limit: number) =>
  arr(await call<User[] | null>(UsersGo.Search, env, query, limit)).map(normUser)

export const getUser = async (env: string, user: string): Promise<UserDetail> => {
  const d = await call<UserDetail>(UsersGo.Get, env, user)
  return {
    ...d,
    user: normUser(d.user),
    sessions: arr(d.sessions),
    policy: normPolicy(d.policy),
    activity: arr(d.activity),
    activity_note: d.activity_note ?? '',
  }
}

// Impersonation

export const startImpersonation = (input: StartInput) => call<Session>(ImpersonationGo.Start, input)
export const stopImpersonation = (id: string) => call<StopResult>(ImpersonationGo.Stop, id)
export const stopAllImpersonations = async () => arr(await call<StopResult[] | null>(ImpersonationGo.StopAll))
export const activeSessions = async () => arr(await call<Session[] | null>(ImpersonationGo.Active))

// Sync

export const startSync = (env: string) => call<void>(SyncGo.Start, env)
export const cancelSync = (env: string) => call<void>(SyncGo.Cancel, env)

// History

export const listHistory = async (f: HistoryFilter) => arr(await call<Session[] | null>(HistoryGo.List, f))
export const listAudit = async (limit: number) => arr(await call<AuditRecord[] | null>(HistoryGo.Audit, limit))
export const verifyAudit = () => call<ChainStatus>(HistoryGo.Verify)
/** Opens the native save dialog; resolves to the saved path, '' when cancelled. */
export const exportHistory = (format: ExportFormat, f: HistoryFilter) => call<string>(HistoryGo.Export, format, f)

// Settings

export const getSettings = async (): Promise<SettingsView> => {
  const s = await call<SettingsView>(SettingsGo.Get)
  return { ...s, policy: normPolicy(s.policy), reason_templates: arr(s.reason_templates), browser: s.browser ?? { mode: 'system', isolated: '' } }
}
export const setAgent = (a: Agent) => call<void>(SettingsGo.SetAgent, a)
/** The policy in force for env (its own, else the default); '' is the default policy. */
export const getPolicy = async (env: string) => normPolicy(await call<Policy>(SettingsGo.Policy, env))
export const setPolicy = (env: string, p: Policy) => call<void>(SettingsGo.SetPolicy, env, p)
export const setReasonTemplates = (t: string[]) => call<void>(SettingsGo.SetReasonTemplates, t)
/** Where impersonations open: the system browser or an isolated profile. */
export const setBrowser = (mode: BrowserMode) => call<void>(SettingsGo.SetBrowser, mode)

// Events

/**
 * Subscribes fn to a Go event for the lifetime of the component. It
 * unsubscribes with the function EventsOn returns, never EventsOff(name),
 * which would remove every other listener of that event too.
 */
export function useEvent<K extends EventName>(name: K, fn: (payload: EventMap[K]) => void): void {
  const latest = useRef(fn)
  useEffect(() => {
    latest.current = fn
  })
  useEffect(() => {
    let off: (() => void) | undefined
    try {
      off = EventsOn(name, (payload: EventMap[K]) => latest.current(payload))
    } catch {
      // window.runtime is missing: the page runs outside Wails; no events come.
    }
    return () => off?.()
  }, [name])
}
