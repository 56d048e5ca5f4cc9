import type { CSSProperties } from 'react'
import { Badge } from '@/components/ui'
import type { User } from '@/lib/types'

export const ROW_HEIGHT = 52

type Props = {
  user: User
  index: number
  active: boolean
  selected: boolean
  protectedWhy: string
  style: CSSProperties
  onOpen: (index: number) => void
}

export function UserRow({ user, index, active, selected, protectedWhy, style, onOpen }: Props) {
  const orgs = user.organizations
  const isAdminRole = /admin|owner/i.test(user.role)
  return (
    <div
      id={`user-opt-${index}`}
      role="option"
      aria-selected={active}
      data-testid="user-row"
      data-user-id={user.id}
      className={`user-row${active ? ' active' : ''}${selected ? ' selected' : ''}`}
      style={style}
      onMouseDown={(e) => e.preventDefault() /* keep focus in the search box */}
      onClick={() => onOpen(index)}
    >
      <div className="user-row-main">
        <span className="user-email">{user.email || user.id}</span>
        <span className="user-name">{user.name}</span>
      </div>
      <div className="user-row-sub">
        <span className="user-orgs" title={orgs.map((o) => o.name).join(', ')}>
          {orgs.length === 0 ? 'No organization' : orgs.map((o) => o.name).join(' · ')}
        </span>
        <span className="badges">
          {isAdminRole && !protectedWhy && <Badge tone="info">{user.role}</Badge>}
          {protectedWhy && (
            <Badge tone="warn" title={`Protected: ${protectedWhy}`}>
              {isAdminRole ? `${user.role} · protected` : 'protected'}
            </Badge>
          )}
          {user.status === 'suspended' && <Badge tone="danger">suspended</Badge>}
          {orgs.length > 1 && <Badge>{orgs.length} orgs</Badge>}
        </span>
      </div>
    </div>
  )
}
