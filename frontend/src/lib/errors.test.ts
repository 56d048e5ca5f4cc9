import { INTERNAL_MESSAGE, toBackendError } from './errors'

describe('toBackendError', () => {
  it('keeps the fields of a formatted Go error', () => {
    expect(toBackendError({ code: 'refused', message: 'Too short.', field: 'reason', rule: 'reason_min_length' })).toEqual({
      code: 'refused',
      message: 'Too short.',
      field: 'reason',
      rule: 'reason_min_length',
    })
    expect(toBackendError({ code: 'not_found', message: 'No such user.', field: '' })).toEqual({ code: 'not_found', message: 'No such user.' })
  })

  it('reads the error object sent as a JSON string', () => {
    expect(toBackendError('{"code":"invalid","message":"Bad name.","field":"name"}')).toEqual({ code: 'invalid', message: 'Bad name.', field: 'name' })
  })

  it('never shows the text of an unknown error', () => {
    expect(toBackendError('sql: no rows in result set /home/x/guise.db')).toEqual({ code: 'internal', message: INTERNAL_MESSAGE })
    expect(toBackendError(new Error('boom'))).toEqual({ code: 'internal', message: INTERNAL_MESSAGE })
    expect(toBackendError(undefined)).toEqual({ code: 'internal', message: INTERNAL_MESSAGE })
  })

  it('says the backend is unreachable outside Wails', () => {
    expect(toBackendError(new TypeError("Cannot read properties of undefined (reading 'app')")).code).toBe('unavailable')
  })
})
