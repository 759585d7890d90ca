import { useCallback, useEffect, useRef, useState } from 'react'
import { errorMessage } from './api.js'

// Loading state for one request: data, error (the API's message) and a reload. Stale answers (the
// inputs changed while a request was in flight) are dropped.

export interface Async<T> {
  data: T | undefined
  error: string | null
  loading: boolean
  reload(): void
  /** Replace the data locally (after a successful write) without refetching. */
  set(next: T | ((prev: T | undefined) => T)): void
}

export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Async<T> {
  const [data, setData] = useState<T | undefined>(undefined)
  const [error, setError] = useState<string | null>(null)
  const [loading, setLoading] = useState(true)
  const [tick, setTick] = useState(0)
  const loader = useRef(load)
  loader.current = load
  useEffect(() => {
    const ctl = new AbortController()
    setLoading(true)
    loader.current(ctl.signal).then(
      (d) => {
        if (ctl.signal.aborted) return
        setData(d)
        setError(null)
        setLoading(false)
      },
      (err: unknown) => {
        if (ctl.signal.aborted) return
        setError(errorMessage(err))
        setLoading(false)
      },
    )
    return () => ctl.abort()
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick])
  const reload = useCallback(() => setTick((t) => t + 1), [])
  return { data, error, loading, reload, set: setData as Async<T>['set'] }
}

/** The value after it has stopped changing for `ms` (search boxes). */
export function useDebounced<T>(value: T, ms = 250): T {
  const [v, setV] = useState(value)
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms)
    return () => clearTimeout(t)
  }, [value, ms])
  return v
}

/** True when the viewport is phone-sized: the inbox then shows list and thread as separate views. */
export function useNarrow(maxWidth = 760): boolean {
  const q = `(max-width: ${maxWidth}px)`
  const [narrow, setNarrow] = useState(() => window.matchMedia(q).matches)
  useEffect(() => {
    const m = window.matchMedia(q)
    const l = () => setNarrow(m.matches)
    m.addEventListener('change', l)
    return () => m.removeEventListener('change', l)
  }, [q])
  return narrow
}
