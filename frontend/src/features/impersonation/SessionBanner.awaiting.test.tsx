import { fireEvent, screen } from '@testing-library/react'
import * as backend from '@/lib/backend'
import { emit } from '@/testing/mock-backend'
import { makeSession } from '@/testing/builders'
import type { Session } from '@/lib/types'
import { advance, mount } from './bannerHarness'

vi.mock('@/lib/backend', () => import('@/testing/mock-backend'))

const active = vi.mocked(backend.activeSessions)
const stop = vi.mocked(backend.stopImpersonation)

const NOW = Date.parse('2025-01-01T12:00:00Z')
const at = (seconds: number) => new Date(NOW + seconds * 1000).toISOString()

const INSTRUCTIONS =
  'WorkOS has no API to start an impersonation: finish it in the WorkOS dashboard that just opened, signed in as agent@example.com. Click Impersonate User if the dialog is not open, choose the organization Acme (org_1), and type the same reason: "Customer cannot see invoices". Guise waits up to 10m for WorkOS to report it.'

/** A WorkOS start waiting for the dashboard for `seconds` more, as Impersonation.Start and session:updated give it. */
const waiting = (seconds: number, s: Partial<Session> = {}): Session =>
  makeSession({
    id: 'ses_w',
    env: 'wos',
    provider: 'workos',
    user_email: 'ada@acme.test',
    org_name: 'Acme',
    provider_ref: '',
    expires_at: at(seconds),
    awaiting_until: at(seconds),
    note: INSTRUCTIONS,
    ...s,
  })


describe('SessionBanner, waiting for a start in the WorkOS dashboard', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('shows the wait, the instructions and the time left to start, with no impersonation countdown and no warning', async () => {
    active.mockResolvedValue([waiting(4 * 60)])
    await mount()
    const item = screen.getByTestId('banner-item')
    expect(item).toHaveAttribute('data-awaiting')
    expect(screen.getByTestId('banner-awaiting')).toHaveTextContent('Waiting for the WorkOS dashboard… to impersonate ada@acme.test · Acme · 04:00 left to start it there in wos')
    expect(screen.getByTestId('banner-instructions')).toHaveTextContent('choose the organization Acme (org_1), and type the same reason: "Customer cannot see invoices"')
    expect(screen.queryByTestId('banner-countdown')).not.toBeInTheDocument()
    expect(item).not.toHaveTextContent('Impersonating')
    expect(item).not.toHaveClass('warning')
    expect(screen.getByTestId('banner-stop')).toHaveTextContent('Cancel')
    await advance(1000)
    expect(screen.getByTestId('banner-await-left')).toHaveTextContent('03:59')
    emit('session:expiring', waiting(4 * 60))
    expect(screen.getByTestId('banner-item')).not.toHaveClass('warning')
    expect(screen.queryByTestId('banner-notice')).not.toBeInTheDocument()
  })

  it('follows Go: waiting on session:updated, then the normal banner with the real expiry once WorkOS reports the start', async () => {
    await mount()
    expect(screen.queryByTestId('session-banner')).not.toBeInTheDocument()
    const s = waiting(600)
    emit('session:updated', s)
    expect(screen.getByTestId('banner-item')).toHaveAttribute('data-awaiting')

    emit('session:started', {
      ...s,
      awaiting_until: null,
      provider_ref: 'session_01HABC',
      expires_at: at(60 * 60),
      note: 'WorkOS session session_01HABC started in the dashboard at 12:00; it ends at 13:00 (WorkOS\'s 60 minutes)',
    })
    const item = screen.getByTestId('banner-item')
    expect(item).not.toHaveAttribute('data-awaiting')
    expect(item).toHaveTextContent('Impersonating ada@acme.test · Acme · 60:00 left')
    expect(screen.getByTestId('banner-stop')).toHaveTextContent('Stop')
    expect(screen.getByTestId('banner-notice')).toHaveTextContent('Started in the dashboard: WorkOS session session_01HABC started in the dashboard at 12:00')
  })

  it('says the start failed when WorkOS reported nothing in time', async () => {
    const s = waiting(5)
    active.mockResolvedValue([s])
    await mount()
    emit('session:ended', { ...s, ended_at: at(5), end_reason: 'failed', note: 'not started in the dashboard: workos reported no such impersonation within 10m' })
    expect(screen.queryByTestId('banner-item')).not.toBeInTheDocument()
    const notice = screen.getByTestId('banner-notice')
    expect(notice).toHaveTextContent('The impersonation of ada@acme.test failed: not started in the dashboard: workos reported no such impersonation within 10m.')
    expect(notice).toHaveClass('warn')
  })

  it('asks Go once for the running sessions when the wait runs out', async () => {
    active.mockResolvedValueOnce([waiting(2)]).mockResolvedValue([])
    await mount()
    expect(active).toHaveBeenCalledTimes(1)
    await advance(2000)
    expect(active).toHaveBeenCalledTimes(2)
    expect(screen.queryByTestId('banner-item')).not.toBeInTheDocument()
  })

  it('cancels with the same Stop, and says what Go did', async () => {
    const s = waiting(600)
    active.mockResolvedValue([s])
    stop.mockResolvedValue({
      session: {
        ...s,
        ended_at: at(0),
        end_reason: 'stopped',
        note: 'Stopped waiting for the dashboard; nothing was running yet. If it was started there meanwhile, the next sync lists it as started outside Guise: stop it there.',
      },
      already_ended: false,
      detail: 'Stopped waiting for the dashboard; nothing was running yet.',
    })
    await mount()
    fireEvent.click(screen.getByTestId('banner-stop'))
    await advance(0)
    expect(stop).toHaveBeenCalledWith('ses_w')
    expect(screen.queryByTestId('banner-item')).not.toBeInTheDocument()
    const notice = screen.getByTestId('banner-notice')
    expect(notice).toHaveTextContent(
      'Canceled the impersonation of ada@acme.test. Stopped waiting for the dashboard; nothing was running yet. If it was started there meanwhile, the next sync lists it as started outside Guise: stop it there.',
    )
    expect(notice).toHaveClass('info')
  })

  it('shows the instructions of a start just made in its line, not as a separate notice', async () => {
    await mount(waiting(600))
    fireEvent.click(screen.getByText('start'))
    expect(screen.getByTestId('banner-instructions')).toHaveTextContent('Click Impersonate User')
    expect(screen.queryByTestId('banner-notice')).not.toBeInTheDocument()
  })
})
