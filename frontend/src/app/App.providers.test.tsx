// The whole loop in the window for the providers whose start is not one call:
// Asgardeo waits for the agent's sign-in, WorkOS for the dashboard.
import { act, render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import * as backend from '@/lib/backend'
import { makeDetail, makeEnv, makeSession, makeUser } from '@/testing/builders'
import type { Session } from '@/lib/types'
import { emit } from '@/testing/mock-backend'
import { App } from './App'

vi.mock('@/lib/backend', () => import('@/testing/mock-backend'))

const ada = makeUser({ id: 'u_ada', email: 'ada@acme.test', name: 'Ada' })
const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString()

async function impersonateAda(env: string) {
  vi.mocked(backend.ready).mockResolvedValue({ version: 't', home: '/h', current_env: env, agent: { email: 'agent@example.com', name: 'Agent' } })
  vi.mocked(backend.searchUsers).mockResolvedValue([ada])
  vi.mocked(backend.getUser).mockResolvedValue(makeDetail({ user: ada }))
  render(<App />)
  await userEvent.type(await screen.findByTestId('search-input'), 'ada')
  await waitFor(() => expect(screen.getAllByTestId('user-row')).toHaveLength(1))
  await userEvent.keyboard('{Enter}')
  const panel = await screen.findByTestId('user-panel')
  await userEvent.click(await within(panel).findByTestId('impersonate-button'))
  await userEvent.type(screen.getByTestId('reason-input'), 'Customer cannot open invoices')
  await userEvent.click(screen.getByTestId('confirm-impersonate'))
}

describe('App with Asgardeo and WorkOS', () => {
  it('asgardeo: the dialog says to finish signing in (with the environment\'s timeout) until Go answers, then the banner counts down', async () => {
    vi.mocked(backend.listEnvironments).mockResolvedValue([
      makeEnv({ name: 'asg', provider: 'asgardeo', builtin: false, settings: { org: 'acme', client_id: 'cid', signin_timeout: '5m' } }),
    ])
    let resolve: (s: Session) => void = () => {}
    vi.mocked(backend.startImpersonation).mockImplementation(() => new Promise<Session>((r) => (resolve = r)))
    await impersonateAda('asg')
    const pending = await screen.findByTestId('impersonate-pending')
    expect(pending).toHaveTextContent('Finish signing in in your browser…')
    expect(pending).toHaveTextContent('Guise waits up to 5m')
    expect(backend.startImpersonation).toHaveBeenCalledWith(expect.objectContaining({ env: 'asg', user: 'u_ada' }))

    await act(async () => resolve(makeSession({ env: 'asg', provider: 'asgardeo', user_email: 'ada@acme.test', expires_at: inMinutes(30) })))
    await waitFor(() => expect(screen.queryByTestId('impersonate-dialog')).not.toBeInTheDocument())
    expect(screen.getByTestId('session-banner')).toHaveTextContent(/Impersonating ada@acme.test · Acme · (30:00|29:59) left/)
  })

  it('workos: the start waits for the dashboard in the banner, then becomes the session WorkOS reports', async () => {
    vi.mocked(backend.listEnvironments).mockResolvedValue([
      makeEnv({ name: 'wos', provider: 'workos', builtin: false, settings: { environment_id: 'environment_01H' } }),
    ])
    const waiting = makeSession({
      id: 'ses_w',
      env: 'wos',
      provider: 'workos',
      user_email: 'ada@acme.test',
      provider_ref: '',
      expires_at: inMinutes(10),
      awaiting_until: inMinutes(10),
      note: 'Finish it in the WorkOS dashboard that just opened: choose the organization Acme (org_1), and type the same reason.',
    })
    vi.mocked(backend.startImpersonation).mockImplementation(async () => {
      emit('session:updated', waiting) // Go announces the wait before the call answers
      return waiting
    })
    await impersonateAda('wos')
    await waitFor(() => expect(screen.queryByTestId('impersonate-dialog')).not.toBeInTheDocument())
    expect(screen.getByTestId('banner-awaiting')).toHaveTextContent(/Waiting for the WorkOS dashboard… to impersonate ada@acme.test · Acme · (10:00|09:59) left to start it there/)
    expect(screen.getByTestId('banner-instructions')).toHaveTextContent('choose the organization Acme (org_1)')
    expect(screen.queryByTestId('banner-countdown')).not.toBeInTheDocument()

    emit('session:started', { ...waiting, awaiting_until: null, provider_ref: 'session_01H', expires_at: inMinutes(60), note: 'WorkOS session session_01H started in the dashboard' })
    expect(screen.queryByTestId('banner-awaiting')).not.toBeInTheDocument()
    expect(screen.getByTestId('banner-countdown')).toHaveTextContent(/^(60:00|59:59)$/)
  })
})
