import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import * as backend from '@/lib/backend'
import { renderWithQuery } from '@/testing/render'
import { BrowserForm } from './BrowserForm'

vi.mock('@/lib/backend', () => import('@/testing/mock-backend'))

describe('BrowserForm', () => {
  it('shows the current choice and the browser an isolated profile would use, and saves a new choice', async () => {
    renderWithQuery(<BrowserForm initial={{ mode: 'system', isolated: 'Chromium (/usr/bin/chromium)' }} />)
    expect(screen.getByTestId('browser-form')).toHaveTextContent('Open impersonation in')
    expect(screen.getByTestId('browser-system-radio')).toBeChecked()
    expect(screen.getByTestId('browser-isolated')).toHaveTextContent('Isolated sessions use Chromium (/usr/bin/chromium).')
    await userEvent.click(screen.getByTestId('browser-isolated-radio'))
    await userEvent.click(screen.getByTestId('browser-save'))
    await waitFor(() => expect(backend.setBrowser).toHaveBeenCalledWith('isolated', expect.anything()))
    expect(await screen.findByText('Saved.')).toBeInTheDocument()
  })

  it('warns when no browser for an isolated profile is installed', () => {
    renderWithQuery(<BrowserForm initial={{ mode: 'isolated', isolated: '' }} />)
    expect(screen.getByTestId('browser-isolated-radio')).toBeChecked()
    expect(screen.getByTestId('browser-isolated')).toHaveTextContent('No Chromium, Google Chrome, Microsoft Edge or Firefox is installed')
    expect(screen.getByTestId('browser-isolated')).toHaveTextContent('open in the system browser (each start says so)')
  })

  it('shows why Go refused the choice', async () => {
    vi.mocked(backend.setBrowser).mockRejectedValueOnce({ code: 'invalid', field: 'browser', message: 'Open impersonations in "x"? Choose system or isolated.' })
    renderWithQuery(<BrowserForm initial={{ mode: 'system', isolated: '' }} />)
    await userEvent.click(screen.getByTestId('browser-save'))
    expect(await screen.findByRole('alert')).toHaveTextContent('Choose system or isolated.')
  })
})
