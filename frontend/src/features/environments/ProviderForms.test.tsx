import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import * as backend from '@/lib/backend'
import { makeEnv } from '@/testing/builders'
import { renderWithQuery } from '@/testing/render'
import { EnvironmentsScreen } from './EnvironmentsScreen'
import { PROVIDERS } from './providers'

vi.mock('@/lib/backend', () => import('@/testing/mock-backend'))

async function openAdd(provider: string, name = 'staging') {
  vi.mocked(backend.listEnvironments).mockResolvedValue([])
  renderWithQuery(<EnvironmentsScreen currentEnv="" />)
  const form = await screen.findByTestId('add-env-form')
  await userEvent.type(screen.getByTestId('env-name'), name)
  await userEvent.selectOptions(screen.getByTestId('env-provider'), provider)
  return form
}

const submit = () => userEvent.click(screen.getByTestId('env-add-submit'))

describe('Provider forms', () => {
  it('offers all five providers, none of them as "not supported yet"', async () => {
    vi.mocked(backend.listEnvironments).mockResolvedValue([])
    renderWithQuery(<EnvironmentsScreen currentEnv="" />)
    const form = await screen.findByTestId('add-env-form')
    const options = within(screen.getByTestId('env-provider')).getAllByRole('option')
    expect(options.map((o) => o.textContent)).toEqual(['Demo (built in)', 'Clerk', 'Auth0', 'WorkOS', 'Asgardeo / WSO2 IS'])
    for (const p of ['workos', 'asgardeo']) {
      await userEvent.selectOptions(screen.getByTestId('env-provider'), p)
      expect(form).not.toHaveTextContent(/not supported|cannot talk to/i)
      expect(screen.getByTestId('env-secret')).toBeInTheDocument()
      expect(screen.getByTestId('env-add-submit')).toBeEnabled()
    }
    expect(PROVIDERS.every((p) => p.fields.length > 0)).toBe(true)
  })

  it('workos: the API key and environment id are required; says where to find the id and what the dashboard needs', async () => {
    const form = await openAdd('workos')
    expect(screen.getByTestId('env-secret')).toHaveAttribute('type', 'password')
    expect(screen.getByTestId('env-secret')).toHaveAttribute('placeholder', 'sk_…')
    expect(form).toHaveTextContent('the part after dashboard.workos.com/ in the address')
    expect(form).toHaveTextContent('Impersonation must be enabled in the dashboard')
    expect(form).toHaveTextContent('a member of the dashboard with the same email as your agent email in Guise')
    expect(form).toHaveTextContent('from 1s to 60m. Empty: 10m.')
    expect(form).toHaveTextContent('Leave empty for https://api.workos.com.')
    await submit()
    expect(screen.getByTestId('env-secret-error')).toHaveTextContent('API key is required.')
    expect(screen.getByTestId('env-settings-environment_id-error')).toHaveTextContent('Environment ID is required.')
    expect(screen.queryByTestId('env-settings-event_wait-error')).not.toBeInTheDocument()
    expect(backend.addEnvironment).not.toHaveBeenCalled()

    await userEvent.type(screen.getByTestId('env-secret'), 'sk_test_abc')
    await userEvent.type(screen.getByTestId('env-settings-environment_id'), ' environment_01HXYZ ')
    await submit()
    await waitFor(() =>
      expect(backend.addEnvironment).toHaveBeenCalledWith(
        { name: 'staging', provider: 'workos', base_url: '', settings: { environment_id: 'environment_01HXYZ' }, secret: 'sk_test_abc' },
        expect.anything(),
      ),
    )
  })

  it('workos: sends the optional wait, base URL and timeout, and shows a Go error on the field it names', async () => {
    vi.mocked(backend.addEnvironment).mockRejectedValueOnce({
      code: 'invalid',
      field: 'event_wait',
      message: 'event_wait "2h" must be a duration between 1s and 60m, like 10m.',
    })
    await openAdd('workos')
    await userEvent.type(screen.getByTestId('env-secret'), 'sk_test_abc')
    await userEvent.type(screen.getByTestId('env-settings-environment_id'), 'environment_01HXYZ')
    await userEvent.type(screen.getByTestId('env-settings-event_wait'), '2h')
    await userEvent.type(screen.getByTestId('env-base_url'), 'http://127.0.0.1:9000')
    await userEvent.type(screen.getByTestId('env-settings-timeout'), '10s')
    await submit()
    expect(await screen.findByTestId('env-settings-event_wait-error')).toHaveTextContent('must be a duration between 1s and 60m')
    expect(backend.addEnvironment).toHaveBeenCalledWith(
      {
        name: 'staging',
        provider: 'workos',
        base_url: 'http://127.0.0.1:9000',
        settings: { environment_id: 'environment_01HXYZ', event_wait: '2h', timeout: '10s' },
        secret: 'sk_test_abc',
      },
      expect.anything(),
    )
    expect(screen.getByTestId('env-secret')).toHaveValue('')
  })

  it('auth0: tenant domain, both client ids and the client secret are required; the rest is optional', async () => {
    await openAdd('auth0', 'eu')
    expect(screen.getByTestId('env-secret')).toHaveAttribute('type', 'password')
    expect(screen.getByTestId('add-env-form')).toHaveTextContent('Leave empty for https://{domain}.')
    await userEvent.click(screen.getByTestId('env-add-submit'))
    expect(screen.getByTestId('env-settings-domain-error')).toHaveTextContent('Tenant domain is required.')
    expect(screen.getByTestId('env-settings-client_id-error')).toHaveTextContent('Client ID is required.')
    expect(screen.getByTestId('env-secret-error')).toHaveTextContent('Client secret is required.')
    expect(screen.getByTestId('env-settings-target_client_id-error')).toHaveTextContent('Target application client ID is required.')
    expect(screen.queryByTestId('env-settings-impersonator_id-error')).not.toBeInTheDocument()
    expect(backend.addEnvironment).not.toHaveBeenCalled()

    await userEvent.type(screen.getByTestId('env-settings-domain'), 'acme.eu.auth0.com')
    expect(screen.getByTestId('add-env-form')).toHaveTextContent('Leave empty for https://acme.eu.auth0.com.')
    await userEvent.type(screen.getByTestId('env-settings-client_id'), 'm2m_cid')
    await userEvent.type(screen.getByTestId('env-secret'), 'shh')
    await userEvent.type(screen.getByTestId('env-settings-target_client_id'), 'app_cid')
    await userEvent.type(screen.getByTestId('env-settings-timeout'), '45s')
    await userEvent.click(screen.getByTestId('env-add-submit'))
    await waitFor(() =>
      expect(backend.addEnvironment).toHaveBeenCalledWith(
        { name: 'eu', provider: 'auth0', base_url: '', settings: { domain: 'acme.eu.auth0.com', client_id: 'm2m_cid', target_client_id: 'app_cid', timeout: '45s' }, secret: 'shh' },
        expect.anything(),
      ),
    )
  })

  it('auth0: sends the optional fields when given, and shows a Go error on the field it names', async () => {
    vi.mocked(backend.addEnvironment).mockRejectedValueOnce({ code: 'invalid', field: 'domain', message: '"acme" is not a tenant domain; write it like acme.us.auth0.com.' })
    await openAdd('auth0', 'us')
    await userEvent.type(screen.getByTestId('env-settings-domain'), 'acme')
    await userEvent.type(screen.getByTestId('env-settings-client_id'), 'm2m')
    await userEvent.type(screen.getByTestId('env-secret'), 'shh')
    await userEvent.type(screen.getByTestId('env-settings-target_client_id'), 'app')
    await userEvent.type(screen.getByTestId('env-settings-impersonator_id'), 'auth0|agent')
    await userEvent.type(screen.getByTestId('env-settings-global_client_id'), 'global')
    await userEvent.type(screen.getByTestId('env-settings-callback_url'), 'https://app.example.com/cb')
    await userEvent.type(screen.getByTestId('env-base_url'), 'https://auth0.internal.example.com')
    await userEvent.click(screen.getByTestId('env-add-submit'))
    expect(await screen.findByTestId('env-settings-domain-error')).toHaveTextContent('is not a tenant domain')
    expect(backend.addEnvironment).toHaveBeenCalledWith(
      {
        name: 'us',
        provider: 'auth0',
        base_url: 'https://auth0.internal.example.com',
        settings: { domain: 'acme', client_id: 'm2m', target_client_id: 'app', impersonator_id: 'auth0|agent', global_client_id: 'global', callback_url: 'https://app.example.com/cb' },
        secret: 'shh',
      },
      expect.anything(),
    )
    expect(screen.getByTestId('env-secret')).toHaveValue('')
  })

  it('asgardeo: org, client id and secret are required; the base URL hint follows the org; says the user may get an email', async () => {
    const form = await openAdd('asgardeo', 'asg')
    expect(form).toHaveTextContent('asks you to sign in to Asgardeo in your browser')
    expect(form).toHaveTextContent('Asgardeo may email the user when an impersonation starts')
    expect(form).toHaveTextContent('Leave empty for https://api.asgardeo.io/t/{org}; for a self-hosted WSO2 Identity Server, its address, like https://host:9443.')
    expect(form).toHaveTextContent('0 for a self-hosted server without limits')
    expect(form).toHaveTextContent('up to 30m. Empty: 3m.')
    expect(form).toHaveTextContent('Empty: the user’s My Account.')
    await submit()
    expect(screen.getByTestId('env-settings-org-error')).toHaveTextContent('Organization name is required.')
    expect(screen.getByTestId('env-settings-client_id-error')).toHaveTextContent('Client ID is required.')
    expect(screen.getByTestId('env-secret-error')).toHaveTextContent('Client secret is required.')
    for (const optional of ['app_url', 'my_account_url', 'signin_timeout', 'requests_per_minute']) {
      expect(screen.queryByTestId(`env-settings-${optional}-error`)).not.toBeInTheDocument()
    }
    expect(backend.addEnvironment).not.toHaveBeenCalled()

    await userEvent.type(screen.getByTestId('env-settings-org'), 'acme')
    expect(form).toHaveTextContent('Leave empty for https://api.asgardeo.io/t/acme;')
    await userEvent.type(screen.getByTestId('env-settings-client_id'), 'cid')
    await userEvent.type(screen.getByTestId('env-secret'), 'csecret')
    await submit()
    await waitFor(() =>
      expect(backend.addEnvironment).toHaveBeenCalledWith(
        { name: 'asg', provider: 'asgardeo', base_url: '', settings: { org: 'acme', client_id: 'cid' }, secret: 'csecret' },
        expect.anything(),
      ),
    )
  })

  it('asgardeo: a self-hosted WSO2 IS with every optional setting', async () => {
    await openAdd('asgardeo', 'wso2')
    await userEvent.type(screen.getByTestId('env-settings-org'), 'carbon.super')
    await userEvent.type(screen.getByTestId('env-settings-client_id'), 'cid')
    await userEvent.type(screen.getByTestId('env-secret'), 'csecret')
    await userEvent.type(screen.getByTestId('env-settings-app_url'), 'https://app.example.com')
    await userEvent.type(screen.getByTestId('env-settings-my_account_url'), 'https://is.example.com:9443/myaccount')
    await userEvent.type(screen.getByTestId('env-settings-signin_timeout'), '10m')
    await userEvent.type(screen.getByTestId('env-settings-requests_per_minute'), '0')
    await userEvent.type(screen.getByTestId('env-base_url'), 'https://is.example.com:9443')
    await submit()
    await waitFor(() =>
      expect(backend.addEnvironment).toHaveBeenCalledWith(
        {
          name: 'wso2',
          provider: 'asgardeo',
          base_url: 'https://is.example.com:9443',
          settings: {
            org: 'carbon.super',
            client_id: 'cid',
            app_url: 'https://app.example.com',
            my_account_url: 'https://is.example.com:9443/myaccount',
            signin_timeout: '10m',
            requests_per_minute: '0',
          },
          secret: 'csecret',
        },
        expect.anything(),
      ),
    )
  })

  it('edits a WorkOS and an Asgardeo environment with the same fields, prefilled, never the secret', async () => {
    const workos = makeEnv({
      name: 'wos',
      provider: 'workos',
      builtin: false,
      base_url: 'https://api.workos.com',
      settings: { environment_id: 'environment_01H', event_wait: '5m' },
    })
    const asg = makeEnv({
      name: 'asg',
      provider: 'asgardeo',
      builtin: false,
      base_url: 'https://api.asgardeo.io/t/acme',
      settings: { org: 'acme', client_id: 'cid', signin_timeout: '5m' },
    })
    vi.mocked(backend.listEnvironments).mockResolvedValue([workos, asg])
    renderWithQuery(<EnvironmentsScreen currentEnv="wos" />)
    const rows = await screen.findAllByTestId('env-row')
    expect(rows[0]).toHaveTextContent('WorkOS')
    expect(rows[1]).toHaveTextContent('Asgardeo / WSO2 IS')

    await userEvent.click(within(rows[1]).getByTestId('env-edit'))
    const form = screen.getByRole('form', { name: 'Edit asg' })
    expect(within(form).getByTestId('env-edit-asg-provider')).toHaveValue('Asgardeo / WSO2 IS')
    expect(within(form).getByTestId('env-edit-asg-settings-org')).toHaveValue('acme')
    expect(within(form).getByTestId('env-edit-asg-settings-signin_timeout')).toHaveValue('5m')
    expect(within(form).getByTestId('env-edit-asg-secret')).toHaveValue('')
    await userEvent.type(within(form).getByTestId('env-edit-asg-settings-app_url'), 'https://app.example.com')
    await userEvent.click(within(form).getByTestId('env-edit-submit'))
    await waitFor(() =>
      expect(backend.editEnvironment).toHaveBeenCalledWith(
        {
          name: 'asg',
          provider: 'asgardeo',
          base_url: 'https://api.asgardeo.io/t/acme',
          settings: { org: 'acme', client_id: 'cid', app_url: 'https://app.example.com', signin_timeout: '5m' },
          secret: '',
        },
        expect.anything(),
      ),
    )

    await userEvent.click(within(rows[0]).getByTestId('env-edit'))
    const wform = screen.getByRole('form', { name: 'Edit wos' })
    expect(within(wform).getByTestId('env-edit-wos-settings-environment_id')).toHaveValue('environment_01H')
    expect(within(wform).getByTestId('env-edit-wos-settings-event_wait')).toHaveValue('5m')
    expect(within(wform).getByTestId('env-edit-wos-secret')).toHaveAttribute('type', 'password')
    expect(within(wform).getByTestId('env-edit-submit')).toBeEnabled()
  })
})
