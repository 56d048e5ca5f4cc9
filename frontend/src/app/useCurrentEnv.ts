import { useState } from 'react'
import { setCurrentEnvironment } from '@/lib/backend'
import { errorMessage } from '@/lib/errors'
import type { EnvView } from '@/lib/types'

/**
 * The environment the window works in: the one chosen here, else the one Go
 * remembers (Info.current_env), else the first. Choosing persists it in Go.
 */
export function useCurrentEnv(remembered: string | undefined, envs: EnvView[] | undefined) {
  const [chosen, setChosen] = useState<string | null>(null)
  const [error, setError] = useState('')
  const list = envs ?? []
  const wanted = chosen ?? remembered ?? ''
  const current = list.find((e) => e.name === wanted) ?? list[0]

  const select = async (name: string) => {
    setChosen(name)
    setError('')
    try {
      await setCurrentEnvironment(name)
    } catch (e) {
      setError(errorMessage(e))
    }
  }
  return { current, select, error }
}
