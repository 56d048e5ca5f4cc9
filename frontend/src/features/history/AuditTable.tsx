import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { Badge, ErrorNote } from '@/components/ui'
import { listAudit } from '@/lib/backend'
import { errorMessage } from '@/lib/errors'
import { formatDateTime } from '@/lib/format'
import { keys } from '@/lib/queries'
import type { AuditRecord } from '@/lib/types'
import { isRefusal, kindLabel, ruleLabel } from './labels'

export const AUDIT_LIMIT = 1000

/** The hash-chained audit log, refusals included. */
export function AuditTable() {
  const q = useQuery({ queryKey: keys.audit, queryFn: () => listAudit(AUDIT_LIMIT) })
  const [refusalsOnly, setRefusalsOnly] = useState(false)
  if (q.isError) return <ErrorNote message={errorMessage(q.error)} />
  const records = (q.data ?? []).filter((r) => !refusalsOnly || isRefusal(r.kind))
  return (
    <>
      <div className="toolbar">
        <label className="inline">
          <input type="checkbox" checked={refusalsOnly} onChange={(e) => setRefusalsOnly(e.target.checked)} /> Refusals only
        </label>
        <span className="muted">{q.isPending ? 'Loading…' : `${records.length} records`}</span>
      </div>
      <div className="table-wrap">
        <table className="table" data-testid="audit-table">
          <thead>
            <tr>
              <th>#</th>
              <th>When</th>
              <th>Event</th>
              <th>Agent</th>
              <th>User</th>
              <th>Organization</th>
              <th>Reason / ticket</th>
              <th>Detail</th>
            </tr>
          </thead>
          <tbody>
            {records.map((r) => (
              <AuditRow key={r.seq} r={r} />
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}

function AuditRow({ r }: { r: AuditRecord }) {
  const kind = kindLabel(r.kind)
  return (
    <tr data-testid="audit-row" data-kind={r.kind} className={isRefusal(r.kind) ? 'refused' : undefined}>
      <td className="mono">{r.seq}</td>
      <td className="nowrap">{formatDateTime(r.at)}</td>
      <td>
        <Badge tone={kind.tone} title={r.kind}>
          {kind.label}
        </Badge>
        {r.env && <div className="muted small">{r.env}</div>}
      </td>
      <td>{r.agent}</td>
      <td>{r.user_email || r.user_id}</td>
      <td>{r.org_name}</td>
      <td className="reason-cell">
        {r.reason}
        {r.ticket && <div className="muted small">{r.ticket}</div>}
      </td>
      <td className="reason-cell">
        {r.rule && (
          <Badge tone="warn" title={`rule: ${r.rule}`}>
            {ruleLabel(r.rule)}
          </Badge>
        )}{' '}
        {r.detail}
      </td>
    </tr>
  )
}
