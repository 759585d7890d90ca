import { useCallback, useEffect, useMemo, useState } from 'react'
import { ApiError, get, post, setUnauthorizedHandler } from './api.js'
import { match, navigate, usePath } from './router.js'
import { SessionContext, canWith, type SessionValue } from './session.js'
import type { Me } from './types.js'
import { Rail } from './components/Rail.js'
import { Loading } from './components/ui.js'
import { LoginPage } from './pages/Login.js'
import { InboxPage } from './pages/Inbox.js'
import { TemplatesPage } from './pages/Templates.js'
import { ContactsPage } from './pages/Contacts.js'
import { BroadcastsPage } from './pages/Broadcasts.js'
import { SettingsPage } from './pages/Settings.js'

// The shell: find out who is signed in (GET /v1/auth/me), show the login form or the app, and pick
// the page from the path.

type AuthState = { kind: 'checking' } | { kind: 'signed_out'; reason?: string } | { kind: 'signed_in'; me: Me }

export function App() {
  const [auth, setAuth] = useState<AuthState>({ kind: 'checking' })
  const path = usePath()

  const loadMe = useCallback(async () => {
    try {
      const res = await get<Me>('/v1/auth/me')
      setAuth({ kind: 'signed_in', me: res.data })
    } catch (err) {
      const reason = err instanceof ApiError && err.status !== 401 ? err.message : undefined
      setAuth({ kind: 'signed_out', reason })
    }
  }, [])

  useEffect(() => {
    void loadMe()
  }, [loadMe])

  useEffect(() => {
    setUnauthorizedHandler(() => setAuth({ kind: 'signed_out', reason: 'Your session has ended; sign in again.' }))
    return () => setUnauthorizedHandler(null)
  }, [])

  const session = useMemo<SessionValue | null>(() => {
    if (auth.kind !== 'signed_in') return null
    return {
      me: auth.me,
      can: (scope) => canWith(auth.me, scope),
      async signOut() {
        await post('/v1/auth/logout').catch(() => {})
        setAuth({ kind: 'signed_out' })
        navigate('/login', { replace: true })
      },
    }
  }, [auth])

  if (auth.kind === 'checking') return <Loading label="Opening Switchboard…" />
  if (auth.kind === 'signed_out' || !session) {
    return (
      <LoginPage
        notice={auth.kind === 'signed_out' ? auth.reason : undefined}
        onSignedIn={async () => {
          await loadMe()
          if (path === '/login' || path === '/') navigate('/inbox', { replace: true })
        }}
      />
    )
  }

  const convMatch = match('/inbox/:id', path)
  let page
  if (path === '/' || path === '/login') page = <Redirect to="/inbox" />
  else if (path === '/inbox' || convMatch) page = <InboxPage conversationId={convMatch?.id ?? null} />
  else if (path === '/templates') page = <TemplatesPage />
  else if (path === '/contacts') page = <ContactsPage />
  else if (path === '/broadcasts') page = <BroadcastsPage />
  else if (path === '/settings' || path.startsWith('/settings/')) page = <SettingsPage tab={path.split('/')[2] || 'numbers'} />
  else page = <NotFound />

  return (
    <SessionContext.Provider value={session}>
      <div className="app">
        <Rail path={path} />
        <main className="app-main">{page}</main>
      </div>
    </SessionContext.Provider>
  )
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to])
  return null
}

function NotFound() {
  return (
    <div className="page">
      <div className="state state-empty">
        <p className="state-title">There is no page here</p>
        <button type="button" className="btn" onClick={() => navigate('/inbox')}>
          Go to the inbox
        </button>
      </div>
    </div>
  )
}
