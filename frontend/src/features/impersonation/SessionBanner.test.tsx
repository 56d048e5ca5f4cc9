import { act, fireEvent, render, screen } from '@testing-library/react'
import * as backend from '@/lib/backend'
import { emit, listenerCount } from '@/testing/mock-backend'
import { makeSession } from '@/testing/builders'
import { ActiveSessionsProvider } from './ActiveSessions'
import { SessionBanner } from './SessionBanner'

vi.mock('@/lib/backend', () => import('@/testing/mock-backend'))

const active = vi.mocked(backend.activeSessions)
const stop = vi.mocked(backend.stopImpersonation)

const NOW = Date.parse('2025-01-01T12:00:00Z')
/** A session that expires `seconds` after NOW. */
const expiringIn = (seconds: number, id = 'sess_1') =>
  makeSession({ id, user_email: 'ada@acme.test', org_name: 'Acme', expires_at: new Date(NOW + seconds * 1000).toISOString() })

/** Lets resolved promises settle and timers run, under fake timers. */
const advance = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms))

async function mount() {
  render(
    <ActiveSessionsProvider>
      <SessionBanner />
    </ActiveSessionsProvider>,
  )
  await advance(0)
}

describe('SessionBanner', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('shows who is impersonated and counts down each second', async () => {
    active.mockResolvedValue([expiringIn(10 * 60)])
    await mount()
    expect(screen.getByTestId('session-banner')).toHaveTextContent('Impersonating ada@acme.test · Acme · 10:00 left')
    await advance(1000)
    expect(screen.getByTestId('banner-countdown')).toHaveTextContent('09:59')
    await advance(59_000)
    expect(screen.getByTestId('banner-countdown')).toHaveTextContent('09:00')
  })

  it('turns to a warning in the last five minutes', async () => {
    active.mockResolvedValue([expiringIn(5 * 60 + 2)])
    await mount()
    expect(screen.getByTestId('banner-item')).not.toHaveClass('warning')
    await advance(2000)
    expect(screen.getByTestId('banner-countdown')).toHaveTextContent('05:00')
    expect(screen.getByTestId('banner-item')).toHaveClass('warning')
  })

  it('warns at once when Go says the session is expiring', async () => {
    const s = expiringIn(20 * 60)
    active.mockResolvedValue([s])
    await mount()
    expect(screen.getByTestId('banner-item')).not.toHaveClass('warning')
    emit('session:expiring', s)
    expect(screen.getByTestId('banner-item')).toHaveClass('warning')
  })

  it('stops the session with Impersonation.Stop', async () => {
    const s = expiringIn(600)
    active.mockResolvedValue([s])
    stop.mockResolvedValue({ session: { ...s, ended_at: new Date(NOW).toISOString(), end_reason: 'stopped' }, already_ended: false })
    await mount()
    fireEvent.click(screen.getByTestId('banner-stop'))
    await advance(0)
    expect(stop).toHaveBeenCalledWith('sess_1')
    expect(screen.queryByTestId('banner-item')).not.toBeInTheDocument()
    expect(screen.getByTestId('banner-notice')).toHaveTextContent('Stopped impersonating ada@acme.test.')
  })

  it('says what the stop did, as information rather than a warning', async () => {
    const s = expiringIn(600)
    active.mockResolvedValue([s])
    stop.mockResolvedValue({ session: { ...s, ended_at: new Date(NOW).toISOString(), end_reason: 'stopped', note: 'revoked at the Demo identity provider' }, already_ended: false })
    await mount()
    fireEvent.click(screen.getByTestId('banner-stop'))
    await advance(0)
    const notice = screen.getByTestId('banner-notice')
    expect(notice).toHaveTextContent('Stopped impersonating ada@acme.test (revoked at the Demo identity provider).')
    expect(notice).toHaveClass('info')
    expect(notice).not.toHaveClass('warn')
  })

  it('stops every session with Stop all', async () => {
    const a = expiringIn(600, 'a')
    const b = expiringIn(900, 'b')
    active.mockResolvedValue([b, a])
    const ended = (s: typeof a) => ({ session: { ...s, ended_at: new Date(NOW).toISOString(), end_reason: 'stopped' as const }, already_ended: false })
    vi.mocked(backend.stopAllImpersonations).mockResolvedValue([ended(a), ended(b)])
    await mount()
    expect(screen.getAllByTestId('banner-countdown').map((c) => c.textContent)).toEqual(['10:00', '15:00'])
    fireEvent.click(screen.getByTestId('banner-stop-all'))
    await advance(0)
    expect(backend.stopAllImpersonations).toHaveBeenCalled()
    expect(screen.queryByTestId('banner-item')).not.toBeInTheDocument()
    expect(screen.getAllByTestId('banner-notice')).toHaveLength(2)
  })

  it('keeps the session and shows the error when Stop fails', async () => {
    active.mockResolvedValue([expiringIn(600)])
    stop.mockRejectedValue({ code: 'unavailable', message: 'The provider could not be reached.' })
    await mount()
    fireEvent.click(screen.getByTestId('banner-stop'))
    await advance(0)
    expect(screen.getByTestId('banner-item')).toHaveTextContent('The provider could not be reached.')
    expect(screen.getByTestId('banner-stop')).toBeEnabled()
  })

  it('appears on session:started and ends on session:ended', async () => {
    await mount()
    expect(screen.queryByTestId('session-banner')).not.toBeInTheDocument()
    const s = expiringIn(1800, 'sess_new')
    emit('session:started', s)
    expect(screen.getByTestId('banner-countdown')).toHaveTextContent('30:00')
    emit('session:ended', { ...s, ended_at: new Date(NOW).toISOString(), end_reason: 'revoked', note: 'Auth0 cannot revoke it server side.' })
    expect(screen.queryByTestId('banner-item')).not.toBeInTheDocument()
    expect(screen.getByTestId('banner-notice')).toHaveTextContent('The provider ended the impersonation of ada@acme.test. Auth0 cannot revoke it server side.')
    await advance(20_000)
    expect(screen.queryByTestId('session-banner')).not.toBeInTheDocument()
  })

  it('asks Go once for the running sessions when the countdown reaches zero', async () => {
    active.mockResolvedValueOnce([expiringIn(3)]).mockResolvedValue([])
    await mount()
    expect(active).toHaveBeenCalledTimes(1)
    await advance(2000)
    expect(screen.getByTestId('banner-countdown')).toHaveTextContent('00:01')
    expect(active).toHaveBeenCalledTimes(1)
    await advance(1000)
    expect(active).toHaveBeenCalledTimes(2)
    expect(screen.queryByTestId('banner-item')).not.toBeInTheDocument()
    await advance(5000)
    expect(active).toHaveBeenCalledTimes(2)
  })

  it('unsubscribes from session events on unmount', async () => {
    const { unmount } = render(
      <ActiveSessionsProvider>
        <SessionBanner />
      </ActiveSessionsProvider>,
    )
    expect(listenerCount('session:ended')).toBe(1)
    unmount()
    expect(listenerCount('session:ended')).toBe(0)
  })
})
