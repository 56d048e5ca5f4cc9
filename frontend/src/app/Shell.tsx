import { useQuery } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { EmptyState, ErrorNote } from '@/components/ui'
import { EnvironmentsScreen } from '@/features/environments/EnvironmentsScreen'
import { HistoryScreen } from '@/features/history/HistoryScreen'
import { SessionBanner } from '@/features/impersonation/SessionBanner'
import { SettingsScreen } from '@/features/settings/SettingsScreen'
import { errorMessage } from '@/lib/errors'
import { isSearchShortcut } from '@/lib/shortcuts'
import { environmentsQuery, policyQuery, settingsQuery } from '@/lib/queries'
import type { Info } from '@/lib/types'
import { EnvSwitcher } from './EnvSwitcher'
import { useBackendEvents } from './useBackendEvents'
import { useCurrentEnv } from './useCurrentEnv'
import { UsersPage } from './UsersPage'

export type Screen = 'users' | 'history' | 'environments' | 'settings'

const NAV: { screen: Screen; label: string }[] = [
  { screen: 'users', label: 'Users' },
  { screen: 'history', label: 'History' },
  { screen: 'environments', label: 'Environments' },
  { screen: 'settings', label: 'Settings' },
]

/** The window: navigation, environment switcher, the session banner, and the current screen. */
export function Shell({ info }: { info: Info }) {
  const envs = useQuery(environmentsQuery)
  const settings = useQuery(settingsQuery)
  const { current, select, error: envError } = useCurrentEnv(info.current_env, envs.data)
  // The policy in force in the current environment marks protected users in the results.
  const policy = useQuery({ ...policyQuery(current?.name ?? ''), enabled: !!current })
  const [screen, setScreen] = useState<Screen>('users')
  const [query, setQuery] = useState('')
  const [selected, setSelected] = useState({ env: '', id: '' })
  useBackendEvents()

  // Ctrl/Cmd+K from any screen goes to the search (which then focuses itself).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isSearchShortcut(e)) {
        e.preventDefault()
        setScreen('users')
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  const agentMissing = settings.isSuccess && !settings.data.agent.email
  const envList = envs.data ?? []

  let body
  if (screen === 'history') body = <HistoryScreen />
  else if (screen === 'environments')
    body = <EnvironmentsScreen currentEnv={current?.name ?? ''} onAdded={(e) => envList.length === 0 && void select(e.name)} />
  else if (screen === 'settings') body = <SettingsScreen />
  else if (envs.isError) body = <ErrorNote message={errorMessage(envs.error)} />
  else if (!envs.isSuccess) body = <p className="muted pad">Loading…</p>
  else if (!current)
    body = (
      <EmptyState
        title="No environment yet."
        action={
          <button type="button" className="primary" onClick={() => setScreen('environments')}>
            Add an environment
          </button>
        }
      >
        Connect an identity provider (or the built-in Demo) to search its users and impersonate them.
      </EmptyState>
    )
  else
    body = (
      <UsersPage
        env={current}
        query={query}
        onQueryChange={setQuery}
        selectedId={selected.env === current.name ? selected.id : ''}
        onSelect={(id) => setSelected({ env: current.name, id })}
        agentMissing={agentMissing}
        policy={policy.data}
        templates={settings.data?.reason_templates ?? []}
        onOpenEnvironments={() => setScreen('environments')}
      />
    )

  return (
    <div className="app">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">Guise</div>
        <EnvSwitcher envs={envList} current={current} onSelect={select} error={envError} />
        <ul className="nav">
          {NAV.map((n) => (
            <li key={n.screen}>
              <button
                type="button"
                data-testid={`nav-${n.screen}`}
                className={screen === n.screen ? 'active' : undefined}
                aria-current={screen === n.screen ? 'page' : undefined}
                onClick={() => setScreen(n.screen)}
              >
                {n.label}
              </button>
            </li>
          ))}
        </ul>
        <div className="sidebar-foot">
          {settings.data?.agent.email && <div className="agent" title="You, as recorded in the audit log">{settings.data.agent.name || settings.data.agent.email}</div>}
          <div className="muted small" title={info.home}>
            v{info.version}
          </div>
        </div>
      </nav>
      <main className="main">
        <SessionBanner />
        {agentMissing && screen !== 'settings' && (
          <div className="notice" role="status" data-testid="agent-missing">
            Say who you are before impersonating anyone: every session records its agent.
            <button type="button" className="link" onClick={() => setScreen('settings')}>
              Open Settings
            </button>
          </div>
        )}
        {body}
      </main>
    </div>
  )
}
