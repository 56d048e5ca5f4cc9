import { screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import * as backend from '@/lib/backend'
import { makeDetail, makePolicy, makeSession, makeUser } from '@/testing/builders'
import { renderWithQuery } from '@/testing/render'
import { UserPanel } from './UserPanel'

vi.mock('@/lib/backend', () => import('@/testing/mock-backend'))

const getUser = vi.mocked(backend.getUser)

describe('UserPanel', () => {
  it('shows the profile, organizations and recent impersonations, and offers Impersonate', async () => {
    const detail = makeDetail({ sessions: [makeSession({ reason: 'Invoice page is blank', ended_at: '2025-01-01T12:10:00Z', end_reason: 'stopped' })] })
    getUser.mockResolvedValue(detail)
    const onImpersonate = vi.fn()
    renderWithQuery(<UserPanel env="demo" userId="user_1" agentMissing={false} onImpersonate={onImpersonate} onClose={() => {}} />)
    expect(await screen.findByText('Invoice page is blank')).toBeInTheDocument()
    expect(getUser).toHaveBeenCalledWith('demo', 'user_1')
    expect(screen.getByText('Acme')).toBeInTheDocument()
    await userEvent.click(screen.getByTestId('impersonate-button'))
    expect(onImpersonate).toHaveBeenCalledWith(detail)
  })

  it.each([
    ['protected', makeDetail({ protected: 'user_1@acme.test has the protected role "admin"' }), /Protected: user_1@acme.test has the protected role/],
    ['suspended', makeDetail({ user: makeUser({ status: 'suspended' }) }), /is suspended/],
    ['disabled by policy', makeDetail({ policy: makePolicy({ enabled: false }) }), /switched off/],
  ])('disables Impersonate and says why when the user is %s', async (_, detail, why) => {
    getUser.mockResolvedValue(detail)
    renderWithQuery(<UserPanel env="demo" userId="user_1" agentMissing={false} onImpersonate={() => {}} onClose={() => {}} />)
    expect(await screen.findByTestId('impersonate-button')).toBeDisabled()
    expect(screen.getByTestId('impersonate-blocked')).toHaveTextContent(why)
  })

  it('says plainly when the user has vanished from the cache', async () => {
    getUser.mockRejectedValue({ code: 'not_found', message: 'No user "x" in demo.' })
    renderWithQuery(<UserPanel env="demo" userId="x" agentMissing={false} onImpersonate={() => {}} onClose={() => {}} />)
    expect(await screen.findByRole('alert')).toHaveTextContent('no longer in the cache')
  })

  it('marks recent impersonations started outside Guise and one waiting for the dashboard', async () => {
    getUser.mockResolvedValue(
      makeDetail({
        sessions: [
          makeSession({ id: 'w', reason: 'Waiting one', provider_ref: '', awaiting_until: '2025-01-01T12:10:00Z' }),
          makeSession({ id: 'o', reason: 'Imported one', outside: true, ended_at: '2025-01-01T13:00:00Z', end_reason: 'expired' }),
        ],
      }),
    )
    renderWithQuery(<UserPanel env="wos" userId="user_1" agentMissing={false} onImpersonate={() => {}} onClose={() => {}} />)
    const waiting = (await screen.findByText('Waiting one')).closest('li')!
    const imported = screen.getByText('Imported one').closest('li')!
    expect(waiting).toHaveTextContent('waiting for the dashboard')
    expect(waiting).not.toHaveTextContent('running')
    expect(imported).toHaveTextContent('started outside Guise')
    expect(imported).toHaveTextContent('expired')
  })
})
