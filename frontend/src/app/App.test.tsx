import { act, render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import * as backend from '@/lib/backend'
import { makeDetail, makeEnv, makeSession, makeSettings, makeUser } from '@/testing/builders'
import type { Reachability, Session } from '@/lib/types'
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

describe('App', () => {
  it('calls System.Ready once, then shows the Users screen of the current environment', async () => {
    vi.mocked(backend.listEnvironments).mockResolvedValue([makeEnv(), makeEnv({ name: 'prod', provider: 'clerk', builtin: false })])
    vi.mocked(backend.ready).mockResolvedValue({ version: '1.2.3', home: '/h', current_env: 'prod', agent: { email: 'a@x', name: 'A' } })
    render(<App />)
    expect(await screen.findByTestId('search-input')).toHaveFocus()
    expect(backend.ready).toHaveBeenCalledTimes(1)
    await waitFor(() => expect(backend.searchUsers).toHaveBeenCalledWith('prod', '', expect.any(Number)))
    expect(screen.getByTestId('env-switcher')).toHaveValue('prod')
  })

  it('switches environment and remembers it in Go', async () => {
    vi.mocked(backend.listEnvironments).mockResolvedValue([makeEnv(), makeEnv({ name: 'prod', provider: 'clerk', builtin: false })])
    render(<App />)
    await screen.findByTestId('search-input')
    await waitFor(() => expect(screen.getByRole('option', { name: 'prod · clerk' })).toBeInTheDocument())
    await userEvent.selectOptions(screen.getByTestId('env-switcher'), 'prod')
    expect(backend.setCurrentEnvironment).toHaveBeenCalledWith('prod')
    await waitFor(() => expect(backend.searchUsers).toHaveBeenLastCalledWith('prod', '', expect.any(Number)))
  })

  it('leads to Environments when there is none', async () => {
    vi.mocked(backend.listEnvironments).mockResolvedValue([])
    render(<App />)
    await userEvent.click(await screen.findByRole('button', { name: 'Add an environment' }))
    expect(await screen.findByTestId('add-env-form')).toBeInTheDocument()
  })

  it('offers Sync now for a never-synced environment', async () => {
    vi.mocked(backend.listEnvironments).mockResolvedValue([makeEnv({ users: 0, last_synced_at: null })])
    render(<App />)
    await userEvent.click(await screen.findByTestId('sync-now'))
    expect(backend.startSync).toHaveBeenCalledWith('demo')
  })

  it('links to Settings while the agent is unknown', async () => {
    vi.mocked(backend.getSettings).mockResolvedValue(makeSettings({ agent: { email: '', name: '' } }))
    render(<App />)
    const notice = await screen.findByTestId('agent-missing')
    await userEvent.click(within(notice).getByRole('button', { name: 'Open Settings' }))
    expect(await screen.findByTestId('agent-form')).toBeInTheDocument()
  })

  it('navigates between screens', async () => {
    render(<App />)
    await screen.findByTestId('search-input')
    await userEvent.click(screen.getByTestId('nav-history'))
    expect(await screen.findByRole('heading', { name: 'History' })).toBeInTheDocument()
    await userEvent.click(screen.getByTestId('nav-environments'))
    expect(await screen.findByRole('heading', { name: 'Environments' })).toBeInTheDocument()
    await userEvent.click(screen.getByTestId('nav-settings'))
    expect(await screen.findByRole('heading', { name: 'Settings' })).toBeInTheDocument()
    await userEvent.keyboard('{Control>}k{/Control}')
    expect(await screen.findByTestId('search-input')).toHaveFocus()
  })

  it('runs the whole loop: search, open, impersonate, banner, stop', async () => {
    const session = makeSession({ user_email: 'ada@acme.test', expires_at: new Date(Date.now() + 30 * 60_000).toISOString() })
    vi.mocked(backend.startImpersonation).mockResolvedValue(session)
    vi.mocked(backend.stopImpersonation).mockResolvedValue({ session: { ...session, ended_at: new Date().toISOString(), end_reason: 'stopped' }, already_ended: false })
    await impersonateAda('demo')

    await waitFor(() => expect(screen.queryByTestId('impersonate-dialog')).not.toBeInTheDocument())
    expect(screen.getByTestId('session-banner')).toHaveTextContent(/Impersonating ada@acme.test · Acme · (30:00|29:59) left/)
    emit('session:started', session) // the event that follows the call changes nothing
    expect(screen.getAllByTestId('banner-item')).toHaveLength(1)

    await userEvent.click(screen.getByTestId('banner-stop'))
    await waitFor(() => expect(screen.queryByTestId('banner-item')).not.toBeInTheDocument())
    expect(backend.stopImpersonation).toHaveBeenCalledWith(session.id)
  })

  it('shows an environment going offline and back, live from env:status, in the switcher, on Users and on Environments', async () => {
    // Go answers List with the reachability it holds, as the events say.
    let reach: Reachability = { state: 'ok', detail: '', since: new Date().toISOString() }
    vi.mocked(backend.listEnvironments).mockImplementation(async () => [makeEnv({ reachability: reach }), makeEnv({ name: 'prod', provider: 'clerk', builtin: false })])
    render(<App />)
    await screen.findByTestId('search-input')
    await waitFor(() => expect(screen.getByRole('option', { name: 'demo · demo' })).toBeInTheDocument())
    expect(screen.queryByTestId('env-offline')).not.toBeInTheDocument()

    reach = { state: 'offline', detail: 'Cannot reach the demo server at http://127.0.0.1:7777: connection refused.', since: new Date().toISOString() }
    emit('env:status', { env: 'demo', reachability: reach })
    expect(await screen.findByRole('option', { name: 'demo · demo · offline' })).toBeInTheDocument()
    expect(screen.getByRole('option', { name: 'prod · clerk' })).toBeInTheDocument()
    expect(screen.getByTestId('env-offline')).toHaveTextContent('offline demo cannot be reached; searching uses the cache.')
    expect(screen.getByTestId('env-offline-notice')).toHaveTextContent(
      'demo is offline: Cannot reach the demo server at http://127.0.0.1:7777: connection refused. Search and history work from the cache',
    )
    // Search keeps working from the cache.
    await userEvent.type(screen.getByTestId('search-input'), 'ada')
    await waitFor(() => expect(backend.searchUsers).toHaveBeenLastCalledWith('demo', 'ada', expect.any(Number)))

    await userEvent.click(screen.getByTestId('nav-environments'))
    const row = (await screen.findAllByTestId('env-row'))[0]
    expect(within(row).getByTestId('env-reach')).toHaveTextContent('offline since just now')
    expect(within(row).getByTestId('env-reach')).toHaveTextContent('connection refused')

    reach = { state: 'ok', detail: '', since: new Date().toISOString() }
    emit('env:status', { env: 'demo', reachability: reach })
    await waitFor(() => expect(within(row).getByTestId('env-reach')).toHaveTextContent('online'))
    expect(screen.queryByTestId('env-offline')).not.toBeInTheDocument()
  })
})

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
