import { act, render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import * as backend from '@/lib/backend'
import { makeDetail, makePolicy, makeSession, makeUser } from '@/testing/builders'
import type { Session, UserDetail } from '@/lib/types'
import { ImpersonateDialog } from './ImpersonateDialog'

vi.mock('@/lib/backend', () => import('@/testing/mock-backend'))

const start = vi.mocked(backend.startImpersonation)

const twoOrgs = makeUser({
  organizations: [
    { id: 'org_a', name: 'Acme', role: 'admin' },
    { id: 'org_g', name: 'Globex', role: 'member' },
  ],
})

function open(detail: UserDetail = makeDetail(), templates: string[] = []) {
  const onStarted = vi.fn()
  const onClose = vi.fn()
  render(<ImpersonateDialog env="demo" detail={detail} templates={templates} onClose={onClose} onStarted={onStarted} />)
  return { onStarted, onClose }
}

const confirm = () => userEvent.click(screen.getByTestId('confirm-impersonate'))

describe('ImpersonateDialog', () => {
  it('blocks an empty reason with a message and does not call Go', async () => {
    open()
    expect(screen.getByTestId('reason-input')).toHaveFocus()
    await confirm()
    expect(screen.getByTestId('reason-error')).toHaveTextContent('A reason is required (at least 10 characters).')
    expect(screen.getByTestId('reason-input')).toHaveAttribute('aria-invalid', 'true')
    expect(start).not.toHaveBeenCalled()
  })

  it('counts the reason against the minimum and refuses a short one', async () => {
    open()
    expect(screen.getByTestId('reason-counter')).toHaveTextContent('0 / 10')
    await userEvent.type(screen.getByTestId('reason-input'), '  short ')
    expect(screen.getByTestId('reason-counter')).toHaveTextContent('5 / 10')
    expect(screen.getByTestId('reason-counter')).not.toHaveClass('ok')
    await confirm()
    expect(screen.getByTestId('reason-error')).toHaveTextContent('too short: 5 characters, at least 10')
    expect(start).not.toHaveBeenCalled()
    await userEvent.type(screen.getByTestId('reason-input'), 'er than ten')
    expect(screen.getByTestId('reason-counter')).toHaveClass('ok')
    expect(screen.queryByTestId('reason-error')).not.toBeInTheDocument()
  })

  it('requires an organization when the user has several, and sends the chosen one', async () => {
    start.mockResolvedValue(makeSession())
    const { onStarted } = open(makeDetail({ user: twoOrgs }))
    expect(screen.getByTestId('org-select')).toHaveFocus()
    await userEvent.type(screen.getByTestId('reason-input'), 'Customer cannot see invoices')
    await confirm()
    expect(screen.getByTestId('org-error')).toHaveTextContent('Choose the organization')
    expect(start).not.toHaveBeenCalled()

    await userEvent.selectOptions(screen.getByTestId('org-select'), 'org_g')
    await userEvent.clear(screen.getByTestId('duration-input'))
    await userEvent.type(screen.getByTestId('duration-input'), '15')
    await userEvent.type(screen.getByTestId('ticket-input'), 'SUP-42')
    await confirm()
    await waitFor(() => expect(onStarted).toHaveBeenCalled())
    expect(start).toHaveBeenCalledWith({ env: 'demo', user: 'user_1', org: 'org_g', reason: 'Customer cannot see invoices', ticket: 'SUP-42', minutes: 15 })
  })

  it('has no org picker for a single organization and uses it', async () => {
    start.mockResolvedValue(makeSession())
    open()
    expect(screen.queryByTestId('org-select')).not.toBeInTheDocument()
    await userEvent.type(screen.getByTestId('reason-input'), 'Customer cannot see invoices')
    await confirm()
    await waitFor(() => expect(start).toHaveBeenCalledWith(expect.objectContaining({ org: 'org_1', minutes: 30 })))
  })

  it('shows a server error next to the field it names', async () => {
    start.mockRejectedValue({ code: 'refused', rule: 'ticket_pattern', field: 'ticket', message: 'The ticket "x" does not match the required pattern ^SUP-.' })
    const { onStarted } = open()
    await userEvent.type(screen.getByTestId('reason-input'), 'Customer cannot see invoices')
    await userEvent.type(screen.getByTestId('ticket-input'), 'x')
    await confirm()
    expect(await screen.findByTestId('ticket-error')).toHaveTextContent('does not match the required pattern')
    expect(screen.queryByTestId('impersonate-error')).not.toBeInTheDocument()
    expect(onStarted).not.toHaveBeenCalled()
    expect(screen.getByTestId('confirm-impersonate')).toBeEnabled()
  })

  it('shows a refusal without a field at the top of the form', async () => {
    start.mockRejectedValue({ code: 'refused', rule: 'concurrent_session', message: 'You already impersonate this user.' })
    open()
    await userEvent.type(screen.getByTestId('reason-input'), 'Customer cannot see invoices')
    await confirm()
    expect(await screen.findByTestId('impersonate-error')).toHaveTextContent('You already impersonate this user.')
  })

  it('says why it cannot start when the provider is offline, and lets the agent try again', async () => {
    start.mockRejectedValueOnce({ code: 'unavailable', message: 'Cannot reach Clerk at https://api.clerk.com to start the impersonation: connection refused. Check the network and the base URL.' })
    open()
    await userEvent.type(screen.getByTestId('reason-input'), 'Customer cannot see invoices')
    await confirm()
    expect(await screen.findByTestId('impersonate-error')).toHaveTextContent('Cannot reach Clerk at https://api.clerk.com')
    expect(screen.getByTestId('confirm-impersonate')).toBeEnabled()
    expect(screen.getByTestId('reason-input')).toHaveValue('Customer cannot see invoices')
  })

  it('checks the ticket pattern and the maximum duration before asking Go', async () => {
    open(makeDetail({ policy: makePolicy({ ticket_required: true, ticket_pattern: '^SUP-[0-9]+$', max_minutes: 20, default_minutes: 10 }) }))
    expect(screen.getByText('Format: ^SUP-[0-9]+$')).toBeInTheDocument()
    expect(screen.getByTestId('duration-input')).toHaveValue(10)
    await userEvent.type(screen.getByTestId('reason-input'), 'Customer cannot see invoices')
    await confirm()
    expect(screen.getByTestId('ticket-error')).toHaveTextContent('A ticket reference is required')
    await userEvent.type(screen.getByTestId('ticket-input'), 'JIRA-1')
    await userEvent.clear(screen.getByTestId('duration-input'))
    await userEvent.type(screen.getByTestId('duration-input'), '45')
    await confirm()
    expect(screen.getByTestId('ticket-error')).toHaveTextContent('does not match the required pattern ^SUP-[0-9]+$')
    expect(screen.getByTestId('duration-error')).toHaveTextContent('At most 20 minutes')
    expect(start).not.toHaveBeenCalled()
  })

  it('fills the reason from a template', async () => {
    open(makeDetail(), ['Customer asked for help with billing'])
    await userEvent.click(screen.getByRole('button', { name: 'Customer asked for help with billing' }))
    expect(screen.getByTestId('reason-input')).toHaveValue('Customer asked for help with billing')
    expect(screen.getByTestId('reason-counter')).toHaveTextContent('36 / 10')
  })

  it('closes on Escape', async () => {
    const { onClose } = open()
    await userEvent.keyboard('{Escape}')
    expect(onClose).toHaveBeenCalled()
  })

  describe('while the provider is starting it', () => {
    /** Impersonation.Start held open until the test settles it. */
    function pendingStart() {
      const call: { resolve: (s: Session) => void; reject: (e: unknown) => void } = { resolve: () => {}, reject: () => {} }
      start.mockImplementation(() => new Promise<Session>((resolve, reject) => Object.assign(call, { resolve, reject })))
      return call
    }

    function openFor(provider: string, signinTimeout?: string) {
      const onStarted = vi.fn()
      render(<ImpersonateDialog env="asg" provider={provider} signinTimeout={signinTimeout} detail={makeDetail()} templates={[]} onClose={() => {}} onStarted={onStarted} />)
      return { onStarted }
    }

    async function confirmWithReason() {
      await userEvent.type(screen.getByTestId('reason-input'), 'Customer cannot see invoices')
      await confirm()
    }

    it('asgardeo: asks the agent to finish signing in in the browser until Go answers', async () => {
      const call = pendingStart()
      const { onStarted } = openFor('asgardeo', '10m')
      expect(screen.getByTestId('impersonate-hint')).toHaveTextContent('Asgardeo asks you to sign in in your browser first, and may email the user.')
      expect(screen.queryByTestId('impersonate-pending')).not.toBeInTheDocument()
      await confirmWithReason()
      const pending = await screen.findByTestId('impersonate-pending')
      expect(pending).toHaveTextContent('Finish signing in in your browser…')
      expect(pending).toHaveTextContent('Guise waits up to 10m')
      expect(screen.getByTestId('confirm-impersonate')).toBeDisabled()
      expect(screen.getByTestId('confirm-impersonate')).toHaveTextContent('Waiting for your sign-in…')
      expect(screen.getByRole('button', { name: 'Close and keep waiting' })).toBeEnabled()
      const s = makeSession({ env: 'asg', provider: 'asgardeo' })
      await act(async () => call.resolve(s))
      expect(onStarted).toHaveBeenCalledWith(s)
    })

    it.each([
      ['state mismatch', { code: 'unauthorized', message: 'The sign-in answer did not carry the state Guise sent (state mismatch), so it may not come from your sign-in. It was ignored and nothing was started; try again.' }],
      ['timeout', { code: 'unavailable', message: 'Your Asgardeo sign-in did not come back within 3m, so nothing was started. Finish signing in in the browser sooner.' }],
      ['wrong actor', { code: 'provider', message: 'Asgardeo issued a token for user_2 with actor "someone", but Guise asked for user user_1 with you as the actor. Guise revoked it and did not start the session.' }],
    ])('asgardeo: shows the %s error when it comes, and lets the agent try again', async (_, err) => {
      const call = pendingStart()
      const { onStarted } = openFor('asgardeo')
      await confirmWithReason()
      expect(await screen.findByTestId('impersonate-pending')).toHaveTextContent('Guise waits up to 3m')
      await act(async () => call.reject(err))
      expect(screen.getByTestId('impersonate-error')).toHaveTextContent(err.message)
      expect(screen.queryByTestId('impersonate-pending')).not.toBeInTheDocument()
      expect(screen.getByTestId('confirm-impersonate')).toBeEnabled()
      expect(screen.getByTestId('confirm-impersonate')).toHaveTextContent('Start impersonation')
      expect(onStarted).not.toHaveBeenCalled()
    })

    it('other providers: a plain "Starting…", no sign-in to finish', async () => {
      pendingStart()
      openFor('clerk')
      await confirmWithReason()
      expect(await screen.findByTestId('impersonate-pending')).toHaveTextContent('Starting…')
      expect(screen.getByTestId('impersonate-pending')).not.toHaveTextContent('signing in')
      expect(screen.getByTestId('confirm-impersonate')).toHaveTextContent('Starting…')
    })

    it('workos: says the start happens in the WorkOS dashboard', () => {
      openFor('workos')
      expect(screen.getByTestId('impersonate-hint')).toHaveTextContent('Opens the WorkOS dashboard, where you start it; Guise waits for it.')
    })
  })
})
