import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { ErrorNote } from '@/components/ui'
import { ActiveSessionsProvider } from '@/features/impersonation/ActiveSessions'
import { SyncProvider } from '@/features/sync/SyncState'
import { errorMessage } from '@/lib/errors'
import { infoQuery } from '@/lib/queries'
import { Shell } from './Shell'

function newClient() {
  return new QueryClient({
    defaultOptions: {
      // Go answers from a local database: failures are not transient, and a
      // desktop window has no "refocus to refresh" habit. Go events refresh instead.
      queries: { retry: false, refetchOnWindowFocus: false },
      mutations: { retry: false },
    },
  })
}

export function App() {
  const [client] = useState(newClient)
  return (
    <QueryClientProvider client={client}>
      <Boot />
    </QueryClientProvider>
  )
}

/** System.Ready first (it tells Go the window is up), then everything else. */
function Boot() {
  const info = useQuery(infoQuery)
  if (info.isError) {
    return (
      <div className="fatal">
        <h1>Guise could not start</h1>
        <ErrorNote message={errorMessage(info.error)} />
      </div>
    )
  }
  if (!info.data) return <div className="fatal muted">Starting Guise…</div>
  return (
    <ActiveSessionsProvider>
      <SyncProvider>
        <Shell info={info.data} />
      </SyncProvider>
    </ActiveSessionsProvider>
  )
}
