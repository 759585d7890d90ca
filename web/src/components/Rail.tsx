import { linkHandler } from '../router.js'
import { useSession } from '../session.js'
import { Icon, type IconName } from './icons.js'
import { Avatar } from './ui.js'

// The left rail: the product's sections, and who is signed in. Sections the role cannot read are
// left out rather than shown to fail.

const SECTIONS: Array<{ path: string; label: string; icon: IconName; scope?: string }> = [
  { path: '/inbox', label: 'Inbox', icon: 'inbox', scope: 'messaging:conversations:read' },
  { path: '/contacts', label: 'Contacts', icon: 'contacts', scope: 'contacts:read' },
  { path: '/templates', label: 'Templates', icon: 'templates', scope: 'templates:read' },
  { path: '/broadcasts', label: 'Broadcasts', icon: 'broadcasts', scope: 'broadcasts:read' },
  { path: '/settings', label: 'Settings', icon: 'settings' },
]

export function Rail({ path }: { path: string }) {
  const { me, can, signOut } = useSession()
  return (
    <nav className="rail" aria-label="Main">
      <a className="rail-logo" href="/inbox" onClick={linkHandler('/inbox')} aria-label="Switchboard home">
        <svg viewBox="0 0 32 32" width="30" height="30" aria-hidden="true">
          <rect width="32" height="32" rx="9" fill="currentColor" />
          <path d="M9 11h14M9 16h10M9 21h6" stroke="#fff" strokeWidth="2.6" strokeLinecap="round" />
        </svg>
      </a>
      <ul className="rail-items">
        {SECTIONS.filter((s) => !s.scope || can(s.scope)).map((s) => {
          const active = path === s.path || path.startsWith(`${s.path}/`)
          return (
            <li key={s.path}>
              <a
                href={s.path}
                onClick={linkHandler(s.path)}
                className={`rail-item${active ? ' active' : ''}`}
                aria-current={active ? 'page' : undefined}
                title={s.label}
              >
                <Icon name={s.icon} size={22} />
                <span className="rail-label">{s.label}</span>
              </a>
            </li>
          )
        })}
      </ul>
      <div className="rail-foot">
        <span className="rail-me" title={`${me.name}${me.role ? ` · ${me.role}` : ''}`}>
          <Avatar name={me.name} seed={me.id} size={34} />
        </span>
        <button type="button" className="rail-item rail-signout" onClick={() => void signOut()} aria-label="Sign out" title="Sign out">
          <Icon name="logout" size={20} />
          <span className="rail-label">Sign out</span>
        </button>
      </div>
    </nav>
  )
}
