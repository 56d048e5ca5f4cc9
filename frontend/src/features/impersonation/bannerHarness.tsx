// Test helpers shared by the banner's test files.
import { act, render } from '@testing-library/react'
import type { Session } from '@/lib/types'
import { ActiveSessionsProvider, useActiveSessions } from './ActiveSessions'
import { SessionBanner } from './SessionBanner'

/** Lets resolved promises settle and timers run, under fake timers. */
export const advance = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms))

function Starter({ session }: { session: Session }) {
  const { add } = useActiveSessions()
  return (
    <button type="button" onClick={() => add(session)}>
      start
    </button>
  )
}

/** Renders the banner in its provider; with starter, a "start" button that adds it as Impersonation.Start would. */
export async function mount(starter?: Session) {
  render(
    <ActiveSessionsProvider>
      {starter && <Starter session={starter} />}
      <SessionBanner />
    </ActiveSessionsProvider>,
  )
  await advance(0)
}
