import { screen, within } from '@testing-library/react'
import * as backend from '@/lib/backend'
import { formatDateTime } from '@/lib/format'
import { makeDetail } from '@/testing/builders'
import { renderWithQuery } from '@/testing/render'
import type { ProviderEvent } from '@/lib/types'
import { UserPanel } from './UserPanel'

vi.mock('@/lib/backend', () => import('@/testing/mock-backend'))

const getUser = vi.mocked(backend.getUser)

function event(e: Partial<ProviderEvent>): ProviderEvent {
  return {
    env: 'acme',
    id: '900001',
    user_id: 'user_1',
    at: '2026-01-15T12:05:00Z',
    kind: 'signed in',
    code: 's',
    description: '',
    client: 'Acme App',
    ip: '198.51.100.7',
    ...e,
  }
}

function open() {
  renderWithQuery(<UserPanel env="acme" userId="user_1" agentMissing={false} onImpersonate={() => {}} onClose={() => {}} />)
}

describe('UserPanel: activity at the provider', () => {
  it('lists the events newest first with time, what, client and IP', async () => {
    getUser.mockResolvedValue(
      makeDetail({
        activity: [
          event({ id: '900002', at: '2026-01-15T12:09:00Z', kind: 'signed out', code: 'slo', ip: '' }),
          event({ id: '900001' }),
        ],
      }),
    )
    open()
    const section = await screen.findByTestId('provider-activity')
    expect(within(section).getByRole('heading')).toHaveTextContent('Activity at the provider')
    const items = within(section).getAllByRole('listitem')
    expect(items).toHaveLength(2)
    expect(items[0]).toHaveTextContent('signed out')
    expect(items[0]).toHaveTextContent(formatDateTime('2026-01-15T12:09:00Z'))
    expect(items[0]).toHaveTextContent('Acme App')
    expect(items[0]).not.toHaveTextContent('·')
    expect(items[1]).toHaveTextContent('signed in')
    expect(items[1]).toHaveTextContent('Acme App · 198.51.100.7')
  })

  it('says why nothing is imported when the provider would not show its log', async () => {
    getUser.mockResolvedValue(makeDetail({ activity_note: 'The Auth0 application is missing the scope read:logs.' }))
    open()
    const section = await screen.findByTestId('provider-activity')
    expect(section).toHaveTextContent('Not imported: The Auth0 application is missing the scope read:logs.')
  })

  it('has no such section for a provider without a log to import', async () => {
    getUser.mockResolvedValue(makeDetail())
    open()
    expect(await screen.findByTestId('impersonate-button')).toBeInTheDocument()
    expect(screen.queryByTestId('provider-activity')).toBeNull()
  })
})
