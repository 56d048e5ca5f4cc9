import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import * as backend from '@/lib/backend'
import { makeEnv } from '@/testing/builders'
import { renderWithQuery } from '@/testing/render'
import { EnvironmentsScreen } from './EnvironmentsScreen'

vi.mock('@/lib/backend', () => import('@/testing/mock-backend'))

const clerk = makeEnv({
  name: 'prod',
  provider: 'clerk',
  builtin: false,
  has_secret: true,
  base_url: 'https://api.clerk.com/v1',
  settings: { actor_user_id: 'user_support', timeout: '45s' },
})

const auth0 = makeEnv({
  name: 'eu',
  provider: 'auth0',
  builtin: false,
  has_secret: true,
  base_url: 'https://acme.eu.auth0.com',
  settings: { domain: 'acme.eu.auth0.com', client_id: 'm2m', target_client_id: 'app', impersonator_id: 'auth0|agent' },
})

async function openEdit(name: string) {
  const row = (await screen.findAllByTestId('env-row')).find((r) => r.dataset.env === name)!
  await userEvent.click(within(row).getByTestId('env-edit'))
  return screen.getByRole('form', { name: `Edit ${name}` })
}

describe('Editing an environment', () => {
  it('offers Edit on every environment but the built-in Demo', async () => {
    vi.mocked(backend.listEnvironments).mockResolvedValue([makeEnv(), clerk])
    renderWithQuery(<EnvironmentsScreen currentEnv="demo" />)
    const [demo, prod] = await screen.findAllByTestId('env-row')
    expect(within(demo).queryByTestId('env-edit')).not.toBeInTheDocument()
    expect(within(prod).getByTestId('env-edit')).toHaveTextContent('Edit')
  })

  it('prefills the provider fields, shows name and provider read-only, and never prefills the secret', async () => {
    vi.mocked(backend.listEnvironments).mockResolvedValue([auth0])
    renderWithQuery(<EnvironmentsScreen currentEnv="eu" />)
    const form = await openEdit('eu')
    expect(within(form).getByTestId('env-edit-eu-name')).toHaveValue('eu')
    expect(within(form).getByTestId('env-edit-eu-name')).toHaveAttribute('readonly')
    expect(within(form).getByTestId('env-edit-eu-provider')).toHaveValue('Auth0')
    expect(within(form).getByTestId('env-edit-eu-provider')).toHaveAttribute('readonly')
    expect(within(form).queryByRole('combobox')).not.toBeInTheDocument()
    expect(within(form).getByTestId('env-edit-eu-settings-domain')).toHaveValue('acme.eu.auth0.com')
    expect(within(form).getByTestId('env-edit-eu-settings-client_id')).toHaveValue('m2m')
    expect(within(form).getByTestId('env-edit-eu-settings-target_client_id')).toHaveValue('app')
    expect(within(form).getByTestId('env-edit-eu-settings-impersonator_id')).toHaveValue('auth0|agent')
    expect(within(form).getByTestId('env-edit-eu-settings-callback_url')).toHaveValue('')
    expect(within(form).getByTestId('env-edit-eu-base_url')).toHaveValue('https://acme.eu.auth0.com')
    const secret = within(form).getByTestId('env-edit-eu-secret')
    expect(secret).toHaveValue('')
    expect(secret).toHaveAttribute('type', 'password')
    expect(form).toHaveTextContent('Leave empty to keep the current secret.')
  })

  it('sends the complete settings without empty optional ones, and no secret when none is typed; then refreshes and closes', async () => {
    vi.mocked(backend.listEnvironments).mockResolvedValue([auth0])
    renderWithQuery(<EnvironmentsScreen currentEnv="eu" />)
    const form = await openEdit('eu')
    const calls = vi.mocked(backend.listEnvironments).mock.calls.length
    await userEvent.clear(within(form).getByTestId('env-edit-eu-settings-impersonator_id'))
    await userEvent.type(within(form).getByTestId('env-edit-eu-settings-callback_url'), 'https://app.example.com/cb')
    await userEvent.click(within(form).getByTestId('env-edit-submit'))
    await waitFor(() =>
      expect(backend.editEnvironment).toHaveBeenCalledWith(
        {
          name: 'eu',
          provider: 'auth0',
          base_url: 'https://acme.eu.auth0.com',
          settings: { domain: 'acme.eu.auth0.com', client_id: 'm2m', target_client_id: 'app', callback_url: 'https://app.example.com/cb' },
          secret: '',
        },
        expect.anything(),
      ),
    )
    await waitFor(() => expect(screen.queryByTestId('edit-env-form')).not.toBeInTheDocument())
    await waitFor(() => expect(vi.mocked(backend.listEnvironments).mock.calls.length).toBeGreaterThan(calls))
  })

  it('replaces the secret only when one is typed, and keeps settings the form does not show', async () => {
    vi.mocked(backend.listEnvironments).mockResolvedValue([clerk])
    renderWithQuery(<EnvironmentsScreen currentEnv="prod" />)
    const form = await openEdit('prod')
    expect(within(form).getByTestId('env-edit-prod-kept')).toHaveTextContent('timeout')
    await userEvent.type(within(form).getByTestId('env-edit-prod-secret'), 'sk_live_new')
    await userEvent.click(within(form).getByTestId('env-edit-submit'))
    await waitFor(() =>
      expect(backend.editEnvironment).toHaveBeenCalledWith(
        { name: 'prod', provider: 'clerk', base_url: 'https://api.clerk.com/v1', settings: { timeout: '45s', actor_user_id: 'user_support' }, secret: 'sk_live_new' },
        expect.anything(),
      ),
    )
  })

  it('checks required fields before calling Go, but not the secret when one is stored', async () => {
    vi.mocked(backend.listEnvironments).mockResolvedValue([clerk])
    renderWithQuery(<EnvironmentsScreen currentEnv="prod" />)
    const form = await openEdit('prod')
    await userEvent.clear(within(form).getByTestId('env-edit-prod-settings-actor_user_id'))
    await userEvent.click(within(form).getByTestId('env-edit-submit'))
    expect(within(form).getByTestId('env-edit-prod-settings-actor_user_id-error')).toHaveTextContent('Support account user ID is required.')
    expect(within(form).queryByTestId('env-edit-prod-secret-error')).not.toBeInTheDocument()
    expect(backend.editEnvironment).not.toHaveBeenCalled()
  })

  it('asks for the secret when none is stored', async () => {
    vi.mocked(backend.listEnvironments).mockResolvedValue([{ ...clerk, has_secret: false }])
    renderWithQuery(<EnvironmentsScreen currentEnv="prod" />)
    const form = await openEdit('prod')
    expect(form).not.toHaveTextContent('Leave empty to keep the current secret.')
    await userEvent.click(within(form).getByTestId('env-edit-submit'))
    expect(within(form).getByTestId('env-edit-prod-secret-error')).toHaveTextContent('Secret key is required.')
    expect(backend.editEnvironment).not.toHaveBeenCalled()
  })

  it('shows a Go field error on its field, forgets the typed secret, and stays open', async () => {
    vi.mocked(backend.listEnvironments).mockResolvedValue([auth0])
    vi.mocked(backend.editEnvironment).mockRejectedValueOnce({ code: 'invalid', field: 'domain', message: '"acme" is not a tenant domain; write it like acme.us.auth0.com.' })
    renderWithQuery(<EnvironmentsScreen currentEnv="eu" />)
    const form = await openEdit('eu')
    const domain = within(form).getByTestId('env-edit-eu-settings-domain')
    await userEvent.clear(domain)
    await userEvent.type(domain, 'acme')
    await userEvent.type(within(form).getByTestId('env-edit-eu-secret'), 'new-secret')
    await userEvent.click(within(form).getByTestId('env-edit-submit'))
    expect(await within(form).findByTestId('env-edit-eu-settings-domain-error')).toHaveTextContent('is not a tenant domain')
    expect(domain).toHaveAttribute('aria-invalid', 'true')
    expect(within(form).getByTestId('env-edit-eu-secret')).toHaveValue('')
    expect(screen.getByTestId('edit-env-form')).toBeInTheDocument()
  })

  it('shows an error that names no field of the form above the form', async () => {
    vi.mocked(backend.listEnvironments).mockResolvedValue([clerk])
    vi.mocked(backend.editEnvironment).mockRejectedValueOnce({ code: 'not_found', message: 'No environment "prod"; it may have been removed from the command line.' })
    renderWithQuery(<EnvironmentsScreen currentEnv="prod" />)
    const form = await openEdit('prod')
    await userEvent.click(within(form).getByTestId('env-edit-submit'))
    expect(await within(form).findByRole('alert')).toHaveTextContent('it may have been removed')
  })

  it('closes on Cancel without calling Go', async () => {
    vi.mocked(backend.listEnvironments).mockResolvedValue([clerk])
    renderWithQuery(<EnvironmentsScreen currentEnv="prod" />)
    const form = await openEdit('prod')
    await userEvent.click(within(form).getByTestId('env-edit-cancel'))
    expect(screen.queryByTestId('edit-env-form')).not.toBeInTheDocument()
    expect(backend.editEnvironment).not.toHaveBeenCalled()
  })
})
