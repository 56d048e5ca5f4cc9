import { formatAgo, formatCountdown, formatEta, formatSpan, plural } from './format'

describe('format', () => {
  it('formats countdowns as MM:SS and clamps at zero', () => {
    expect(formatCountdown(1800)).toBe('30:00')
    expect(formatCountdown(299)).toBe('04:59')
    expect(formatCountdown(5400)).toBe('90:00')
    expect(formatCountdown(-3)).toBe('00:00')
  })

  it('says how long ago', () => {
    const now = Date.parse('2025-01-01T12:00:00Z')
    expect(formatAgo(null, now)).toBe('never')
    expect(formatAgo('2025-01-01T11:59:50Z', now)).toBe('just now')
    expect(formatAgo('2025-01-01T11:57:00Z', now)).toBe('3 min ago')
    expect(formatAgo('2025-01-01T09:00:00Z', now)).toBe('3 h ago')
    expect(formatAgo('2024-12-29T12:00:00Z', now)).toBe('3 days ago')
  })

  it('formats time left and spans', () => {
    expect(formatEta(-1)).toBe('')
    expect(formatEta(30)).toBe('about 30 s')
    expect(formatEta(150)).toBe('about 3 min')
    expect(formatSpan('2025-01-01T12:00:00Z', '2025-01-01T12:12:00Z')).toBe('12 min')
    expect(formatSpan('2025-01-01T12:00:00Z', null)).toBe('')
    expect(plural(1, 'org')).toBe('1 org')
    expect(plural(1200, 'user')).toBe('1,200 users')
  })
})
