import { useState, type FormEvent } from 'react'
import { errorMessage, post } from '../api.js'

// Email and password → POST /v1/auth/login, which sets the httpOnly session cookie.

export function LoginPage({ onSignedIn, notice }: { onSignedIn: () => Promise<void>; notice?: string }) {
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  async function submit(e: FormEvent) {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await post('/v1/auth/login', { email: email.trim(), password }, { quiet401: true })
      await onSignedIn()
    } catch (err) {
      setError(errorMessage(err))
      setBusy(false)
    }
  }

  return (
    <div className="login">
      <div className="login-aside" aria-hidden="true">
        <div className="login-aside-inner">
          <div className="login-brand">
            <svg viewBox="0 0 32 32" width="34" height="34">
              <rect width="32" height="32" rx="9" fill="#fff" />
              <path d="M9 11h14M9 16h10M9 21h6" stroke="#128c6e" strokeWidth="2.6" strokeLinecap="round" />
            </svg>
            <span>Switchboard</span>
          </div>
          <p className="login-quote">Every WhatsApp conversation of your business, in one calm place.</p>
          <div className="login-bubbles">
            <div className="lb lb-in">Hi! Is my order on its way? 📦</div>
            <div className="lb lb-out">
              It left the warehouse this morning — arriving tomorrow.<span className="lb-ticks">✓✓</span>
            </div>
            <div className="lb lb-in">Perfect, thank you!</div>
          </div>
        </div>
      </div>
      <main className="login-main">
        <form className="login-card" onSubmit={submit} aria-labelledby="login-title">
          <h1 id="login-title">Sign in</h1>
          <p className="muted">Use the email and password your team admin set up for you.</p>
          {notice && !error ? <p className="login-notice">{notice}</p> : null}
          <div className="field">
            <label htmlFor="login-email">Email</label>
            <input
              id="login-email"
              type="email"
              autoComplete="username"
              required
              autoFocus
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              placeholder="you@company.com"
            />
          </div>
          <div className="field">
            <label htmlFor="login-password">Password</label>
            <input
              id="login-password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          {error ? (
            <p className="form-error" role="alert">
              {error}
            </p>
          ) : null}
          <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </main>
    </div>
  )
}
