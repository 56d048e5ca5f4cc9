import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import * as backend from '@/lib/backend'
import { makeEnv } from '@/testing/builders'
import { renderWithQuery } from '@/testing/render'
import { EnvironmentsScreen } from './EnvironmentsScreen'

vi.mock('@/lib/backend', () => import('@/testing/mock-backend'))

const prod = makeEnv({ name: 'prod', provider: 'clerk', builtin: false, has_secret: true, secret_where: 'OS keychain', users: 1234, last_synced_at: null })

describe('EnvironmentsScreen', () => {
  it('lists environments without ever showing a secret', async () => {
    vi.mocked(backend.listEnvironments).mockResolvedValue([makeEnv(), prod])
    renderWithQuery(<EnvironmentsScreen currentEnv="prod" />)
    const rows = await screen.findAllByTestId('env-row')
    expect(rows).toHaveLength(2)
    expect(rows[1]).toHaveTextContent('Clerk')
    expect(rows[1]).toHaveTextContent('set')
    expect(rows[1]).toHaveTextContent('1,234')
    expect(rows[1]).toHaveTextContent('never')
    expect(rows[1]).toHaveTextContent('current')
    expect(within(rows[0]).getByTestId('env-remove')).toBeDisabled()
  })

  it('clerk: secret key, the support account as actor_user_id, and Clerk\'s own API when no base URL is given', async () => {
    vi.mocked(backend.listEnvironments).mockResolvedValue([])
    renderWithQuery(<EnvironmentsScreen currentEnv="" />)
    await screen.findByTestId('add-env-form')
    await userEvent.type(screen.getByTestId('env-name'), 'shop')
    await userEvent.selectOptions(screen.getByTestId('env-provider'), 'clerk')
    await userEvent.type(screen.getByTestId('env-secret'), 'sk_live_abc')
    await userEvent.click(screen.getByTestId('env-add-submit'))
    expect(await screen.findByText('Support account user ID is required.')).toBeInTheDocument()
    expect(backend.addEnvironment).not.toHaveBeenCalled()
    await userEvent.type(screen.getByTestId('env-settings-actor_user_id'), 'user_support')
    await userEvent.click(screen.getByTestId('env-add-submit'))
    await waitFor(() =>
      expect(backend.addEnvironment).toHaveBeenCalledWith(
        { name: 'shop', provider: 'clerk', base_url: '', settings: { actor_user_id: 'user_support' }, secret: 'sk_live_abc' },
        expect.anything(),
      ),
    )
  })

  it("shows each environment's impersonations this month", async () => {
    vi.mocked(backend.listEnvironments).mockResolvedValue([{ ...prod, impersonations_this_month: 4 }])
    renderWithQuery(<EnvironmentsScreen currentEnv="prod" />)
    expect(await screen.findByTestId('env-month-count')).toHaveTextContent('4')
  })

  it('checks required fields first and shows a server field error inline', async () => {
    vi.mocked(backend.listEnvironments).mockResolvedValue([])
    vi.mocked(backend.addEnvironment).mockRejectedValue({ code: 'unauthorized', field: 'secret', message: 'Clerk rejected the secret key.' })
    renderWithQuery(<EnvironmentsScreen currentEnv="" />)
    await screen.findByTestId('add-env-form')
    await userEvent.click(screen.getByTestId('env-add-submit'))
    expect(screen.getByTestId('env-name-error')).toHaveTextContent('Give the environment a short name')
    expect(screen.getByTestId('env-secret-error')).toHaveTextContent('Secret key is required.')
    expect(backend.addEnvironment).not.toHaveBeenCalled()

    await userEvent.type(screen.getByTestId('env-name'), 'prod')
    await userEvent.type(screen.getByTestId('env-secret'), 'sk_wrong')
    await userEvent.type(screen.getByTestId('env-settings-actor_user_id'), 'user_support')
    await userEvent.click(screen.getByTestId('env-add-submit'))
    expect(await screen.findByTestId('env-secret-error')).toHaveTextContent('Clerk rejected the secret key.')
    expect(screen.getByTestId('env-secret')).toHaveValue('')
  })

  it('tests a connection and says what each check found', async () => {
    vi.mocked(backend.listEnvironments).mockResolvedValue([prod])
    vi.mocked(backend.testEnvironment).mockResolvedValue([
      { name: 'reach api.clerk.com', ok: true, detail: '120 ms' },
      { name: 'list users', ok: false, detail: 'The key lacks the users:read permission.' },
    ])
    renderWithQuery(<EnvironmentsScreen currentEnv="prod" />)
    await userEvent.click(await screen.findByTestId('env-test'))
    const checks = await screen.findByTestId('env-checks')
    expect(backend.testEnvironment).toHaveBeenCalledWith('prod')
    expect(checks).toHaveTextContent('1 of 2 checks failed.')
    expect(checks).toHaveTextContent('list users: The key lacks the users:read permission. (failed)')
  })

  it('removes only after confirmation', async () => {
    vi.mocked(backend.listEnvironments).mockResolvedValue([prod])
    renderWithQuery(<EnvironmentsScreen currentEnv="prod" />)
    await userEvent.click(await screen.findByTestId('env-remove'))
    expect(backend.removeEnvironment).not.toHaveBeenCalled()
    expect(screen.getByRole('alertdialog')).toHaveTextContent('its history is kept')
    await userEvent.click(screen.getByTestId('env-remove-confirm'))
    await waitFor(() => expect(backend.removeEnvironment).toHaveBeenCalledWith('prod'))
  })

  it('shows whether each provider answered the last time Guise tried', async () => {
    vi.useFakeTimers({ now: Date.parse('2025-01-01T12:00:00Z'), toFake: ['Date'] })
    vi.mocked(backend.listEnvironments).mockResolvedValue([
      makeEnv(),
      { ...prod, reachability: { state: 'offline', detail: 'Clerk (prod) did not answer in time while Guise tried to list users; try again.', since: '2025-01-01T11:55:00Z' } },
      { ...prod, name: 'eu', reachability: { state: 'unknown', detail: '', since: null } },
    ])
    renderWithQuery(<EnvironmentsScreen currentEnv="demo" />)
    const rows = await screen.findAllByTestId('env-row')
    expect(within(rows[0]).getByTestId('env-reach')).toHaveTextContent('online')
    expect(within(rows[1]).getByTestId('env-reach')).toHaveTextContent('offline since 5 min ago')
    expect(within(rows[1]).getByTestId('env-reach')).toHaveTextContent('did not answer in time')
    expect(within(rows[2]).getByTestId('env-reach')).toHaveTextContent('not checked yet')
    vi.useRealTimers()
  })
})
