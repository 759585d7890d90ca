import { useEffect, useState, type FormEvent } from 'react'
import { del, errorMessage, get, patch, post } from '../api.js'
import { fullTime, STATUS_LABEL } from '../format.js'
import { useAsync } from '../hooks.js'
import { nameOf } from '../messages.js'
import { useSession } from '../session.js'
import type { Contact, ContactField, Conversation, Member, Tag, Team } from '../types.js'
import { Icon } from './icons.js'
import { Avatar, Badge, ErrorNote, Loading } from './ui.js'

// The conversation's details: who handles it (member or team), its status and AI/human mode, and the
// contact behind it: tags, custom fields (validated by the API; its message is shown) and opt-out.

export interface SidebarProps {
  conversation: Conversation
  members: Member[]
  teams: Team[]
  tags: Tag[]
  onChanged: (c: Conversation) => void
  onTagsChanged: () => void
  onClose?: () => void
}

export function ConversationSidebar(p: SidebarProps) {
  const { can } = useSession()
  const c = p.conversation
  const [error, setError] = useState<string | null>(null)
  const [saving, setSaving] = useState<string | null>(null)
  const canEdit = can('messaging:messages:send')

  async function change(field: string, value: unknown) {
    setSaving(field)
    setError(null)
    try {
      const res = await patch<Conversation>(`/v1/messaging/conversations/${c.id}`, { [field]: value })
      p.onChanged(res.data)
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setSaving(null)
    }
  }

  return (
    <aside className="sidebar" aria-label="Conversation details">
      {p.onClose ? (
        <div className="sidebar-close">
          <button type="button" className="icon-btn" onClick={p.onClose} aria-label="Close details">
            <Icon name="close" size={18} />
          </button>
        </div>
      ) : null}
      <section className="side-section">
        <h3 className="side-title">Conversation</h3>
        <ErrorNote error={error} />
        <div className="side-field">
          <label htmlFor="side-assignee">Assignee</label>
          <select
            id="side-assignee"
            value={c.assignee_id ?? ''}
            disabled={!canEdit || saving === 'assignee_id'}
            onChange={(e) => void change('assignee_id', e.target.value || null)}
          >
            <option value="">Unassigned</option>
            {p.members.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </div>
        <div className="side-field">
          <label htmlFor="side-team">Team</label>
          <select id="side-team" value={c.team_id ?? ''} disabled={!canEdit || saving === 'team_id'} onChange={(e) => void change('team_id', e.target.value || null)}>
            <option value="">No team</option>
            {p.teams.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
        <div className="side-field">
          <label htmlFor="side-status">Status</label>
          <select id="side-status" value={c.status} disabled={!canEdit || saving === 'status'} onChange={(e) => void change('status', e.target.value)}>
            {Object.entries(STATUS_LABEL).map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </div>
        <div className="side-field">
          <span className="side-label" id="side-mode-label">
            Handled by
          </span>
          <div className="segmented segmented-small" role="radiogroup" aria-labelledby="side-mode-label">
            {(['human', 'ai'] as const).map((m) => (
              <button
                key={m}
                type="button"
                role="radio"
                aria-checked={c.mode === m}
                className={c.mode === m ? 'active' : ''}
                disabled={!canEdit || saving === 'mode'}
                onClick={() => c.mode !== m && void change('mode', m)}
              >
                <Icon name={m === 'ai' ? 'bot' : 'user'} size={15} /> {m === 'ai' ? 'AI agent' : 'Human'}
              </button>
            ))}
          </div>
        </div>
      </section>
      <ContactPanel conversation={c} tags={p.tags} onTagsChanged={p.onTagsChanged} />
    </aside>
  )
}

function ContactPanel({ conversation: c, tags, onTagsChanged }: { conversation: Conversation; tags: Tag[]; onTagsChanged: () => void }) {
  const { can } = useSession()
  const canRead = can('contacts:read')
  const canWrite = can('contacts:write')
  const contact = useAsync(async (signal) => (canRead ? (await get<Contact>(`/v1/contacts/${c.contact_id}`, undefined, signal)).data : null), [c.contact_id, canRead])
  const fields = useAsync(async (signal) => (canRead ? (await get<ContactField[]>('/v1/contact-fields', { page_size: 200 }, signal)).data : []), [canRead])
  const [error, setError] = useState<string | null>(null)
  const [newTag, setNewTag] = useState('')

  if (!canRead) return null
  const ct = contact.data

  async function addTag(e: FormEvent) {
    e.preventDefault()
    const name = newTag.trim()
    if (!name || !ct) return
    setError(null)
    try {
      const res = await post<Contact>(`/v1/contacts/${ct.id}/tags`, { tags: [name] })
      contact.set(res.data ?? { ...ct, tags: [...ct.tags, name] })
      setNewTag('')
      onTagsChanged()
    } catch (err) {
      setError(errorMessage(err))
    }
  }

  async function removeTag(name: string) {
    if (!ct) return
    setError(null)
    try {
      await del(`/v1/contacts/${ct.id}/tags/${encodeURIComponent(name)}`)
      contact.set({ ...ct, tags: ct.tags.filter((t) => t !== name) })
      onTagsChanged()
    } catch (err) {
      setError(errorMessage(err))
    }
  }

  async function toggleOptOut() {
    if (!ct) return
    setError(null)
    try {
      const res = await post<Contact>(`/v1/contacts/${ct.id}/${ct.opted_out ? 'opt-in' : 'opt-out'}`, { source: 'inbox' })
      contact.set(res.data ?? { ...ct, opted_out: !ct.opted_out })
    } catch (err) {
      setError(errorMessage(err))
    }
  }

  return (
    <section className="side-section" aria-label="Contact">
      <h3 className="side-title">Contact</h3>
      {contact.loading ? <Loading label="Loading the contact…" /> : null}
      <ErrorNote error={contact.error} onRetry={contact.reload} />
      {ct ? (
        <>
          <div className="contact-card">
            <Avatar name={ct.name ?? ct.phone} seed={ct.id} size={44} />
            <div>
              <strong>{ct.name || nameOf(c)}</strong>
              <span className="muted block small">{ct.phone}</span>
              {ct.email ? <span className="muted block small">{ct.email}</span> : null}
            </div>
          </div>
          <div className="optout-row">
            {ct.opted_out ? (
              <Badge tone="red">Opted out{ct.opted_out_at ? ` · ${fullTime(ct.opted_out_at)}` : ''}</Badge>
            ) : (
              <Badge tone="green">Subscribed to marketing</Badge>
            )}
            {canWrite ? (
              <button type="button" className="btn btn-small btn-ghost" onClick={() => void toggleOptOut()}>
                {ct.opted_out ? 'Opt back in' : 'Opt out'}
              </button>
            ) : null}
          </div>
          <ErrorNote error={error} />
          <div className="side-field">
            <span className="side-label">Tags</span>
            <ul className="tag-list" aria-label="Contact tags">
              {ct.tags.length === 0 ? <li className="muted small">No tags</li> : null}
              {ct.tags.map((t) => (
                <li key={t} className="tag">
                  <Icon name="tag" size={12} />
                  {t}
                  {canWrite ? (
                    <button type="button" onClick={() => void removeTag(t)} aria-label={`Remove tag ${t}`}>
                      <Icon name="close" size={12} />
                    </button>
                  ) : null}
                </li>
              ))}
            </ul>
            {canWrite ? (
              <form className="tag-add" onSubmit={addTag}>
                <input list="known-tags" placeholder="Add a tag" aria-label="New tag" value={newTag} onChange={(e) => setNewTag(e.target.value)} maxLength={64} />
                <datalist id="known-tags">
                  {tags.filter((t) => !ct.tags.includes(t.name)).map((t) => (
                    <option key={t.id} value={t.name} />
                  ))}
                </datalist>
                <button type="submit" className="btn btn-small" disabled={!newTag.trim()} aria-label="Add tag">
                  <Icon name="plus" size={14} /> Add
                </button>
              </form>
            ) : null}
          </div>
          {(fields.data ?? []).length > 0 ? (
            <div className="side-field">
              <span className="side-label">Fields</span>
              <div className="custom-fields">
                {(fields.data ?? []).map((f) => (
                  <CustomField key={f.key} field={f} contact={ct} disabled={!canWrite} onSaved={(next) => contact.set(next)} />
                ))}
              </div>
            </div>
          ) : null}
        </>
      ) : null}
    </section>
  )
}

/** One custom field, saved on blur or Enter; the API checks the type and its message is shown here. */
function CustomField({ field, contact, disabled, onSaved }: { field: ContactField; contact: Contact; disabled: boolean; onSaved: (c: Contact) => void }) {
  const current = contact.fields[field.key]
  const asText = current === undefined || current === null ? '' : String(current)
  const [value, setValue] = useState(asText)
  const [error, setError] = useState<string | null>(null)
  const [saved, setSaved] = useState(false)
  useEffect(() => setValue(asText), [asText])

  async function save(next: string) {
    if (next === asText) return
    setError(null)
    // Send what the user typed as the field's type where it is unambiguous; the API has the last word.
    let v: unknown = next === '' ? null : next
    if (field.type === 'number' && next !== '' && Number.isFinite(Number(next))) v = Number(next)
    if (field.type === 'boolean') v = next === '' ? null : next === 'true'
    try {
      const res = await patch<Contact>(`/v1/contacts/${contact.id}`, { fields: { [field.key]: v } })
      onSaved(res.data)
      setSaved(true)
      setTimeout(() => setSaved(false), 1500)
    } catch (err) {
      setError(errorMessage(err))
    }
  }

  const id = `cf-${field.key}`
  let input
  if (field.type === 'boolean') {
    input = (
      <select id={id} value={value} disabled={disabled} onChange={(e) => { setValue(e.target.value); void save(e.target.value) }}>
        <option value="">—</option>
        <option value="true">Yes</option>
        <option value="false">No</option>
      </select>
    )
  } else if (field.type === 'enum') {
    input = (
      <select id={id} value={value} disabled={disabled} onChange={(e) => { setValue(e.target.value); void save(e.target.value) }}>
        <option value="">—</option>
        {(field.options ?? []).map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    )
  } else {
    // Plain text inputs for number and date too, so a wrong value reaches the API and its message shows.
    input = (
      <input
        id={id}
        value={value}
        disabled={disabled}
        inputMode={field.type === 'number' ? 'decimal' : undefined}
        placeholder={field.type === 'date' ? 'YYYY-MM-DD' : field.type === 'number' ? '0' : ''}
        onChange={(e) => setValue(e.target.value)}
        onBlur={() => void save(value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault()
            void save(value)
          }
          if (e.key === 'Escape') setValue(asText)
        }}
      />
    )
  }
  return (
    <div className={`cf${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>
        {field.label} <span className="cf-type">{field.type}</span>
        {saved ? <span className="cf-saved"><Icon name="check" size={12} /> Saved</span> : null}
      </label>
      {input}
      {error ? <p className="field-error" role="alert">{error}</p> : null}
    </div>
  )
}
