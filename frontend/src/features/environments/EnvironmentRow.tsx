import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Badge, ErrorNote } from '@/components/ui'
import { removeEnvironment, testEnvironment } from '@/lib/backend'
import { errorMessage } from '@/lib/errors'
import { formatAgo, formatNumber } from '@/lib/format'
import { keys } from '@/lib/queries'
import type { CheckResult, EnvView } from '@/lib/types'
import { EditEnvironmentForm } from './EditEnvironmentForm'
import { providerLabel } from './providers'
import { ReachStatus } from './Reachability'

const COLUMNS = 9

export function EnvironmentRow({ env, current, now }: { env: EnvView; current: boolean; now: number }) {
  const qc = useQueryClient()
  const [confirming, setConfirming] = useState(false)
  const [editing, setEditing] = useState(false)
  const test = useMutation({ mutationFn: () => testEnvironment(env.name) })
  const remove = useMutation({
    mutationFn: () => removeEnvironment(env.name),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.environments }),
  })

  return (
    <>
      <tr data-testid="env-row" data-env={env.name}>
        <td>
          <strong>{env.name}</strong> {current && <Badge tone="info">current</Badge>} {env.builtin && <Badge>built in</Badge>}
        </td>
        <td>{providerLabel(env.provider)}</td>
        <td>
          <ReachStatus env={env} now={now} />
        </td>
        <td className="mono small">{env.base_url || '—'}</td>
        <td>
          {env.has_secret ? <Badge tone="ok">set</Badge> : env.builtin ? '—' : <Badge tone="warn">missing</Badge>}
          {env.has_secret && env.secret_where && <div className="muted small">{env.secret_where}</div>}
        </td>
        <td className="num">{formatNumber(env.users)}</td>
        <td className="num" data-testid="env-month-count">
          {formatNumber(env.impersonations_this_month)}
        </td>
        <td>
          {env.last_synced_at ? formatAgo(env.last_synced_at, now) : 'never'}
          {env.last_error && <div className="error-text small">{env.last_error}</div>}
        </td>
        <td className="actions">
          <button type="button" data-testid="env-test" disabled={test.isPending} onClick={() => test.mutate()}>
            {test.isPending ? 'Testing…' : 'Test connection'}
          </button>
          {/* Guise manages the built-in Demo; Go refuses to edit it. */}
          {!env.builtin && (
            <button type="button" data-testid="env-edit" aria-expanded={editing} onClick={() => setEditing((v) => !v)}>
              Edit
            </button>
          )}
          <button
            type="button"
            className="danger-outline"
            data-testid="env-remove"
            disabled={env.builtin || remove.isPending}
            title={env.builtin ? 'The built-in Demo environment cannot be removed.' : undefined}
            onClick={() => setConfirming(true)}
          >
            Remove
          </button>
        </td>
      </tr>
      {editing && (
        <tr className="subrow">
          <td colSpan={COLUMNS}>
            <EditEnvironmentForm env={env} onDone={() => setEditing(false)} />
          </td>
        </tr>
      )}
      {confirming && (
        <tr className="subrow">
          <td colSpan={COLUMNS}>
            <div className="confirm" role="alertdialog" aria-label={`Remove ${env.name}`}>
              <span>
                Remove <strong>{env.name}</strong>? Its cached users and its secret are deleted; its history is kept.
              </span>
              <button
                type="button"
                className="danger"
                data-testid="env-remove-confirm"
                onClick={() => {
                  setConfirming(false)
                  remove.mutate()
                }}
              >
                Remove
              </button>
              <button type="button" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          </td>
        </tr>
      )}
      {(test.data || test.error || remove.error) && (
        <tr className="subrow">
          <td colSpan={COLUMNS}>
            {remove.error && <ErrorNote message={errorMessage(remove.error)} />}
            {test.error && <ErrorNote message={`The test could not run: ${errorMessage(test.error)}`} />}
            {test.data && <Checks results={test.data} onClose={() => test.reset()} />}
          </td>
        </tr>
      )}
    </>
  )
}

function Checks({ results, onClose }: { results: CheckResult[]; onClose: () => void }) {
  const failed = results.filter((r) => !r.ok).length
  return (
    <div className="checks" data-testid="env-checks">
      <div className="checks-head">
        <strong>{failed === 0 ? 'All checks passed.' : `${failed} of ${results.length} checks failed.`}</strong>
        <button type="button" className="icon-button" aria-label="Close test results" onClick={onClose}>
          ×
        </button>
      </div>
      <ul>
        {results.map((r) => (
          <li key={r.name} className={r.ok ? 'ok' : 'fail'}>
            <span aria-hidden="true">{r.ok ? '✓' : '✗'}</span> <span className="check-name">{r.name}</span>
            {r.detail && <span className="muted">: {r.detail}</span>}
            <span className="sr-only">{r.ok ? ' (passed)' : ' (failed)'}</span>
          </li>
        ))}
      </ul>
    </div>
  )
}
