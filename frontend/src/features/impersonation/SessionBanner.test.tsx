import { fireEvent, render, screen } from '@testing-library/react'
import * as backend from '@/lib/backend'
import { emit, listenerCount } from '@/testing/mock-backend'
import { makeSession } from '@/testing/builders'
import { ActiveSessionsProvider } from './ActiveSessions'
import { advance, mount } from './bannerHarness'
import { SessionBanner } from './SessionBanner'

vi.mock('@/lib/backend', () => import('@/testing/mock-backend'))

const active = vi.mocked(backend.activeSessions)
const stop = vi.mocked(backend.stopImpersonation)

const NOW = Date.parse('2025-01-01T12:00:00Z')
/** A session that expires `seconds` after NOW. */
const expiringIn = (seconds: number, id = 'sess_1') =>
  makeSession({ id, user_email: 'ada@acme.test', org_name: 'Acme', expires_at: new Date(NOW + seconds * 1000).toISOString() })


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

  it('shows a stop the provider has not confirmed as stopping, not as a failure, and follows session:updated', async () => {
    const s = expiringIn(600)
    active.mockResolvedValue([s])
    stop.mockImplementation(async () => {
      // Go announces the pending state before the call answers.
      emit('session:updated', { ...s, revoke_pending_since: new Date(NOW).toISOString(), note: 'stop not confirmed yet: Cannot reach the demo server at http://127.0.0.1:7777.' })
      throw { code: 'revoke_pending', message: 'The stop of ada@acme.test is pending: Cannot reach the demo server. Guise retries every 10 seconds while its window is open (or run guise stop again) until demo confirms it or the session expires at 12:10.' }
    })
    await mount()
    fireEvent.click(screen.getByTestId('banner-stop'))
    await advance(0)
    const item = screen.getByTestId('banner-item')
    expect(item).toHaveAttribute('data-pending')
    expect(item).toHaveTextContent('Stopping ada@acme.test… the provider has not confirmed yet; retrying.')
    expect(screen.getByTestId('banner-pending-reason')).toHaveTextContent('Cannot reach the demo server at http://127.0.0.1:7777.')
    expect(screen.queryByRole('alert')).not.toBeInTheDocument()
    expect(screen.getByTestId('banner-stop')).toHaveTextContent('Retry stop')

    // The retry succeeds in Go: session:ended clears it.
    emit('session:ended', { ...s, ended_at: new Date(NOW).toISOString(), end_reason: 'stopped', note: 'confirmed on retry, 40s after the stop was asked for.' })
    expect(screen.queryByTestId('banner-item')).not.toBeInTheDocument()
    expect(screen.getByTestId('banner-notice')).toHaveTextContent('Stopped impersonating ada@acme.test (confirmed on retry, 40s after the stop was asked for).')
  })

  it('marks the stop pending from the answer alone when no event came', async () => {
    active.mockResolvedValue([expiringIn(600)])
    stop.mockRejectedValue({ code: 'revoke_pending', message: 'The stop of ada@acme.test is pending: Clerk did not answer in time. Guise keeps retrying.' })
    await mount()
    fireEvent.click(screen.getByTestId('banner-stop'))
    await advance(0)
    expect(screen.getByTestId('banner-item')).toHaveAttribute('data-pending')
    expect(screen.getByTestId('banner-pending-reason')).toHaveTextContent(/^Clerk did not answer in time\.$/)
    expect(screen.queryByRole('alert')).not.toBeInTheDocument()
  })

  it('shows a pending stop of a session Go reports as such on load, or pushes later', async () => {
    const s = expiringIn(600)
    active.mockResolvedValue([{ ...s, revoke_pending_since: new Date(NOW - 60_000).toISOString(), note: 'stop not confirmed yet: Auth0 failed (HTTP 503); try again shortly.' }])
    await mount()
    expect(screen.getByTestId('banner-item')).toHaveTextContent('Stopping ada@acme.test… the provider has not confirmed yet; retrying. Auth0 failed (HTTP 503); try again shortly.')
    expect(screen.getByTestId('banner-countdown')).toHaveTextContent('10:00')
  })

  it('updates a running session on session:updated', async () => {
    const s = expiringIn(600)
    active.mockResolvedValue([s])
    await mount()
    expect(screen.getByTestId('banner-item')).not.toHaveAttribute('data-pending')
    emit('session:updated', { ...s, revoke_pending_since: new Date(NOW).toISOString(), note: 'stop not confirmed yet: connection reset.' })
    expect(screen.getByTestId('banner-item')).toHaveAttribute('data-pending')
    expect(screen.getByTestId('banner-pending-reason')).toHaveTextContent('connection reset.')
  })

  it("shows the note of a session just started, e.g. that it opened in the system browser, until dismissed", async () => {
    const s = { ...expiringIn(600), note: 'Opened in the system browser, not an isolated profile: no Chromium, Google Chrome, Microsoft Edge or Firefox is installed.' }
    await mount(s)
    fireEvent.click(screen.getByText('start'))
    const notice = screen.getByTestId('banner-notice')
    expect(notice).toHaveTextContent('Opened in the system browser, not an isolated profile: no Chromium')
    expect(notice).toHaveClass('warn')
    expect(screen.getByTestId('banner-item')).not.toHaveAttribute('data-pending')
    emit('session:started', { ...s, note: undefined })
    await advance(60_000)
    expect(screen.getByTestId('banner-notice')).toBeInTheDocument()
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }))
    expect(screen.queryByTestId('banner-notice')).not.toBeInTheDocument()
  })
})
