import { act, render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { useState } from 'react'
import * as backend from '@/lib/backend'
import { makePolicy, makeUser, makeUsers } from '@/testing/builders'
import type { User } from '@/lib/types'
import { FIRST_PAGE, UserSearch } from './UserSearch'

vi.mock('@/lib/backend', () => import('@/testing/mock-backend'))

const search = vi.mocked(backend.searchUsers)

function Harness({ onOpen = () => {} }: { onOpen?: (u: User) => void }) {
  const [query, setQuery] = useState('')
  return <UserSearch env="demo" query={query} onQueryChange={setQuery} selectedId="" onOpen={onOpen} />
}

const rows = () => screen.queryAllByTestId('user-row')

describe('UserSearch', () => {
  it('searches as the agent types and shows the results', async () => {
    search.mockImplementation(async (_env, q) => (q === 'ada' ? [makeUser({ id: 'u_ada', email: 'ada@acme.test', name: 'Ada' })] : []))
    render(<Harness />)
    const input = screen.getByTestId('search-input')
    expect(input).toHaveFocus()
    await userEvent.type(input, 'ada')
    await waitFor(() => expect(search).toHaveBeenLastCalledWith('demo', 'ada', FIRST_PAGE))
    expect(await screen.findByText('ada@acme.test')).toBeInTheDocument()
    expect(rows()).toHaveLength(1)
  })

  it('moves with the arrow keys and opens with Enter', async () => {
    const users = makeUsers(5)
    search.mockResolvedValue(users)
    const onOpen = vi.fn()
    render(<Harness onOpen={onOpen} />)
    await waitFor(() => expect(rows()).toHaveLength(5))
    const input = screen.getByTestId('search-input')
    expect(rows()[0]).toHaveAttribute('aria-selected', 'true')

    await userEvent.type(input, '{ArrowDown}{ArrowDown}')
    expect(rows()[2]).toHaveAttribute('aria-selected', 'true')
    expect(rows()[0]).toHaveAttribute('aria-selected', 'false')
    await userEvent.type(input, '{ArrowUp}')
    expect(input).toHaveAttribute('aria-activedescendant', 'user-opt-1')

    await userEvent.type(input, '{Enter}')
    expect(onOpen).toHaveBeenCalledWith(users[1])
  })

  it('drops an answer that arrives after a newer one', async () => {
    const pending = new Map<string, (u: User[]) => void>()
    search.mockImplementation((_env, q) => new Promise((resolve) => pending.set(q, resolve)))
    render(<Harness />)
    const input = screen.getByTestId('search-input')
    await waitFor(() => expect(pending.has('')).toBe(true))

    await userEvent.type(input, 'a')
    await waitFor(() => expect(pending.has('a')).toBe(true))
    await userEvent.type(input, 'b')
    await waitFor(() => expect(pending.has('ab')).toBe(true))

    await act(async () => pending.get('ab')!([makeUser({ id: 'new', email: 'newest@acme.test' })]))
    await act(async () => pending.get('a')!([makeUser({ id: 'old', email: 'stale@acme.test' })]))
    await act(async () => pending.get('')!(makeUsers(3)))

    expect(screen.getByText('newest@acme.test')).toBeInTheDocument()
    expect(screen.queryByText('stale@acme.test')).not.toBeInTheDocument()
    expect(rows()).toHaveLength(1)
  })

  it('renders only the visible rows of 100,000 results', async () => {
    search.mockResolvedValue(makeUsers(100_000))
    render(<Harness />)
    await waitFor(() => expect(rows().length).toBeGreaterThan(0))
    expect(rows().length).toBeLessThan(60)
    expect(screen.getByText(/First 100,000 matches/)).toBeInTheDocument()
  })

  it('says when nothing matches', async () => {
    search.mockResolvedValue([])
    render(<Harness />)
    await userEvent.type(screen.getByTestId('search-input'), 'zzz')
    expect(await screen.findByTestId('no-results')).toHaveTextContent('No users match “zzz”')
  })

  it('shows badges for protected, suspended and multi-org users', async () => {
    search.mockResolvedValue([
      makeUser({
        id: 'boss',
        role: 'admin',
        status: 'suspended',
        organizations: [
          { id: 'o1', name: 'Acme' },
          { id: 'o2', name: 'Globex' },
        ],
      }),
    ])
    render(<UserSearch env="demo" query="" onQueryChange={() => {}} selectedId="" onOpen={() => {}} policy={makePolicy()} />)
    const row = await screen.findByTestId('user-row')
    expect(within(row).getByText('admin · protected')).toBeInTheDocument()
    expect(within(row).getByText('suspended')).toBeInTheDocument()
    expect(within(row).getByText('2 orgs')).toBeInTheDocument()
    expect(within(row).getByText('Acme · Globex')).toBeInTheDocument()
  })

  it('focuses the search box on Ctrl+K', async () => {
    render(
      <>
        <button type="button">elsewhere</button>
        <Harness />
      </>,
    )
    screen.getByText('elsewhere').focus()
    await userEvent.keyboard('{Control>}k{/Control}')
    expect(screen.getByTestId('search-input')).toHaveFocus()
  })
})
