import { useEffect, useState } from 'react'

// A tiny history router: the page has a handful of routes, not worth a dependency. The server answers
// index.html for every page path, so deep links and reloads work.

const listeners = new Set<() => void>()

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === location.pathname + location.search) return
  if (opts.replace) history.replaceState(null, '', to)
  else history.pushState(null, '', to)
  listeners.forEach((l) => l())
}

window.addEventListener('popstate', () => listeners.forEach((l) => l()))

export function usePath(): string {
  const [path, setPath] = useState(location.pathname)
  useEffect(() => {
    const l = () => setPath(location.pathname)
    listeners.add(l)
    return () => {
      listeners.delete(l)
    }
  }, [])
  return path
}

/** `match('/inbox/:id', '/inbox/abc')` → { id: 'abc' }; null when it does not match. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const a = pattern.split('/').filter(Boolean)
  const b = path.split('/').filter(Boolean)
  if (a.length !== b.length) return null
  const out: Record<string, string> = {}
  for (let i = 0; i < a.length; i++) {
    if (a[i].startsWith(':')) out[a[i].slice(1)] = decodeURIComponent(b[i])
    else if (a[i] !== b[i]) return null
  }
  return out
}

/** An <a> click that stays in the page (keeps cmd/ctrl-click opening a new tab). */
export function linkHandler(to: string) {
  return (e: { metaKey: boolean; ctrlKey: boolean; shiftKey: boolean; button: number; preventDefault(): void }) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return
    e.preventDefault()
    navigate(to)
  }
}
