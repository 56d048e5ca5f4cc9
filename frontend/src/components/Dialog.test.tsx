import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { Dialog } from './Dialog'

function open() {
  const onClose = vi.fn()
  render(
    <>
      <button type="button">Behind</button>
      <Dialog title="Confirm" onClose={onClose}>
        <input aria-label="First" data-autofocus />
        <button type="button" disabled>
          Disabled
        </button>
        <button type="button">Last</button>
      </Dialog>
    </>,
  )
  return { onClose }
}

describe('Dialog', () => {
  it('focuses the marked field and keeps Tab inside, both ways', async () => {
    open()
    const first = screen.getByRole('textbox', { name: 'First' })
    const close = screen.getByRole('button', { name: 'Close' })
    const last = screen.getByRole('button', { name: 'Last' })
    expect(first).toHaveFocus()
    // Order inside: Close (in the head), First, Last; never the button behind.
    await userEvent.tab()
    expect(last).toHaveFocus()
    await userEvent.tab()
    expect(close).toHaveFocus()
    await userEvent.tab({ shift: true })
    expect(last).toHaveFocus()
    await userEvent.tab({ shift: true })
    expect(first).toHaveFocus()
    expect(screen.getByRole('button', { name: 'Behind' })).not.toHaveFocus()
  })

  it('closes on Escape', async () => {
    const { onClose } = open()
    await userEvent.keyboard('{Escape}')
    expect(onClose).toHaveBeenCalledOnce()
  })
})
