import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { ErrorNote } from '@/components/ui'
import { errorMessage } from '@/lib/errors'
import { useNow } from '@/lib/hooks'
import { environmentsQuery } from '@/lib/queries'
import type { EnvView } from '@/lib/types'
import { AddEnvironmentForm } from './AddEnvironmentForm'
import { EnvironmentRow } from './EnvironmentRow'

type Props = {
  currentEnv: string
  /** Called after an environment is added, e.g. to make it current. */
  onAdded?: (env: EnvView) => void
}

export function EnvironmentsScreen({ currentEnv, onAdded }: Props) {
  const envs = useQuery(environmentsQuery)
  const [adding, setAdding] = useState(false)
  const now = useNow(30_000)
  const list = envs.data ?? []
  const showForm = adding || (envs.isSuccess && list.length === 0)

  return (
    <div className="screen">
      <div className="screen-head">
        <h1>Environments</h1>
        {!showForm && (
          <button type="button" className="primary" data-testid="env-add" onClick={() => setAdding(true)}>
            Add environment
          </button>
        )}
      </div>
      {envs.isError && <ErrorNote message={errorMessage(envs.error)} />}
      {envs.isSuccess && list.length === 0 && (
        <p className="muted">No environment yet. Connect one of your identity providers below, or the built-in Demo to try Guise.</p>
      )}
      {showForm && (
        <AddEnvironmentForm
          onAdded={(e) => {
            setAdding(false)
            onAdded?.(e)
          }}
          onCancel={list.length > 0 ? () => setAdding(false) : undefined}
        />
      )}
      {list.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="env-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Provider</th>
                <th title="Whether Guise reached the provider the last time it tried">Status</th>
                <th>Base URL</th>
                <th>Secret</th>
                <th className="num">Users cached</th>
                <th className="num" title="Impersonations started from this Guise since the 1st of the month">This month</th>
                <th>Last sync</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map((e) => (
                <EnvironmentRow key={e.name} env={e} current={e.name === currentEnv} now={now} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  )
}
