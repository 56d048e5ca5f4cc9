import { renderHook } from '@testing-library/react'
import * as runtime from '../../wailsjs/runtime/runtime'
import * as EnvironmentsGo from '../../wailsjs/go/app/Environments'
import * as UsersGo from '../../wailsjs/go/app/Users'
import { editEnvironment, getUser, searchUsers, useEvent } from './backend'
import { INTERNAL_MESSAGE } from './errors'

vi.mock('../../wailsjs/runtime/runtime', () => ({ EventsOn: vi.fn(), EventsOff: vi.fn() }))
vi.mock('../../wailsjs/go/app/Users', () => ({ Search: vi.fn(), Get: vi.fn() }))
vi.mock('../../wailsjs/go/app/Environments', () => ({ Edit: vi.fn() }))

describe('useEvent', () => {
  it('subscribes on mount and unsubscribes with the function EventsOn returned', () => {
    const off = vi.fn()
    vi.mocked(runtime.EventsOn).mockReturnValue(off)
    const { unmount } = renderHook(() => useEvent('session:ended', () => {}))
    expect(runtime.EventsOn).toHaveBeenCalledTimes(1)
    expect(runtime.EventsOn).toHaveBeenCalledWith('session:ended', expect.any(Function))
    expect(off).not.toHaveBeenCalled()
    unmount()
    expect(off).toHaveBeenCalledTimes(1)
    expect(runtime.EventsOff).not.toHaveBeenCalled()
  })

  it('delivers payloads to the newest callback without subscribing again', () => {
    vi.mocked(runtime.EventsOn).mockReturnValue(() => {})
    const first = vi.fn()
    const second = vi.fn()
    const { rerender } = renderHook(({ fn }) => useEvent('sync:done', fn), { initialProps: { fn: first } })
    rerender({ fn: second })
    const deliver = vi.mocked(runtime.EventsOn).mock.calls[0][1]
    deliver({ env: 'demo' })
    expect(second).toHaveBeenCalledWith({ env: 'demo' })
    expect(first).not.toHaveBeenCalled()
    expect(runtime.EventsOn).toHaveBeenCalledTimes(1)
  })

  it('does nothing outside Wails, where the runtime is missing', () => {
    vi.mocked(runtime.EventsOn).mockImplementation(() => {
      throw new TypeError('window.runtime is undefined')
    })
    const { unmount } = renderHook(() => useEvent('session:started', () => {}))
    expect(() => unmount()).not.toThrow()
  })
})

describe('bound calls', () => {
  it('reject with {code, message, field?, rule?} whatever Go rejected with', async () => {
    vi.mocked(UsersGo.Search).mockRejectedValue({ code: 'not_found', message: 'No environment "x".', field: 'env' })
    await expect(searchUsers('x', '', 10)).rejects.toEqual({ code: 'not_found', message: 'No environment "x".', field: 'env' })
    vi.mocked(UsersGo.Search).mockRejectedValue('open /home/ada/.config/guise/guise.db: permission denied')
    await expect(searchUsers('x', '', 10)).rejects.toEqual({ code: 'internal', message: INTERNAL_MESSAGE })
  })

  it('turn Go nils into empty lists', async () => {
    vi.mocked(UsersGo.Search).mockResolvedValue(null as never)
    await expect(searchUsers('demo', '', 10)).resolves.toEqual([])
    vi.mocked(UsersGo.Get).mockResolvedValue({
      user: { id: 'u', email: 'u@x', organizations: null },
      sessions: null,
      protected: '',
      policy: { enabled: true, protected_roles: null, protected_domains: null, protected_users: null },
    } as never)
    const d = await getUser('demo', 'u')
    expect(d.sessions).toEqual([])
    expect(d.user.organizations).toEqual([])
    expect(d.policy.protected_roles).toEqual([])
  })

  it('edit an environment through Environments.Edit, with the same nil handling as the list', async () => {
    vi.mocked(EnvironmentsGo.Edit).mockResolvedValue({ name: 'prod', provider: 'clerk', settings: null, reachability: null } as never)
    const input = { name: 'prod', provider: 'clerk', base_url: '', settings: { actor_user_id: 'u' }, secret: '' }
    const env = await editEnvironment(input)
    expect(EnvironmentsGo.Edit).toHaveBeenCalledWith(input)
    expect(env.settings).toEqual({})
    expect(env.reachability.state).toBe('unknown')
    vi.mocked(EnvironmentsGo.Edit).mockRejectedValue({ code: 'invalid', message: 'The built-in Demo environment is managed by Guise and cannot be edited.' })
    await expect(editEnvironment(input)).rejects.toEqual({ code: 'invalid', message: 'The built-in Demo environment is managed by Guise and cannot be edited.' })
  })
})
