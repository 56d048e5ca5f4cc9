import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { EmptyState, ErrorNote } from '@/components/ui'
import { exportHistory, listHistory } from '@/lib/backend'
import { errorMessage } from '@/lib/errors'
import { formatNumber } from '@/lib/format'
import { useDebounced } from '@/lib/hooks'
import { environmentsQuery, keys } from '@/lib/queries'
import type { ExportFormat, HistoryFilter } from '@/lib/types'
import { AuditTable } from './AuditTable'
import { ChainStatusLine } from './ChainStatusLine'
import { HistoryFilters } from './HistoryFilters'
import { SessionsTable } from './SessionsTable'

export const HISTORY_LIMIT = 500
/** Typing in a text filter waits this long before asking Go. */
export const TEXT_FILTER_DEBOUNCE_MS = 250

export const emptyFilter: HistoryFilter = { env: '', agent: '', user: '', text: '', end_reason: '', from: '', to: '', limit: HISTORY_LIMIT }

type Tab = 'sessions' | 'audit'

export function HistoryScreen() {
  const [tab, setTab] = useState<Tab>('sessions')
  return (
    <div className="screen">
      <div className="screen-head">
        <h1>History</h1>
        <ChainStatusLine />
      </div>
      <div className="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={tab === 'sessions'} onClick={() => setTab('sessions')}>
          Impersonations
        </button>
        <button type="button" role="tab" aria-selected={tab === 'audit'} data-testid="audit-tab" onClick={() => setTab('audit')}>
          Audit log
        </button>
      </div>
      {tab === 'sessions' ? <SessionsTab /> : <AuditTable />}
    </div>
  )
}

function SessionsTab() {
  const [draft, setDraft] = useState<HistoryFilter>(emptyFilter)
  const text = useDebounced(draft.text, TEXT_FILTER_DEBOUNCE_MS)
  const agent = useDebounced(draft.agent, TEXT_FILTER_DEBOUNCE_MS)
  const user = useDebounced(draft.user, TEXT_FILTER_DEBOUNCE_MS)
  const filter: HistoryFilter = { ...draft, text: text.trim(), agent: agent.trim(), user: user.trim() }

  const envs = useQuery(environmentsQuery)
  const q = useQuery({ queryKey: keys.historyList(filter), queryFn: () => listHistory(filter), placeholderData: keepPreviousData })
  const [exported, setExported] = useState({ text: '', error: '' })

  const doExport = async (format: ExportFormat) => {
    setExported({ text: '', error: '' })
    try {
      const path = await exportHistory(format, filter)
      if (path) setExported({ text: `Saved to ${path}`, error: '' })
    } catch (e) {
      setExported({ text: '', error: errorMessage(e) })
    }
  }

  const sessions = q.data ?? []
  const filtered = JSON.stringify(draft) !== JSON.stringify(emptyFilter)
  return (
    <>
      <HistoryFilters value={draft} envs={envs.data ?? []} onChange={setDraft} />
      <div className="toolbar">
        <span className="muted" aria-live="polite">
          {q.isPending ? 'Loading…' : sessions.length >= HISTORY_LIMIT ? `The newest ${formatNumber(HISTORY_LIMIT)}; narrow the filters to see older ones` : `${formatNumber(sessions.length)} impersonations`}
        </span>
        {filtered && (
          <button type="button" className="link" onClick={() => setDraft(emptyFilter)}>
            Clear filters
          </button>
        )}
        <span className="spacer" />
        {exported.text && <span className="muted" role="status">{exported.text}</span>}
        <button type="button" data-testid="export-csv" onClick={() => doExport('csv')}>
          Export CSV
        </button>
        <button type="button" data-testid="export-json" onClick={() => doExport('json')}>
          Export JSON
        </button>
      </div>
      {exported.error && <ErrorNote message={exported.error} />}
      {q.isError ? (
        <ErrorNote message={errorMessage(q.error)} />
      ) : !q.isPending && sessions.length === 0 ? (
        <EmptyState title={filtered ? 'No impersonations match these filters.' : 'No impersonations yet.'}>
          {filtered ? 'Loosen or clear the filters.' : 'Every impersonation started from Guise appears here, with its reason and how it ended.'}
        </EmptyState>
      ) : (
        <SessionsTable sessions={sessions} />
      )}
    </>
  )
}
