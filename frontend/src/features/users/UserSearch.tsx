import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react'
import { ErrorNote } from '@/components/ui'
import { formatNumber } from '@/lib/format'
import { isSearchShortcut } from '@/lib/shortcuts'
import type { Policy, User } from '@/lib/types'
import { LIST_ID, UserList } from './UserList'
import { useUserSearch } from './useUserSearch'

/** Rows asked for first; scrolling to the end asks for PAGE_GROWTH times more, up to MAX_RESULTS. */
export const FIRST_PAGE = 200
const PAGE_GROWTH = 5
export const MAX_RESULTS = 100_000

type Props = {
  env: string
  query: string
  onQueryChange: (q: string) => void
  selectedId: string
  onOpen: (user: User) => void
  policy?: Policy
  /** Bump to search again (after a sync). */
  refresh?: number
  /** Shown instead of "no users" when the query is empty and nothing is cached. */
  emptyHint?: ReactNode
}

/**
 * The search box and its results. Typing searches; ↑/↓ move, Enter opens,
 * Escape clears, Ctrl/Cmd+K focuses the box from anywhere.
 */
export function UserSearch({ env, query, onQueryChange, selectedId, onOpen, policy, refresh = 0, emptyHint }: Props) {
  const inputRef = useRef<HTMLInputElement>(null)
  // The limit and the active row belong to one query; a new query starts over.
  const [limitFor, setLimitFor] = useState({ query, limit: FIRST_PAGE })
  const limit = limitFor.query === query ? limitFor.limit : FIRST_PAGE
  const search = useUserSearch(env, query, limit, refresh)
  const { results } = search
  const [activeFor, setActiveFor] = useState({ query: search.query, index: 0 })
  const activeIndex = results.length === 0 ? -1 : activeFor.query === search.query ? Math.min(activeFor.index, results.length - 1) : 0

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (isSearchShortcut(e)) {
        e.preventDefault()
        inputRef.current?.focus()
        inputRef.current?.select()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  const setActive = (index: number) => setActiveFor({ query: search.query, index })
  const open = (index: number) => {
    const user = results[index]
    if (!user) return
    setActive(index)
    onOpen(user)
  }

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    const last = results.length - 1
    const step: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10 }
    if (e.key in step && last >= 0) {
      e.preventDefault()
      setActive(Math.max(0, Math.min(last, activeIndex + step[e.key])))
    } else if (e.key === 'Enter') {
      e.preventDefault()
      open(activeIndex)
    } else if (e.key === 'Escape' && query) {
      e.preventDefault()
      onQueryChange('')
    }
  }

  const more = search.results.length >= search.limit && search.limit < MAX_RESULTS && search.query === query
  const onEndReached = useCallback(() => {
    if (more && !search.loading) setLimitFor({ query, limit: Math.min(MAX_RESULTS, search.limit * PAGE_GROWTH) })
  }, [more, search.loading, search.limit, query])

  return (
    <div className="user-search">
      <div className="search-box">
        <input
          ref={inputRef}
          type="search"
          autoFocus
          data-testid="search-input"
          placeholder="Search by email, name, id or organization"
          aria-label="Search users"
          role="combobox"
          aria-expanded={results.length > 0}
          aria-controls={LIST_ID}
          aria-activedescendant={activeIndex >= 0 ? `user-opt-${activeIndex}` : undefined}
          autoComplete="off"
          spellCheck={false}
          value={query}
          onChange={(e) => onQueryChange(e.target.value)}
          onKeyDown={onKeyDown}
        />
        <kbd className="search-kbd" aria-hidden="true">
          Ctrl K
        </kbd>
      </div>
      <div className="search-meta" aria-live="polite">
        {search.loading && results.length === 0 ? 'Searching…' : resultLine(results.length, more, search.limit)}
      </div>
      {search.error && <ErrorNote message={search.error} />}
      {!search.error && search.answered && results.length === 0 && search.query === query ? (
        query.trim() === '' ? (
          (emptyHint ?? <p className="muted pad">No users in this environment.</p>)
        ) : (
          <p className="muted pad" data-testid="no-results">
            No users match “{query.trim()}”. Try part of the email, the name, an id or an organization.
          </p>
        )
      ) : (
        <UserList users={results} activeIndex={activeIndex} resultsKey={`${env}\u0000${search.query}`} selectedId={selectedId} policy={policy} onOpen={open} onEndReached={onEndReached} />
      )}
    </div>
  )
}

function resultLine(n: number, more: boolean, limit: number): string {
  if (n === 0) return ''
  if (more) return `First ${formatNumber(n)} matches; scroll for more`
  if (n >= limit) return `First ${formatNumber(n)} matches; refine the search to see others`
  return n === 1 ? '1 user' : `${formatNumber(n)} users`
}
