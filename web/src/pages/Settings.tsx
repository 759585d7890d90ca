import { useState, type FormEvent, type ReactNode } from 'react'
import { del, errorMessage, get, idempotencyKey, post } from '../api.js'
import { shortTime } from '../format.js'
import { useAsync } from '../hooks.js'
import { linkHandler } from '../router.js'
import { useSession } from '../session.js'
import type { ApiKey, Member, Role, WaNumber, WebhookEndpoint } from '../types.js'
import { Icon } from '../components/icons.js'
import { Avatar, Badge, Empty, ErrorNote, Field, Loading, PageHeader, RoleNote, StatusBadge } from '../components/ui.js'

// Settings: numbers, team members, API keys and webhooks. Each tab shows what the member's role allows;
// tabs the role cannot read at all are listed with the reason instead of failing.

const TABS: Array<{ id: string; label: string; read: string; write: string; why: string }> = [
  { id: 'numbers', label: 'Numbers', read: 'numbers:read', write: 'numbers:write', why: 'Connecting numbers needs an admin.' },
  { id: 'team', label: 'Team', read: 'team:read', write: 'team:write', why: 'Inviting members needs an admin.' },
  { id: 'api-keys', label: 'API keys', read: 'admin', write: 'admin', why: 'Only owners manage API keys.' },
  { id: 'webhooks', label: 'Webhooks', read: 'webhooks:write', write: 'webhooks:write', why: 'Webhooks are managed by admins.' },
]

export function SettingsPage({ tab }: { tab: string }) {
  const { can, me } = useSession()
  const current = TABS.find((t) => t.id === tab) ?? TABS[0]
  let content: ReactNode
  if (!can(current.read)) content = <RoleNote>{current.why} You are signed in as {me.role ?? 'an API key'}.</RoleNote>
  else if (current.id === 'numbers') content = <NumbersTab canWrite={can(current.write)} />
  else if (current.id === 'team') content = <TeamTab canWrite={can(current.write)} />
  else if (current.id === 'api-keys') content = <ApiKeysTab />
  else content = <WebhooksTab />
  return (
    <div className="page">
      <PageHeader title="Settings" subtitle={`Signed in as ${me.name}${me.role ? ` · ${me.role}` : ''}`} />
      <nav className="tabs" aria-label="Settings sections">
        {TABS.map((t) => (
          <a
            key={t.id}
            href={`/settings/${t.id}`}
            onClick={linkHandler(`/settings/${t.id}`)}
            className={`tab${t.id === current.id ? ' active' : ''}${can(t.read) ? '' : ' locked'}`}
            aria-current={t.id === current.id ? 'page' : undefined}
          >
            {t.label}
          </a>
        ))}
      </nav>
      {content}
    </div>
  )
}

function NumbersTab({ canWrite }: { canWrite: boolean }) {
  const list = useAsync(async (signal) => (await get<WaNumber[]>('/v1/numbers', { page_size: 200 }, signal)).data, [])
  return (
    <section aria-label="Numbers">
      {!canWrite ? <RoleNote>Your role can see the numbers but not connect or change them.</RoleNote> : <p className="muted">Connect more numbers with <code>POST /v1/numbers</code> (see the API reference at <a href="/docs">/docs</a>).</p>}
      <ErrorNote error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data?.length === 0 ? <Empty icon="settings" title="No numbers connected" /> : null}
      <div className="card-grid">
        {(list.data ?? []).map((n) => (
          <article className="card" key={n.id} aria-label={`Number ${n.name}`}>
            <header className="template-card-head">
              <div>
                <h3>{n.name}</h3>
                <p className="mono">{n.display_phone_number}</p>
              </div>
              <span className="badges">
                {n.is_default ? <Badge tone="blue">default</Badge> : null}
                <StatusBadge status={n.status} />
              </span>
            </header>
            <dl className="kv">
              <dt>Provider</dt>
              <dd>{n.provider}</dd>
              <dt>Throughput</dt>
              <dd>{n.throughput_mps} msg/s</dd>
              <dt>Phone number id</dt>
              <dd className="mono">{n.phone_number_id}</dd>
            </dl>
            {n.status_reason ? <p className="template-reason">{n.status_reason}</p> : null}
          </article>
        ))}
      </div>
    </section>
  )
}

function TeamTab({ canWrite }: { canWrite: boolean }) {
  const { me } = useSession()
  const list = useAsync(async (signal) => (await get<Member[]>('/v1/team/members', { page_size: 200 }, signal)).data, [])
  const [name, setName] = useState('')
  const [email, setEmail] = useState('')
  const [role, setRole] = useState<Role>('agent')
  const [error, setError] = useState<string | null>(null)
  const [invite, setInvite] = useState<string | null>(null)

  async function add(e: FormEvent) {
    e.preventDefault()
    setError(null)
    setInvite(null)
    try {
      const res = await post<Member & { invite_token: string | null }>('/v1/team/members', { name, email, role }, { idempotencyKey: idempotencyKey() })
      setInvite(res.data.invite_token)
      setName('')
      setEmail('')
      list.reload()
    } catch (err) {
      setError(errorMessage(err))
    }
  }

  async function remove(m: Member) {
    if (!confirm(`Remove ${m.name} from the team?`)) return
    setError(null)
    try {
      await del(`/v1/team/members/${m.id}`)
      list.reload()
    } catch (err) {
      setError(errorMessage(err))
    }
  }

  return (
    <section aria-label="Team members">
      {!canWrite ? <RoleNote>Your role can see the team but not invite or remove members.</RoleNote> : null}
      {canWrite ? (
        <form className="card form-card inline-form" onSubmit={add} aria-label="Invite a member">
          <Field label="Name" htmlFor="tm-name">
            <input id="tm-name" value={name} onChange={(e) => setName(e.target.value)} required />
          </Field>
          <Field label="Email" htmlFor="tm-email">
            <input id="tm-email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
          </Field>
          <Field label="Role" htmlFor="tm-role">
            <select id="tm-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              <option value="agent">Agent</option>
              <option value="admin">Admin</option>
              {me.role === 'owner' || me.scopes.includes('admin') ? <option value="owner">Owner</option> : null}
            </select>
          </Field>
          <button type="submit" className="btn btn-primary">
            <Icon name="plus" size={16} /> Invite
          </button>
        </form>
      ) : null}
      {invite ? (
        <p className="notice" role="status">
          Invite created. Send this one-time token to the new member (they set their password with it): <code className="secret">{invite}</code>
        </p>
      ) : null}
      <ErrorNote error={error ?? list.error} onRetry={list.error ? list.reload : undefined} />
      {list.loading && !list.data ? <Loading /> : null}
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Role</th>
              <th scope="col" className="hide-narrow">Status</th>
              {canWrite ? <th scope="col"><span className="sr-only">Actions</span></th> : null}
            </tr>
          </thead>
          <tbody>
            {(list.data ?? []).map((m) => (
              <tr key={m.id}>
                <td>
                  <span className="cell-person">
                    <Avatar name={m.name} seed={m.id} size={30} />
                    <span>
                      {m.name} {m.id === me.id ? <span className="muted">(you)</span> : null}
                      <span className="muted block small">{m.email}</span>
                    </span>
                  </span>
                </td>
                <td>
                  <Badge tone={m.role === 'owner' ? 'blue' : m.role === 'admin' ? 'green' : 'neutral'}>{m.role}</Badge>
                </td>
                <td className="hide-narrow">{m.has_password ? <span className="muted">Active</span> : <Badge tone="amber">Invited</Badge>}</td>
                {canWrite ? (
                  <td className="cell-actions">
                    {m.id !== me.id ? (
                      <button type="button" className="btn btn-small btn-ghost" onClick={() => void remove(m)} aria-label={`Remove ${m.name}`}>
                        Remove
                      </button>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}

function ApiKeysTab() {
  const list = useAsync(async (signal) => (await get<ApiKey[]>('/v1/api-keys', { page_size: 200 }, signal)).data, [])
  const [name, setName] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [secret, setSecret] = useState<string | null>(null)
  async function create(e: FormEvent) {
    e.preventDefault()
    setError(null)
    try {
      const res = await post<ApiKey & { key: string }>('/v1/api-keys', { name, scopes: ['admin'] })
      setSecret(res.data.key)
      setName('')
      list.reload()
    } catch (err) {
      setError(errorMessage(err))
    }
  }
  async function revoke(k: ApiKey) {
    if (!confirm(`Revoke the key “${k.name}”? Anything using it stops working.`)) return
    try {
      await del(`/v1/api-keys/${k.id}`)
      list.reload()
    } catch (err) {
      setError(errorMessage(err))
    }
  }
  return (
    <section aria-label="API keys">
      <form className="card form-card inline-form" onSubmit={create} aria-label="Create an API key">
        <Field label="Key name" htmlFor="ak-name" hint="Creates an admin key; use the API for narrower scopes.">
          <input id="ak-name" value={name} onChange={(e) => setName(e.target.value)} required placeholder="shop backend" />
        </Field>
        <button type="submit" className="btn btn-primary">
          <Icon name="plus" size={16} /> Create key
        </button>
      </form>
      {secret ? (
        <p className="notice" role="status">
          Copy this key now; it is shown only once: <code className="secret">{secret}</code>
        </p>
      ) : null}
      <ErrorNote error={error ?? list.error} />
      {list.loading && !list.data ? <Loading /> : null}
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col" className="hide-narrow">Scopes</th>
              <th scope="col"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {(list.data ?? []).map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td className="mono">{k.prefix}…</td>
                <td className="hide-narrow small">{k.scopes.join(', ')}</td>
                <td className="cell-actions">
                  <button type="button" className="btn btn-small btn-ghost" onClick={() => void revoke(k)} aria-label={`Revoke ${k.name}`}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}

function WebhooksTab() {
  const list = useAsync(async (signal) => (await get<WebhookEndpoint[]>('/v1/webhooks', { page_size: 200 }, signal)).data, [])
  const [url, setUrl] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [secret, setSecret] = useState<string | null>(null)
  async function create(e: FormEvent) {
    e.preventDefault()
    setError(null)
    try {
      const res = await post<WebhookEndpoint>('/v1/webhooks', { url, events: ['*'] })
      setSecret(res.data.secret ?? null)
      setUrl('')
      list.reload()
    } catch (err) {
      setError(errorMessage(err))
    }
  }
  async function test(w: WebhookEndpoint) {
    setError(null)
    try {
      await post(`/v1/webhooks/${w.id}/test`)
    } catch (err) {
      setError(errorMessage(err))
    }
  }
  return (
    <section aria-label="Webhooks">
      <form className="card form-card inline-form" onSubmit={create} aria-label="Add a webhook endpoint">
        <Field label="Endpoint URL" htmlFor="wh-url" hint="Receives every event, signed with the secret shown once.">
          <input id="wh-url" type="url" value={url} onChange={(e) => setUrl(e.target.value)} required placeholder="https://example.com/hooks/switchboard" />
        </Field>
        <button type="submit" className="btn btn-primary">
          <Icon name="plus" size={16} /> Add endpoint
        </button>
      </form>
      {secret ? (
        <p className="notice" role="status">
          Signing secret (shown once): <code className="secret">{secret}</code>
        </p>
      ) : null}
      <ErrorNote error={error ?? list.error} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data?.length === 0 ? <Empty icon="settings" title="No webhook endpoints">Add one to receive message and status events.</Empty> : null}
      <div className="stack">
        {(list.data ?? []).map((w) => (
          <article key={w.id} className="card webhook" aria-label={`Webhook ${w.url}`}>
            <div>
              <p className="mono">{w.url}</p>
              <p className="muted small">{w.events.join(', ')}</p>
              {w.disabled_reason ? <p className="template-reason">{w.disabled_reason}</p> : null}
            </div>
            <span className="badges">
              <StatusBadge status={w.status} />
              <button type="button" className="btn btn-small btn-ghost" onClick={() => void test(w)}>
                Send test
              </button>
            </span>
          </article>
        ))}
      </div>
    </section>
  )
}
