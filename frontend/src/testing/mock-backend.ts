// The test double of src/lib/backend.ts. Use it in a test with
//   vi.mock('@/lib/backend', () => import('@/testing/mock-backend'))
// then set answers with vi.mocked(fn).mockResolvedValue(...) and push Go
// events with emit(name, payload).
import { act } from '@testing-library/react'
import { useEffect, useRef } from 'react'
import { vi } from 'vitest'
import type { EventMap, EventName } from '@/lib/types'
import { makeEnv, makePolicy, makeSettings } from './builders'

export const ready = vi.fn(async () => ({
  version: 'test',
  home: '/tmp/guise',
  current_env: 'demo',
  agent: { email: 'agent@example.com', name: 'Agent' },
}))
export const listEnvironments = vi.fn(async () => [makeEnv()])
export const addEnvironment = vi.fn(async () => makeEnv())
export const editEnvironment = vi.fn(async (input: { name: string }) => makeEnv({ name: input.name, builtin: false }))
export const removeEnvironment = vi.fn(async () => undefined)
export const testEnvironment = vi.fn(async () => [] as { name: string; ok: boolean; detail: string }[])
export const setCurrentEnvironment = vi.fn(async () => undefined)
export const searchUsers = vi.fn(async () => [])
export const getUser = vi.fn()
export const startImpersonation = vi.fn()
export const stopImpersonation = vi.fn()
export const stopAllImpersonations = vi.fn(async () => [])
export const activeSessions = vi.fn(async () => [])
export const startSync = vi.fn(async () => undefined)
export const cancelSync = vi.fn(async () => undefined)
export const listHistory = vi.fn(async () => [])
export const listAudit = vi.fn(async () => [])
export const verifyAudit = vi.fn(async () => ({ intact: true, count: 0, broken_at: 0, detail: '' }))
export const exportHistory = vi.fn(async () => '')
export const getSettings = vi.fn(async () => makeSettings())
export const setAgent = vi.fn(async () => undefined)
export const getPolicy = vi.fn(async (_env: string) => makePolicy())
export const setPolicy = vi.fn(async () => undefined)
export const setReasonTemplates = vi.fn(async () => undefined)
export const setBrowser = vi.fn(async (_mode: string) => undefined)

type Handler = (payload: unknown) => void
const listeners = new Map<string, Set<Handler>>()

/** Like the real useEvent: subscribes while mounted. */
export function useEvent<K extends EventName>(name: K, fn: (payload: EventMap[K]) => void): void {
  const latest = useRef(fn)
  useEffect(() => {
    latest.current = fn
  })
  useEffect(() => {
    const h: Handler = (p) => latest.current(p as EventMap[K])
    let set = listeners.get(name)
    if (!set) listeners.set(name, (set = new Set()))
    set.add(h)
    return () => {
      set.delete(h)
    }
  }, [name])
}

/** Delivers a Go event to every mounted subscriber. */
export function emit<K extends EventName>(name: K, payload: EventMap[K]): void {
  act(() => {
    listeners.get(name)?.forEach((h) => h(payload))
  })
}

/** How many components listen to name right now. */
export function listenerCount(name: EventName): number {
  return listeners.get(name)?.size ?? 0
}
