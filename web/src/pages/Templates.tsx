import { useMemo, useState, type FormEvent } from 'react'
import { errorMessage, fieldProblems, get, idempotencyKey, post } from '../api.js'
import { shortTime } from '../format.js'
import { useAsync } from '../hooks.js'
import { renderTemplate, templateVariables } from '../messages.js'
import { useSession } from '../session.js'
import type { Template, WaNumber } from '../types.js'
import { Icon } from '../components/icons.js'
import { RichText } from '../components/MessageBubble.js'
import { Empty, ErrorNote, Field, Loading, PageHeader, RoleNote, StatusBadge } from '../components/ui.js'

// Message templates: the list with WhatsApp's review status, and a form to submit a new one with a
// live preview (variables filled with their example values).

export function TemplatesPage() {
  const { can } = useSession()
  const [status, setStatus] = useState('')
  const list = useAsync(async (signal) => (await get<Template[]>('/v1/templates', { status: status || undefined, page_size: 200 }, signal)).data, [status])
  const [creating, setCreating] = useState(false)
  const canWrite = can('templates:write')

  return (
    <div className="page">
      <PageHeader
        title="Templates"
        subtitle="Pre-approved messages you can send outside the 24-hour window and in broadcasts."
        actions={
          canWrite ? (
            <button type="button" className="btn btn-primary" onClick={() => setCreating((c) => !c)} aria-expanded={creating}>
              <Icon name="plus" size={16} /> New template
            </button>
          ) : null
        }
      />
      {!canWrite ? <RoleNote>Your role can use templates but not create them; ask an admin.</RoleNote> : null}
      {creating ? <TemplateForm onCreated={() => { setCreating(false); list.reload() }} onCancel={() => setCreating(false)} /> : null}
      <div className="toolbar">
        <select aria-label="Filter by status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">All statuses</option>
          {['APPROVED', 'PENDING', 'REJECTED', 'PAUSED', 'DISABLED'].map((s) => (
            <option key={s} value={s}>
              {s.toLowerCase()}
            </option>
          ))}
        </select>
      </div>
      <ErrorNote error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading label="Loading templates…" /> : null}
      {list.data && list.data.length === 0 ? (
        <Empty icon="templates" title="No templates yet">
          {canWrite ? 'Create one; WhatsApp usually reviews it within minutes.' : 'An admin can create them.'}
        </Empty>
      ) : null}
      {list.data && list.data.length > 0 ? (
        <div className="card-grid">
          {list.data.map((t) => (
            <article key={t.id} className="card template-card" aria-label={`Template ${t.name}`}>
              <header className="template-card-head">
                <div>
                  <h3>{t.name}</h3>
                  <p className="muted small">
                    {t.language} · {t.category.toLowerCase()} {t.created_at ? `· ${shortTime(t.created_at)}` : ''}
                  </p>
                </div>
                <StatusBadge status={t.status} />
              </header>
              <div className="template-card-body">
                <div className="msg msg-preview">
                  <p className="msg-text">
                    <RichText text={renderTemplate(t.body, t.examples ?? {})} />
                  </p>
                  {t.footer ? <p className="msg-template-footer">{t.footer}</p> : null}
                </div>
              </div>
              {t.status_reason ? <p className="template-reason">{t.status_reason}</p> : null}
            </article>
          ))}
        </div>
      ) : null}
    </div>
  )
}

function TemplateForm({ onCreated, onCancel }: { onCreated: () => void; onCancel: () => void }) {
  const numbers = useAsync(async (signal) => (await get<WaNumber[]>('/v1/numbers', { page_size: 200 }, signal)).data, [])
  const [name, setName] = useState('')
  const [language, setLanguage] = useState('en_US')
  const [category, setCategory] = useState<'UTILITY' | 'MARKETING' | 'AUTHENTICATION'>('UTILITY')
  const [numberId, setNumberId] = useState('')
  const [bodyText, setBodyText] = useState('Hi {{first_name}}, your order {{order_id}} is on its way.')
  const [footer, setFooter] = useState('')
  const [examples, setExamples] = useState<Record<string, string>>({ first_name: 'Maria', order_id: 'A-1042' })
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [problems, setProblems] = useState<Record<string, string>>({})
  const vars = useMemo(() => templateVariables(bodyText), [bodyText])

  async function submit(e: FormEvent) {
    e.preventDefault()
    setBusy(true)
    setError(null)
    setProblems({})
    try {
      const ex: Record<string, string> = {}
      for (const v of vars) ex[v] = examples[v] ?? ''
      await post(
        '/v1/templates',
        { name, language, category, body: bodyText, examples: ex, ...(footer ? { footer } : {}), ...(numberId ? { number_id: numberId } : {}) },
        { idempotencyKey: idempotencyKey() },
      )
      onCreated()
    } catch (err) {
      setError(errorMessage(err))
      setProblems(fieldProblems(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form className="card form-card template-form" onSubmit={submit} aria-label="New template">
      <div className="template-form-grid">
        <div>
          <Field label="Name" htmlFor="tf-name" hint="Lowercase letters, digits and underscores." error={problems.name}>
            <input id="tf-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="order_shipped" required pattern="[a-z0-9_]+" />
          </Field>
          <div className="field-row">
            <Field label="Language" htmlFor="tf-lang" error={problems.language}>
              <input id="tf-lang" value={language} onChange={(e) => setLanguage(e.target.value)} required />
            </Field>
            <Field label="Category" htmlFor="tf-cat" error={problems.category}>
              <select id="tf-cat" value={category} onChange={(e) => setCategory(e.target.value as typeof category)}>
                <option value="UTILITY">Utility</option>
                <option value="MARKETING">Marketing</option>
                <option value="AUTHENTICATION">Authentication</option>
              </select>
            </Field>
          </div>
          {(numbers.data ?? []).length > 1 ? (
            <Field label="Number" htmlFor="tf-number">
              <select id="tf-number" value={numberId} onChange={(e) => setNumberId(e.target.value)}>
                <option value="">Default number</option>
                {(numbers.data ?? []).map((n) => (
                  <option key={n.id} value={n.id}>
                    {n.name} ({n.display_phone_number})
                  </option>
                ))}
              </select>
            </Field>
          ) : null}
          <Field label="Body" htmlFor="tf-body" hint="Use {{variable_name}} for values filled at send time." error={problems.body}>
            <textarea id="tf-body" rows={4} value={bodyText} onChange={(e) => setBodyText(e.target.value)} required maxLength={1024} />
          </Field>
          {vars.length ? (
            <fieldset className="examples">
              <legend>Example values (WhatsApp reviews the template with these)</legend>
              {vars.map((v) => (
                <Field key={v} label={v} htmlFor={`tf-ex-${v}`} error={problems[`examples.${v}`]}>
                  <input id={`tf-ex-${v}`} value={examples[v] ?? ''} onChange={(e) => setExamples((x) => ({ ...x, [v]: e.target.value }))} required />
                </Field>
              ))}
            </fieldset>
          ) : null}
          <Field label="Footer (optional)" htmlFor="tf-footer" error={problems.footer}>
            <input id="tf-footer" value={footer} onChange={(e) => setFooter(e.target.value)} maxLength={60} />
          </Field>
        </div>
        <div className="template-preview phone-preview" aria-live="polite">
          <span className="template-preview-label">Preview</span>
          <div className="msg msg-preview">
            <p className="msg-text">
              <RichText text={renderTemplate(bodyText, examples)} />
            </p>
            {footer ? <p className="msg-template-footer">{footer}</p> : null}
          </div>
        </div>
      </div>
      <ErrorNote error={error} />
      <div className="form-actions">
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Submitting…' : 'Submit for review'}
        </button>
      </div>
    </form>
  )
}
