import { render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import * as backend from '@/lib/backend'
import { emit } from '@/testing/mock-backend'
import { makeEnv } from '@/testing/builders'
import type { EnvView, SyncProgress } from '@/lib/types'
import { SyncBar } from './SyncBar'
import { SyncProvider } from './SyncState'

vi.mock('@/lib/backend', () => import('@/testing/mock-backend'))

const progress = (p: Partial<SyncProgress> = {}): SyncProgress => ({ env: 'demo', users: 0, orgs: 0, pages: 0, total: 0, rate: 0, eta_seconds: -1, done: false, error: null, ...p })

function mount(env: EnvView = makeEnv(), onOpenEnvironments?: () => void) {
  return render(
    <SyncProvider>
      <SyncBar env={env} onOpenEnvironments={onOpenEnvironments} />
    </SyncProvider>,
  )
}

describe('SyncBar', () => {
  it('says how fresh the cache is', () => {
    vi.useFakeTimers({ now: Date.parse('2025-01-01T12:00:00Z'), toFake: ['Date'] })
    mount(makeEnv({ users: 120, last_synced_at: '2025-01-01T11:57:00Z' }))
    expect(screen.getByTestId('sync-status')).toHaveTextContent('120 users cached · Last synced 3 min ago')
    vi.useRealTimers()
  })

  it('starts a sync, shows counts, rate and time left, and cancels', async () => {
    mount()
    await userEvent.click(screen.getByTestId('sync-button'))
    expect(backend.startSync).toHaveBeenCalledWith('demo')
    expect(screen.getByTestId('sync-progress')).toHaveTextContent('Starting sync…')
    emit('sync:progress', progress({ users: 12_000, orgs: 40, rate: 2000, eta_seconds: 90 }))
    expect(screen.getByTestId('sync-progress')).toHaveTextContent('Syncing… 12,000 users · 40 orgs · 2,000 users/s · about 2 min left')
    expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '6') // 12,000 of 12,000 + 2,000/s × 90 s
    await userEvent.click(screen.getByTestId('sync-cancel'))
    expect(backend.cancelSync).toHaveBeenCalledWith('demo')
    emit('sync:done', progress({ users: 12_000, done: true, error: { code: 'canceled', message: 'Canceled.' } }))
    expect(screen.queryByTestId('sync-progress')).not.toBeInTheDocument()
    expect(screen.getByTestId('sync-error')).toHaveTextContent('Sync canceled. Sync again to resume where it stopped.')
  })

  it('ignores progress of other environments', () => {
    mount()
    emit('sync:progress', progress({ env: 'prod', users: 5 }))
    expect(screen.queryByTestId('sync-progress')).not.toBeInTheDocument()
  })

  it('explains a failed sync and where to fix it', async () => {
    const openEnvs = vi.fn()
    mount(makeEnv(), openEnvs)
    emit('sync:progress', progress({ users: 10 }))
    emit('sync:done', progress({ done: true, error: { code: 'unauthorized', message: 'Clerk rejected the secret key.' } }))
    expect(screen.getByTestId('sync-error')).toHaveTextContent('Sync failed: Clerk rejected the secret key. The provider rejected the credentials')
    await userEvent.click(screen.getByRole('button', { name: 'Open Environments' }))
    expect(openEnvs).toHaveBeenCalled()
  })

  it('shows a failure to start', async () => {
    vi.mocked(backend.startSync).mockRejectedValue({ code: 'no_secret', message: 'prod has no secret.' })
    mount()
    await userEvent.click(screen.getByTestId('sync-button'))
    await waitFor(() => expect(screen.getByTestId('sync-error')).toHaveTextContent('prod has no secret. This environment has no secret yet'))
    expect(screen.getByTestId('sync-button')).toBeInTheDocument()
  })

  it('with the total the provider reported: "N of Total users", a determinate bar and the time left', async () => {
    mount()
    await userEvent.click(screen.getByTestId('sync-button'))
    emit('sync:progress', progress({ users: 2_500, total: 10_000, orgs: 3, rate: 500, eta_seconds: -1 }))
    expect(screen.getByTestId('sync-progress')).toHaveTextContent('Syncing… 2,500 of 10,000 users · 3 orgs · 500 users/s · about 15 s left')
    const bar = screen.getByRole('progressbar')
    expect(bar).toHaveAttribute('aria-valuenow', '25')
    expect(bar).not.toHaveClass('indeterminate')
    emit('sync:progress', progress({ users: 7_500, total: 10_000, orgs: 3, rate: 50, eta_seconds: 120 }))
    expect(screen.getByTestId('sync-progress')).toHaveTextContent('7,500 of 10,000 users')
    expect(screen.getByTestId('sync-progress')).toHaveTextContent('about 2 min left')
    expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '75')
  })

  it('without a total or a time left, the bar is indeterminate', async () => {
    mount()
    await userEvent.click(screen.getByTestId('sync-button'))
    emit('sync:progress', progress({ users: 300, rate: 0, eta_seconds: -1 }))
    expect(screen.getByTestId('sync-progress')).toHaveTextContent('Syncing… 300 users · 0 orgs')
    expect(screen.getByRole('progressbar')).toHaveClass('indeterminate')
    expect(screen.getByRole('progressbar')).not.toHaveAttribute('aria-valuenow')
  })
})
