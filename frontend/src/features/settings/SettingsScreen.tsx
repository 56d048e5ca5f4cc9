import { useQuery } from '@tanstack/react-query'
import { ErrorNote } from '@/components/ui'
import { errorMessage } from '@/lib/errors'
import { environmentsQuery, settingsQuery } from '@/lib/queries'
import { AgentForm } from './AgentForm'
import { BrowserForm } from './BrowserForm'
import { PolicyForm } from './PolicyForm'
import { TemplatesForm } from './TemplatesForm'

export function SettingsScreen() {
  const q = useQuery(settingsQuery)
  const envs = useQuery(environmentsQuery)
  return (
    <div className="screen">
      <div className="screen-head">
        <h1>Settings</h1>
      </div>
      {q.isPending && <p className="muted">Loading…</p>}
      {q.isError && <ErrorNote message={errorMessage(q.error)} />}
      {q.data && (
        <div className="settings-grid">
          <AgentForm initial={q.data.agent} />
          <TemplatesForm initial={q.data.reason_templates} />
          <BrowserForm initial={q.data.browser} />
          <PolicyForm envs={envs.data ?? []} />
        </div>
      )}
    </div>
  )
}
