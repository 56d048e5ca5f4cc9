import { useEffect, useRef, useState } from 'react'
import { searchUsers } from '@/lib/backend'
import { errorMessage } from '@/lib/errors'
import type { User } from '@/lib/types'

/** Delay between the last keystroke and the search; the cache answers in milliseconds. */
export const SEARCH_DEBOUNCE_MS = 30

export type SearchState = {
  /** The results of the newest answered search. */
  results: User[]
  /** The query those results answer. */
  query: string
  /** The limit that search asked for. */
  limit: number
  loading: boolean
  /** Whether any search has answered yet. */
  answered: boolean
  error: string
}

const initial: SearchState = { results: [], query: '', limit: 0, loading: false, answered: false, error: '' }

/**
 * Searches as the query changes. Only the newest request may update the
 * results: an answer to an older query that arrives late is dropped.
 * Bumping refresh searches again (after a sync, for instance).
 */
export function useUserSearch(env: string, query: string, limit: number, refresh = 0): SearchState {
  const [state, setState] = useState<SearchState>(initial)
  const latest = useRef(0)
  useEffect(() => {
    const seq = ++latest.current
    if (!env) {
      setState(initial)
      return
    }
    setState((s) => (s.loading ? s : { ...s, loading: true }))
    const q = query.trim()
    const timer = setTimeout(() => {
      searchUsers(env, q, limit).then(
        (results) => {
          if (seq === latest.current) setState({ results, query, limit, loading: false, answered: true, error: '' })
        },
        (e: unknown) => {
          if (seq === latest.current) setState((s) => ({ ...s, loading: false, error: errorMessage(e) }))
        },
      )
    }, SEARCH_DEBOUNCE_MS)
    return () => clearTimeout(timer)
  }, [env, query, limit, refresh])
  return state
}
