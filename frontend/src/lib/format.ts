// Formatting shared by every screen. Pure functions; `now` is a parameter so
// tests and live tickers agree.

const numberFmt = new Intl.NumberFormat('en-US')

export function formatNumber(n: number): string {
  return numberFmt.format(Math.round(n))
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatNumber(n)} ${n === 1 ? one : many}`
}

/** Whole seconds from now until ts; negative once past. */
export function secondsUntil(ts: string, now: number): number {
  return Math.floor((Date.parse(ts) - now) / 1000)
}

/** "MM:SS" for a countdown; minutes go past 59 ("90:00") and never below 00:00. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds))
  const mm = Math.floor(s / 60)
  const ss = s % 60
  return `${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}`
}

/** "just now", "3 min ago", "2 h ago", "5 days ago"; "never" for null. */
export function formatAgo(ts: string | null | undefined, now: number): string {
  if (!ts) return 'never'
  const t = Date.parse(ts)
  if (Number.isNaN(t)) return 'never'
  const s = Math.max(0, Math.round((now - t) / 1000))
  if (s < 45) return 'just now'
  const min = Math.round(s / 60)
  if (min < 60) return `${min} min ago`
  const h = Math.round(min / 60)
  if (h < 24) return `${h} h ago`
  const d = Math.round(h / 24)
  return d === 1 ? 'yesterday' : `${d} days ago`
}

/** "about 2 min", "about 40 s", "" when unknown (negative). */
export function formatEta(seconds: number): string {
  if (seconds < 0 || !Number.isFinite(seconds)) return ''
  if (seconds < 60) return `about ${Math.max(1, Math.round(seconds))} s`
  const min = Math.round(seconds / 60)
  if (min < 60) return `about ${min} min`
  const h = Math.floor(min / 60)
  return `about ${h} h ${min % 60} min`
}

/** Local date and time, e.g. "2025-03-04 14:05". */
export function formatDateTime(ts: string | null | undefined): string {
  if (!ts) return ''
  const d = new Date(ts)
  if (Number.isNaN(d.getTime())) return ''
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`
}

/** Minutes between two timestamps, rounded, e.g. "12 min"; '' when either is missing. */
export function formatSpan(from: string, to: string | null): string {
  if (!to) return ''
  const min = Math.round((Date.parse(to) - Date.parse(from)) / 60000)
  if (Number.isNaN(min)) return ''
  return min < 60 ? `${min} min` : `${Math.floor(min / 60)} h ${min % 60} min`
}
