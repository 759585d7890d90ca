import { useMemo, useState, type FormEvent } from 'react'
import { errorMessage, fieldProblems, get, idempotencyKey, post } from '../api.js'
import { useAsync } from '../hooks.js'
import { renderTemplate, templateVariables } from '../messages.js'
import type { Conversation, Template } from '../types.js'
import { Icon } from './icons.js'
import { Empty, ErrorNote, Loading } from './ui.js'
import { RichText } from './MessageBubble.js'

// Outside the 24-hour window only approved templates may be sent. Pick one, fill each variable (with
// a live preview of what the customer will read) and send it to this conversation's customer from
// this conversation's number.

export function TemplatePicker({ conversation, onSent, onClose }: { conversation: Conversation; onSent: () => void; onClose?: () => void }) {
  const templates = useAsync(
    async (signal) => (await get<Template[]>('/v1/templates', { status: 'APPROVED', page_size: 200 }, signal)).data,
    [],
  )
  const usable = useMemo(
    () => (templates.data ?? []).filter((t) => t.status === 'APPROVED' && (!t.number_id || t.number_id === conversation.number_id)),
    [templates.data, conversation.number_id],
  )
  const [selectedId, setSelectedId] = useState<string>('')
  const selected = usable.find((t) => t.id === selectedId) ?? null
  const vars = useMemo(() => (selected ? (selected.variables?.length ? selected.variables : templateVariables(selected.body)) : []), [selected])
  const [values, setValues] = useState<Record<string, string>>({})
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [problems, setProblems] = useState<Record<string, string>>({})

  function choose(id: string) {
    setSelectedId(id)
    setError(null)
    setProblems({})
    const t = usable.find((x) => x.id === id)
    // Start from what we know about the customer, so the common {{name}}/{{first_name}} is prefilled.
    const first = conversation.customer_name?.split(/\s+/)[0] ?? ''
    const start: Record<string, string> = {}
    for (const v of t ? (t.variables?.length ? t.variables : templateVariables(t.body)) : []) {
      if (/^(first_?name|name)$/i.test(v) && first) start[v] = /^name$/i.test(v) ? (conversation.customer_name ?? first) : first
    }
    setValues(start)
  }

  async function send(e: FormEvent) {
    e.preventDefault()
    if (!selected) return
    setBusy(true)
    setError(null)
    setProblems({})
    try {
      await post(
        '/v1/messaging/messages/template',
        {
          business_whatsapp_number_id: conversation.number_id,
          phone: conversation.customer_phone,
          template_key: selected.name,
          language: selected.language,
          variables: values,
        },
        { idempotencyKey: idempotencyKey() },
      )
      setSelectedId('')
      setValues({})
      onSent()
    } catch (err) {
      setError(errorMessage(err))
      setProblems(fieldProblems(err))
    } finally {
      setBusy(false)
    }
  }

  const header = typeof selected?.header === 'string' ? selected.header : (selected?.header?.text ?? null)

  return (
    <form className="template-picker" onSubmit={send} aria-label="Send a template">
      <div className="template-picker-head">
        <strong>Send a template</strong>
        {onClose ? (
          <button type="button" className="icon-btn" onClick={onClose} aria-label="Close the template picker">
            <Icon name="close" size={18} />
          </button>
        ) : null}
      </div>
      {templates.loading ? <Loading label="Loading approved templates…" /> : null}
      <ErrorNote error={templates.error} onRetry={templates.reload} />
      {!templates.loading && !templates.error && usable.length === 0 ? (
        <Empty icon="templates" title="No approved templates for this number">
          Create one on the Templates page; it can be sent once WhatsApp approves it.
        </Empty>
      ) : null}
      {usable.length > 0 ? (
        <div className="template-picker-body">
          <div className="template-picker-form">
            <div className="field">
              <label htmlFor="tpl-select">Template</label>
              <select id="tpl-select" value={selectedId} onChange={(e) => choose(e.target.value)} aria-label="Template">
                <option value="">Choose an approved template…</option>
                {usable.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name} · {t.language} · {t.category.toLowerCase()}
                  </option>
                ))}
              </select>
            </div>
            {vars.map((v) => (
              <div className={`field${problems[`variables.${v}`] || problems[v] ? ' field-invalid' : ''}`} key={v}>
                <label htmlFor={`tpl-var-${v}`}>{v.replace(/_/g, ' ')}</label>
                <input
                  id={`tpl-var-${v}`}
                  aria-label={`Variable ${v}`}
                  value={values[v] ?? ''}
                  placeholder={selected?.examples?.[v] ? `e.g. ${selected.examples[v]}` : undefined}
                  onChange={(e) => setValues((x) => ({ ...x, [v]: e.target.value }))}
                />
                {problems[`variables.${v}`] || problems[v] ? <p className="field-error">{problems[`variables.${v}`] ?? problems[v]}</p> : null}
              </div>
            ))}
          </div>
          <div className="template-preview" aria-live="polite">
            <span className="template-preview-label">Preview</span>
            {selected ? (
              <div className="msg msg-preview">
                {header ? <p className="msg-template-header">{header}</p> : null}
                <p className="msg-text">
                  <RichText text={renderTemplate(selected.body, values)} />
                </p>
                {selected.footer ? <p className="msg-template-footer">{selected.footer}</p> : null}
                {selected.buttons?.length ? (
                  <div className="msg-buttons">
                    {selected.buttons.map((b, i) => (
                      <span key={i}>{b.text ?? b.type}</span>
                    ))}
                  </div>
                ) : null}
              </div>
            ) : (
              <p className="muted small">Choose a template to see what the customer will receive.</p>
            )}
          </div>
        </div>
      ) : null}
      <ErrorNote error={error} />
      {usable.length > 0 ? (
        <div className="template-picker-actions">
          <button type="submit" className="btn btn-primary" disabled={!selected || busy}>
            <Icon name="send" size={16} /> {busy ? 'Sending…' : 'Send template'}
          </button>
        </div>
      ) : null}
    </form>
  )
}
