import { useQuery } from '@tanstack/react-query'
import { verifyAudit } from '@/lib/backend'
import { errorMessage } from '@/lib/errors'
import { formatNumber } from '@/lib/format'
import { keys } from '@/lib/queries'

/** Whether the audit log's hash chain is whole, from History.Verify. */
export function ChainStatusLine() {
  const q = useQuery({ queryKey: keys.chain, queryFn: verifyAudit })
  let text = 'Checking the audit chain…'
  let tone = 'muted'
  if (q.isError) {
    text = `The audit chain could not be checked: ${errorMessage(q.error)}`
    tone = 'warn'
  } else if (q.data?.intact) {
    text = `Audit chain intact (${formatNumber(q.data.count)} records)`
    tone = 'ok'
  } else if (q.data) {
    text = `Audit chain broken at record #${q.data.broken_at}${q.data.detail ? `: ${q.data.detail}` : ''}. Records after it may have been edited; keep a copy of the data directory and report it.`
    tone = 'danger'
  }
  return (
    <div className={`chain chain-${tone}`} data-testid="chain-status" role="status">
      <span>{text}</span>
      <button type="button" className="link" onClick={() => q.refetch()} disabled={q.isFetching}>
        Verify again
      </button>
    </div>
  )
}
