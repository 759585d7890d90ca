import { useEffect, useMemo, useState, type FormEvent } from 'react'
import { ApiError, errorMessage, fieldProblems, get, idempotencyKey, post } from '../api.js'
import { shortTime } from '../format.js'
import { useAsync } from '../hooks.js'
import { renderTemplate, templateVariables } from '../messages.js'
import { useSession } from '../session.js'
import type { Broadcast, BroadcastCounts, Tag, Template } from '../types.js'
import { Icon } from '../components/icons.js'
import { Empty, ErrorNote, Field, Loading, PageHeader, RoleNote, StatusBadge } from '../components/ui.js'

// Broadcasts: an approved template to an audience (tags), variables from literals or contact fields,
// created as a draft that says how many recipients it has, then started and watched.

const COUNT_KEYS: Array<keyof BroadcastCounts> = ['sent', 'delivered', 'read', 'failed', 'skipped', 'queued']

export function BroadcastsPage() {
  const { can } = useSession()
  // null: this server has no broadcasts API (404 on the list itself), which deserves a calm page, not an error.
  const list = useAsync(async (signal) => {
    try {
      return (await get<Broadcast[]>('/v1/broadcasts', { page_size: 100 }, signal)).data
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null
      throw err
    }
  }, [])
  const [creating, setCreating] = useState(false)
  const unavailable = list.data === null
  const anyRunning = (list.data ?? []).some((b) => b.status === 'running')

  // Progress: poll while something runs (broadcasts last minutes; a second's delay is fine here).
  useEffect(() => {
    if (!anyRunning) return
    const t = setInterval(list.reload, 1500)
    return () => clearInterval(t)
  }, [anyRunning, list.reload])

  return (
    <div className="page">
      <PageHeader
        title="Broadcasts"
        subtitle="Send an approved template to many contacts at once, at your number's pace."
        actions={
          can('broadcasts:write') && !unavailable ? (
            <button type="button" className="btn btn-primary" onClick={() => setCreating((c) => !c)} aria-expanded={creating}>
              <Icon name="plus" size={16} /> New broadcast
            </button>
          ) : null
        }
      />
      {!can('broadcasts:write') ? <RoleNote>Your role can watch broadcasts but not create or start them.</RoleNote> : null}
      {creating && !unavailable ? <BroadcastForm onCreated={() => { setCreating(false); list.reload() }} onCancel={() => setCreating(false)} /> : null}
      {unavailable ? (
        <Empty icon="broadcasts" title="Broadcasts are not available on this server yet">
          This Switchboard version does not offer broadcasts. They will appear here once it does.
        </Empty>
      ) : null}
      <ErrorNote error={list.error} onRetry={list.reload} />
      {list.loading && !list.data && !list.error ? <Loading label="Loading broadcasts…" /> : null}
      {list.data && list.data.length === 0 ? (
        <Empty icon="broadcasts" title="No broadcasts yet">
          Create one to reach a tagged audience with an approved template.
        </Empty>
      ) : null}
      <div className="stack">
        {(list.data ?? []).map((b) => (
          <BroadcastCard key={b.id} b={b} onChanged={list.reload} />
        ))}
      </div>
    </div>
  )
}

function BroadcastCard({ b, onChanged }: { b: Broadcast; onChanged: () => void }) {
  const { can } = useSession()
  const [error, setError] = useState<string | null>(null)
  const c = b.counts
  const total = c.total
  const done = c.sent + c.delivered + c.read + c.failed + c.skipped
  const pct = total ? Math.min(100, Math.round((done / total) * 100)) : 0
  async function act(action: 'start' | 'pause' | 'resume' | 'cancel') {
    setError(null)
    try {
      await post(`/v1/broadcasts/${b.id}/${action}`)
      onChanged()
    } catch (err) {
      setError(errorMessage(err))
    }
  }
  const actions: Array<'start' | 'pause' | 'resume' | 'cancel'> =
    b.status === 'draft' ? ['start', 'cancel'] : b.status === 'running' ? ['pause', 'cancel'] : b.status === 'paused' ? ['resume', 'cancel'] : []
  return (
    <article className="card broadcast" aria-label={`Broadcast ${b.name}`} data-status={b.status}>
      <header className="broadcast-head">
        <div>
          <h3>{b.name}</h3>
          <p className="muted small">
            {b.template.key} · {b.template.language} · {total} recipient{total === 1 ? '' : 's'} · {shortTime(b.completed_at ?? b.started_at ?? b.created_at)}
          </p>
        </div>
        <StatusBadge status={b.status} />
      </header>
      <div className="progress" role="progressbar" aria-label={`${b.name} progress`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
        <span style={{ width: `${pct}%` }} />
      </div>
      <dl className="counts">
        {COUNT_KEYS.map((k) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{c[k] ?? 0}</dd>
          </div>
        ))}
      </dl>
      {b.pause_reason ? <p className="template-reason">{b.pause_reason}</p> : null}
      <ErrorNote error={error} />
      {can('broadcasts:write') && actions.length ? (
        <div className="form-actions">
          {actions.map((a) => (
            <button key={a} type="button" className={`btn ${a === 'start' || a === 'resume' ? 'btn-primary' : 'btn-ghost'}`} onClick={() => void act(a)}>
              {a[0].toUpperCase() + a.slice(1)}
            </button>
          ))}
        </div>
      ) : null}
    </article>
  )
}

function BroadcastForm({ onCreated, onCancel }: { onCreated: () => void; onCancel: () => void }) {
  const templates = useAsync(async (signal) => (await get<Template[]>('/v1/templates', { status: 'APPROVED', page_size: 200 }, signal)).data, [])
  const tags = useAsync(async (signal) => (await get<Tag[]>('/v1/tags', { page_size: 200 }, signal)).data, [])
  const [name, setName] = useState('')
  const [templateId, setTemplateId] = useState('')
  const [audienceTags, setAudienceTags] = useState<string[]>([])
  const [vars, setVars] = useState<Record<string, string>>({})
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [problems, setProblems] = useState<Record<string, string>>({})
  const [created, setCreated] = useState<Broadcast | null>(null)
  const t = (templates.data ?? []).find((x) => x.id === templateId)
  const names = useMemo(() => (t ? (t.variables?.length ? t.variables : templateVariables(t.body)) : []), [t])
  // Rough audience size before creating: the sum of the chosen tags' counts (the draft gives the exact one).
  const estimate = (tags.data ?? []).filter((x) => audienceTags.includes(x.name)).reduce((n, x) => n + x.contact_count, 0)

  async function submit(e: FormEvent) {
    e.preventDefault()
    if (!t) return
    setBusy(true)
    setError(null)
    setProblems({})
    try {
      const variables: Record<string, unknown> = {}
      // An empty variable is left out, so the API says which one still needs a value.
      for (const v of names) if (vars[v]?.trim()) variables[v] = vars[v].trim()
      const res = await post<Broadcast>(
        '/v1/broadcasts',
        { name, template_key: t.name, language: t.language, number_id: t.number_id, audience: { tags_any: audienceTags }, variables },
        { idempotencyKey: idempotencyKey() },
      )
      setCreated(res.data)
    } catch (err) {
      setError(err instanceof ApiError && err.status === 404 && err.code !== 'template_not_found' ? 'Broadcasts are not available on this server yet.' : errorMessage(err))
      setProblems(fieldProblems(err))
    } finally {
      setBusy(false)
    }
  }

  if (created) {
    const count = created.audience_count
    return (
      <div className="card form-card" role="status">
        <h3>Draft “{created.name}” created</h3>
        <p>{count !== undefined ? `This audience has ${count} recipients right now.` : 'The draft is ready.'} Start it from the list below when you are ready.</p>
        <div className="form-actions">
          <button type="button" className="btn btn-primary" onClick={onCreated}>
            Done
          </button>
        </div>
      </div>
    )
  }

  return (
    <form className="card form-card" onSubmit={submit} aria-label="New broadcast">
      <div className="template-form-grid">
        <div>
          <Field label="Name" htmlFor="bf-name" error={problems.name}>
            <input id="bf-name" value={name} onChange={(e) => setName(e.target.value)} required placeholder="Spring sale" />
          </Field>
          <Field label="Template" htmlFor="bf-template" error={problems.template_key}>
            <select id="bf-template" value={templateId} onChange={(e) => setTemplateId(e.target.value)} required>
              <option value="">Choose an approved template…</option>
              {(templates.data ?? []).map((x) => (
                <option key={x.id} value={x.id}>
                  {x.name} · {x.language}
                </option>
              ))}
            </select>
          </Field>
          <fieldset className="examples">
            <legend>Audience: contacts with any of these tags</legend>
            {(tags.data ?? []).length === 0 ? <p className="muted small">No tags yet: tag contacts first.</p> : null}
            <div className="tag-list">
              {(tags.data ?? []).map((x) => (
                <label key={x.id} className={`tag tag-choice${audienceTags.includes(x.name) ? ' on' : ''}`}>
                  <input
                    type="checkbox"
                    checked={audienceTags.includes(x.name)}
                    onChange={(e) => setAudienceTags((cur) => (e.target.checked ? [...cur, x.name] : cur.filter((n) => n !== x.name)))}
                  />
                  {x.name} <span className="muted">{x.contact_count}</span>
                </label>
              ))}
            </div>
            <p className="small muted">About {estimate} recipients (contacts with several tags count once when created).</p>
          </fieldset>
          {names.map((v) => (
            <Field key={v} label={v} htmlFor={`bf-var-${v}`} hint={`A value, or {{contact.${v}}} to use each contact's own.`} error={problems[`variables.${v}`]}>
              <input id={`bf-var-${v}`} value={vars[v] ?? ''} onChange={(e) => setVars((x) => ({ ...x, [v]: e.target.value }))} placeholder={`{{contact.${v}}}`} />
            </Field>
          ))}
        </div>
        <div className="template-preview phone-preview">
          <span className="template-preview-label">Preview</span>
          {t ? (
            <div className="msg msg-preview">
              <p className="msg-text">{renderTemplate(t.body, vars)}</p>
            </div>
          ) : (
            <p className="muted small">Choose a template.</p>
          )}
        </div>
      </div>
      <ErrorNote error={error ?? templates.error} />
      <div className="form-actions">
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy || !t || audienceTags.length === 0}>
          {busy ? 'Creating…' : 'Create draft'}
        </button>
      </div>
    </form>
  )
}
