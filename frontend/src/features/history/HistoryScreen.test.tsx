import { fireEvent, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import * as backend from '@/lib/backend'
import { makeAudit, makeEnv, makeSession } from '@/testing/builders'
import { renderWithQuery } from '@/testing/render'
import { emptyFilter, HistoryScreen } from './HistoryScreen'

vi.mock('@/lib/backend', () => import('@/testing/mock-backend'))

const list = vi.mocked(backend.listHistory)

describe('HistoryScreen', () => {
  beforeEach(() => {
    vi.mocked(backend.listEnvironments).mockResolvedValue([makeEnv(), makeEnv({ name: 'prod', provider: 'clerk', builtin: false })])
    list.mockResolvedValue([
      makeSession({ id: 's1', user_email: 'ada@acme.test', ended_at: '2025-01-01T12:10:00Z', end_reason: 'stopped' }),
      makeSession({ id: 's2', user_email: 'bob@acme.test' }),
    ])
  })

  it('lists sessions with History.List and shows the chain status', async () => {
    vi.mocked(backend.verifyAudit).mockResolvedValue({ intact: true, count: 42, broken_at: 0, detail: '' })
    renderWithQuery(<HistoryScreen />)
    expect(await screen.findAllByTestId('history-row')).toHaveLength(2)
    expect(list).toHaveBeenCalledWith(emptyFilter)
    expect(screen.getByTestId('history-table')).toHaveTextContent('ada@acme.test')
    expect(await screen.findByTestId('chain-status')).toHaveTextContent('Audit chain intact (42 records)')
  })

  it('reports a broken chain', async () => {
    vi.mocked(backend.verifyAudit).mockResolvedValue({ intact: false, count: 42, broken_at: 17, detail: 'hash mismatch' })
    renderWithQuery(<HistoryScreen />)
    expect(await screen.findByText(/Audit chain broken at record #17: hash mismatch/)).toBeInTheDocument()
  })

  it('asks History.List again with each filter the agent changes', async () => {
    renderWithQuery(<HistoryScreen />)
    await screen.findAllByTestId('history-row')

    await userEvent.selectOptions(screen.getByTestId('history-end-reason'), 'expired')
    await waitFor(() => expect(list).toHaveBeenLastCalledWith({ ...emptyFilter, end_reason: 'expired' }))

    await waitFor(() => expect(screen.getByRole('option', { name: 'prod' })).toBeInTheDocument())
    await userEvent.selectOptions(screen.getByTestId('history-env'), 'prod')
    await waitFor(() => expect(list).toHaveBeenLastCalledWith({ ...emptyFilter, end_reason: 'expired', env: 'prod' }))

    fireEvent.change(screen.getByTestId('history-from'), { target: { value: '2025-01-01' } })
    await waitFor(() => expect(list).toHaveBeenLastCalledWith(expect.objectContaining({ from: '2025-01-01', env: 'prod' })))

    await userEvent.type(screen.getByTestId('history-agent'), 'sam@')
    await userEvent.type(screen.getByTestId('history-text'), 'invoice')
    await waitFor(() => expect(list).toHaveBeenLastCalledWith({ ...emptyFilter, end_reason: 'expired', env: 'prod', from: '2025-01-01', agent: 'sam@', text: 'invoice' }))
    // Text filters wait for typing to stop: not one call per keystroke.
    expect(list.mock.calls.filter(([f]) => f.text !== '' && f.text !== 'invoice')).toHaveLength(0)
  })

  it('filters by user and date range, and clears every filter at once', async () => {
    renderWithQuery(<HistoryScreen />)
    await screen.findAllByTestId('history-row')
    expect(screen.queryByRole('button', { name: 'Clear filters' })).not.toBeInTheDocument()

    await userEvent.type(screen.getByTestId('history-user'), 'ada@acme.test')
    fireEvent.change(screen.getByTestId('history-from'), { target: { value: '2025-01-01' } })
    fireEvent.change(screen.getByTestId('history-to'), { target: { value: '2025-01-31' } })
    await waitFor(() => expect(list).toHaveBeenLastCalledWith({ ...emptyFilter, user: 'ada@acme.test', from: '2025-01-01', to: '2025-01-31' }))
    // The range cannot be inverted from the pickers.
    expect(screen.getByTestId('history-to')).toHaveAttribute('min', '2025-01-01')
    expect(screen.getByTestId('history-from')).toHaveAttribute('max', '2025-01-31')

    await userEvent.click(screen.getByRole('button', { name: 'Clear filters' }))
    await waitFor(() => expect(list).toHaveBeenLastCalledWith(emptyFilter))
    expect(screen.getByTestId('history-user')).toHaveValue('')
    expect(screen.queryByRole('button', { name: 'Clear filters' })).not.toBeInTheDocument()
  })

  it('exports with the current filter and says where the file went', async () => {
    vi.mocked(backend.exportHistory).mockResolvedValue('/home/ada/guise-history.csv')
    renderWithQuery(<HistoryScreen />)
    await userEvent.selectOptions(screen.getByTestId('history-end-reason'), 'failed')
    await userEvent.click(screen.getByTestId('export-csv'))
    expect(backend.exportHistory).toHaveBeenCalledWith('csv', { ...emptyFilter, end_reason: 'failed' })
    expect(await screen.findByText('Saved to /home/ada/guise-history.csv')).toBeInTheDocument()
  })

  it('shows audit records, refusals included', async () => {
    vi.mocked(backend.listAudit).mockResolvedValue([
      { seq: 1, at: '2025-01-01T12:00:00Z', kind: 'impersonation.started', env: 'demo', agent: 'sam@x', user_id: 'u', user_email: 'ada@acme.test', org_id: '', org_name: 'Acme', session_id: 's1', reason: 'help', ticket: '', rule: '', detail: '', prev_hash: '', hash: 'h1' },
      { seq: 2, at: '2025-01-01T12:01:00Z', kind: 'impersonation.refused', env: 'demo', agent: 'sam@x', user_id: 'u2', user_email: 'boss@acme.test', org_id: '', org_name: '', session_id: '', reason: 'help', ticket: '', rule: 'protected_user', detail: 'boss is protected', prev_hash: 'h1', hash: 'h2' },
    ])
    renderWithQuery(<HistoryScreen />)
    await userEvent.click(screen.getByTestId('audit-tab'))
    expect(await screen.findAllByTestId('audit-row')).toHaveLength(2)
    expect(screen.getByText('protected user')).toHaveAttribute('title', 'rule: protected_user')
    await userEvent.click(screen.getByLabelText('Refusals only'))
    expect(screen.getAllByTestId('audit-row')).toHaveLength(1)
  })

  it('renders the newer audit kinds and refusal rules in plain words', async () => {
    const rec = (seq: number, kind: string, rule = '', detail = '') => makeAudit({ seq, kind, env: 'prod', rule, detail })
    vi.mocked(backend.listAudit).mockResolvedValue([
      rec(1, 'session.stop_pending', '', 'stop not confirmed yet: Cannot reach Clerk.'),
      rec(2, 'impersonation.refused', 'agent_daily_limit', 'sam@x has started 5 impersonations today'),
      rec(3, 'impersonation.refused', 'env_monthly_limit', 'This environment has used its 50 impersonations'),
      rec(4, 'impersonation.refused', 'provider_unsupported', 'Auth0 tenant acme does not allow impersonation'),
      rec(5, 'session.novel_kind', 'some_new_rule'),
    ])
    renderWithQuery(<HistoryScreen />)
    await userEvent.click(screen.getByTestId('audit-tab'))
    const rows = await screen.findAllByTestId('audit-row')
    expect(rows[0]).toHaveTextContent('stop pending')
    expect(rows[0]).toHaveTextContent('stop not confirmed yet: Cannot reach Clerk.')
    expect(rows[0]).not.toHaveClass('refused')
    expect(screen.getByText('stop pending')).toHaveClass('badge-warn')
    expect(rows[1]).toHaveTextContent('refused')
    expect(rows[1]).toHaveTextContent('agent’s daily limit reached')
    expect(rows[1]).toHaveClass('refused')
    expect(rows[2]).toHaveTextContent('monthly limit reached')
    expect(rows[3]).toHaveTextContent('the provider does not allow it')
    expect(rows[4]).toHaveTextContent('session.novel_kind')
    expect(rows[4]).toHaveTextContent('some new rule')
    await userEvent.click(screen.getByLabelText('Refusals only'))
    expect(screen.getAllByTestId('audit-row')).toHaveLength(3)
  })

  it('marks a running session whose stop is pending', async () => {
    list.mockResolvedValue([makeSession({ id: 's3', revoke_pending_since: '2025-01-01T12:05:00Z', note: 'stop not confirmed yet: Cannot reach Clerk.' })])
    renderWithQuery(<HistoryScreen />)
    const row = await screen.findByTestId('history-row')
    expect(row).toHaveTextContent('stop pending')
    expect(row).toHaveTextContent('Cannot reach Clerk.')
    expect(row).not.toHaveTextContent('running')
  })

  it('marks impersonations started outside Guise, and starts waiting for the dashboard', async () => {
    list.mockResolvedValue([
      makeSession({ id: 'w', provider: 'workos', provider_ref: '', awaiting_until: '2025-01-01T12:10:00Z', note: 'Click Impersonate User in the WorkOS dashboard.' }),
      makeSession({ id: 'o', provider: 'workos', provider_ref: 'session_01H', outside: true, agent_email: 'sam@acme.test', note: 'started outside Guise, in the provider\'s dashboard' }),
      makeSession({ id: 'f', provider: 'workos', provider_ref: '', awaiting_until: '2025-01-01T12:10:00Z', ended_at: '2025-01-01T12:10:00Z', end_reason: 'failed', note: 'not started in the dashboard' }),
    ])
    vi.mocked(backend.listAudit).mockResolvedValue([
      makeAudit({ seq: 1, kind: 'session.awaiting', env: 'wos', session_id: 'w' }),
      makeAudit({ seq: 2, at: '2025-01-01T12:01:00Z', kind: 'session.imported', env: 'wos', session_id: 'o', prev_hash: 'h1' }),
    ])
    renderWithQuery(<HistoryScreen />)
    const [waiting, outside, failed] = await screen.findAllByTestId('history-row')
    expect(waiting).toHaveTextContent('waiting for the dashboard')
    expect(waiting).not.toHaveTextContent('running')
    expect(waiting).not.toHaveTextContent('started outside Guise')
    expect(outside).toHaveTextContent('started outside Guise')
    expect(outside).toHaveTextContent('running')
    expect(failed).toHaveTextContent('failed')
    expect(failed).not.toHaveTextContent('waiting for the dashboard')
    await userEvent.click(screen.getByTestId('audit-tab'))
    const rows = await screen.findAllByTestId('audit-row')
    expect(rows[0]).toHaveTextContent('waiting for the dashboard')
    expect(rows[1]).toHaveTextContent('started outside Guise')
  })
})
