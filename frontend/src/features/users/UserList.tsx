import { useVirtualizer } from '@tanstack/react-virtual'
import { useEffect, useRef } from 'react'
import type { Policy, User } from '@/lib/types'
import { protectedHint } from './protection'
import { ROW_HEIGHT, UserRow } from './UserRow'

type Props = {
  users: User[]
  activeIndex: number
  /** Changes when the results answer a new query: the list goes back to the top. */
  resultsKey: string
  selectedId: string
  policy?: Policy
  onOpen: (index: number) => void
  /** Called when the last rows come into view, to ask for more. */
  onEndReached?: () => void
}

export const LIST_ID = 'user-results'

/** The result list: fixed-height rows, only the visible ones in the DOM. */
export function UserList({ users, activeIndex, resultsKey, selectedId, policy, onOpen, onEndReached }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null)
  const virtualizer = useVirtualizer({
    count: users.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  })

  useEffect(() => {
    virtualizer.scrollToOffset(0)
  }, [resultsKey, virtualizer])

  // Follow the keyboard, but not a list that merely grew (more rows loaded).
  useEffect(() => {
    if (activeIndex >= 0) virtualizer.scrollToIndex(activeIndex, { align: 'auto' })
  }, [activeIndex, virtualizer])

  const items = virtualizer.getVirtualItems()
  const lastVisible = items.length ? items[items.length - 1].index : -1
  useEffect(() => {
    if (onEndReached && users.length > 0 && lastVisible >= users.length - 20) onEndReached()
  }, [lastVisible, users.length, onEndReached])

  return (
    <div ref={scrollRef} className="user-list" data-virtual-scroller="" data-testid="user-list">
      <div id={LIST_ID} role="listbox" aria-label="Users" style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {items.map((item) => {
          const user = users[item.index]
          return (
            <UserRow
              key={user.id}
              user={user}
              index={item.index}
              active={item.index === activeIndex}
              selected={user.id === selectedId}
              protectedWhy={protectedHint(user, policy)}
              onOpen={onOpen}
              style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
            />
          )
        })}
      </div>
    </div>
  )
}
