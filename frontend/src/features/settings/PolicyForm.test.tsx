import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import * as backend from '@/lib/backend'
import { makeEnv, makePolicy } from '@/testing/builders'
import { renderWithQuery } from '@/testing/render'
import { PolicyForm } from './PolicyForm'

vi.mock('@/lib/backend', () => import('@/testing/mock-backend'))

const getPolicy = vi.mocked(backend.getPolicy)
const setPolicy = vi.mocked(backend.setPolicy)

describe('PolicyForm', () => {
  beforeEach(() => {
    getPolicy.mockImplementation(async (env: string) => (env === 'prod' ? makePolicy({ max_minutes: 15, default_minutes: 10, ticket_required: true }) : makePolicy()))
  })

  it('edits the default policy until an environment is picked', async () => {
    renderWithQuery(<PolicyForm envs={[makeEnv(), makeEnv({ name: 'prod', provider: 'clerk', builtin: false })]} />)
    expect(await screen.findByTestId('policy-max_minutes')).toHaveValue(60)
    expect(getPolicy).toHaveBeenCalledWith('')
    await userEvent.clear(screen.getByTestId('policy-reason_min_length'))
    await userEvent.type(screen.getByTestId('policy-reason_min_length'), '20')
    await userEvent.click(screen.getByTestId('policy-save'))
    await waitFor(() => expect(setPolicy).toHaveBeenCalledWith('', expect.objectContaining({ reason_min_length: 20, max_minutes: 60 })))
  })

  it('edits one environment from the policy in force there, and saves it for that environment only', async () => {
    renderWithQuery(<PolicyForm envs={[makeEnv(), makeEnv({ name: 'prod', provider: 'clerk', builtin: false })]} />)
    await screen.findByTestId('policy-max_minutes')
    await userEvent.selectOptions(screen.getByTestId('policy-env'), 'prod')
    await waitFor(() => expect(screen.getByTestId('policy-max_minutes')).toHaveValue(15))
    expect(getPolicy).toHaveBeenLastCalledWith('prod')
    expect(screen.getByTestId('policy-ticket_required')).toBeChecked()
    expect(screen.getByTestId('policy-form')).toHaveTextContent('saving gives prod its own')

    await userEvent.type(screen.getByTestId('policy-protected_domains'), 'acme.test')
    await userEvent.click(screen.getByTestId('policy-save'))
    await waitFor(() =>
      expect(setPolicy).toHaveBeenCalledWith('prod', expect.objectContaining({ max_minutes: 15, ticket_required: true, protected_domains: ['acme.test'] })),
    )
    expect(setPolicy).not.toHaveBeenCalledWith('', expect.anything())
  })

  it('refuses a default duration above the maximum before asking Go', async () => {
    renderWithQuery(<PolicyForm envs={[makeEnv()]} />)
    await screen.findByTestId('policy-max_minutes')
    await userEvent.clear(screen.getByTestId('policy-default_minutes'))
    await userEvent.type(screen.getByTestId('policy-default_minutes'), '90')
    await userEvent.click(screen.getByTestId('policy-save'))
    expect(await screen.findByTestId('default_minutes-error')).toHaveTextContent('Between 1 and the maximum (60).')
    expect(setPolicy).not.toHaveBeenCalled()
  })

  it('edits the daily and monthly session limits, 0 meaning none', async () => {
    getPolicy.mockResolvedValue(makePolicy({ agent_daily_limit: 0, env_monthly_limit: 50 }))
    renderWithQuery(<PolicyForm envs={[makeEnv()]} />)
    expect(await screen.findByTestId('policy-agent_daily_limit')).toHaveValue(0)
    expect(screen.getByTestId('policy-env_monthly_limit')).toHaveValue(50)
    expect(screen.getByTestId('policy-form')).toHaveTextContent('0: no limit.')
    await userEvent.clear(screen.getByTestId('policy-agent_daily_limit'))
    await userEvent.type(screen.getByTestId('policy-agent_daily_limit'), '5')
    await userEvent.clear(screen.getByTestId('policy-env_monthly_limit'))
    await userEvent.type(screen.getByTestId('policy-env_monthly_limit'), '0')
    await userEvent.click(screen.getByTestId('policy-save'))
    await waitFor(() => expect(setPolicy).toHaveBeenCalledWith('', expect.objectContaining({ agent_daily_limit: 5, env_monthly_limit: 0 })))
  })

  it('refuses a negative limit before asking Go', async () => {
    renderWithQuery(<PolicyForm envs={[makeEnv()]} />)
    await screen.findByTestId('policy-agent_daily_limit')
    await userEvent.clear(screen.getByTestId('policy-env_monthly_limit'))
    await userEvent.type(screen.getByTestId('policy-env_monthly_limit'), '-1')
    await userEvent.click(screen.getByTestId('policy-save'))
    expect(await screen.findByTestId('env_monthly_limit-error')).toHaveTextContent('Enter a whole number.')
    expect(setPolicy).not.toHaveBeenCalled()
  })
})
