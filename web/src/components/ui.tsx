import type { ReactNode } from 'react'
import { avatarHue, initials } from '../format.js'
import { Icon, type IconName } from './icons.js'

// Small shared pieces: loading, empty and error states, avatars, badges.

export function Spinner({ label = 'Loading' }: { label?: string }) {
  return <span className="spinner" role="status" aria-label={label} />
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state state-loading" role="status">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  )
}

export function Empty({ icon = 'inbox', title, children }: { icon?: IconName; title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <div className="state-icon">
        <Icon name={icon} size={26} />
      </div>
      <p className="state-title">{title}</p>
      {children ? <div className="state-text">{children}</div> : null}
    </div>
  )
}

export function ErrorNote({ error, onRetry }: { error: string | null; onRetry?: () => void }) {
  if (!error) return null
  return (
    <div className="error-note" role="alert">
      <Icon name="alert" size={18} />
      <span>{error}</span>
      {onRetry ? (
        <button type="button" className="btn btn-small btn-ghost" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  )
}

export function Avatar({ name, seed, size = 40 }: { name: string | null | undefined; seed: string; size?: number }) {
  const hue = avatarHue(seed)
  return (
    <span
      className="avatar"
      aria-hidden="true"
      style={{ width: size, height: size, fontSize: size * 0.38, background: `hsl(${hue} 70% 92%)`, color: `hsl(${hue} 45% 32%)` }}
    >
      {initials(name, '#')}
    </span>
  )
}

export function Badge({ tone = 'neutral', children }: { tone?: 'neutral' | 'green' | 'amber' | 'red' | 'blue' | 'gray'; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>
}

const STATUS_TONE: Record<string, 'green' | 'amber' | 'red' | 'blue' | 'gray'> = {
  APPROVED: 'green',
  PENDING: 'amber',
  REJECTED: 'red',
  PAUSED: 'amber',
  DISABLED: 'gray',
  connected: 'green',
  disconnected: 'red',
  enabled: 'green',
  disabled: 'gray',
  draft: 'gray',
  running: 'blue',
  scheduled: 'blue',
  paused: 'amber',
  completed: 'green',
  cancelled: 'gray',
  failed: 'red',
}

export function StatusBadge({ status }: { status: string }) {
  const words = status.replace(/_/g, ' ').toLowerCase()
  return <Badge tone={STATUS_TONE[status] ?? 'neutral'}>{words[0].toUpperCase() + words.slice(1)}</Badge>
}

export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle ? <p className="page-subtitle">{subtitle}</p> : null}
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </header>
  )
}

export function Field({ label, hint, error, children, htmlFor }: { label: string; hint?: ReactNode; error?: string | null; children: ReactNode; htmlFor?: string }) {
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={htmlFor}>{label}</label>
      {children}
      {error ? <p className="field-error">{error}</p> : hint ? <p className="field-hint">{hint}</p> : null}
    </div>
  )
}

/** Shown where a role may look but not act: says why, instead of a button that fails. */
export function RoleNote({ children }: { children: ReactNode }) {
  return (
    <p className="role-note">
      <Icon name="info" size={16} />
      <span>{children}</span>
    </p>
  )
}
