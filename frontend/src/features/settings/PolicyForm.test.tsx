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
})
