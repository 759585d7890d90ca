import { useEffect, useRef, useState, type KeyboardEvent } from 'react'
import { api, errorMessage, idempotencyKey, post } from '../api.js'
import { bytes, fullTime, relative } from '../format.js'
import { useSession } from '../session.js'
import type { Conversation } from '../types.js'
import { Icon } from './icons.js'
import { ErrorNote, RoleNote } from './ui.js'
import { TemplatePicker } from './TemplatePicker.js'

// The reply box. Inside the window: text (Enter sends, Shift+Enter breaks the line) and attachments
// (uploaded with POST /v1/media, then sent by media_id). Outside it: says since when it is closed and
// offers the template picker, because WhatsApp only delivers templates then.

const MEDIA_KIND = (mime: string): 'image' | 'video' | 'audio' | 'document' =>
  mime.startsWith('image/') ? 'image' : mime.startsWith('video/') ? 'video' : mime.startsWith('audio/') ? 'audio' : 'document'

export function Composer({ conversation, onSent }: { conversation: Conversation; onSent: () => void }) {
  const { can } = useSession()
  const [text, setText] = useState('')
  const [file, setFile] = useState<File | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [picker, setPicker] = useState(false)
  const box = useRef<HTMLTextAreaElement>(null)
  const fileInput = useRef<HTMLInputElement>(null)

  // A new conversation starts with an empty box (drafts are per conversation in the agent's head).
  useEffect(() => {
    setText('')
    setFile(null)
    setError(null)
    setPicker(false)
  }, [conversation.id])

  // Grow with the text up to a few lines, then scroll.
  useEffect(() => {
    const el = box.current
    if (!el) return
    el.style.height = 'auto'
    el.style.height = `${Math.min(el.scrollHeight, 180)}px`
  }, [text])

  if (!can('messaging:messages:send')) return <RoleNote>Your role can read this conversation but not reply.</RoleNote>

  if (!conversation.window_open) {
    const closedAt = conversation.window_expires_at
    return (
      <div className="composer composer-closed">
        <div className="window-closed" role="status">
          <Icon name="clock" size={18} />
          <div>
            <strong>The 24-hour window is closed</strong>
            <span className="muted">
              {closedAt
                ? ` since ${fullTime(closedAt)} (${relative(closedAt)}).`
                : conversation.last_inbound_at
                  ? '.'
                  : ' — the customer has not written yet.'}{' '}
              WhatsApp only delivers approved templates until the customer writes again.
            </span>
          </div>
          {!picker ? (
            <button type="button" className="btn btn-primary" onClick={() => setPicker(true)}>
              Choose a template
            </button>
          ) : null}
        </div>
        {picker ? (
          <TemplatePicker
            conversation={conversation}
            onClose={() => setPicker(false)}
            onSent={() => {
              setPicker(false)
              onSent()
            }}
          />
        ) : null}
      </div>
    )
  }

  async function send() {
    const body = text.trim()
    if (busy || (!body && !file)) return
    setBusy(true)
    setError(null)
    try {
      if (file) {
        const form = new FormData()
        form.append('number_id', conversation.number_id)
        form.append('file', file, file.name)
        const up = await api<{ id: string }>('POST', '/v1/media', { raw: form })
        const kind = MEDIA_KIND(file.type)
        const media: Record<string, string> = { media_id: up.data.id }
        if (body && kind !== 'audio') media.caption = body
        if (kind === 'document') media.filename = file.name
        await post(`/v1/messaging/conversations/${conversation.id}/messages`, { [kind]: media }, { idempotencyKey: idempotencyKey() })
      } else {
        await post(`/v1/messaging/conversations/${conversation.id}/messages`, { text }, { idempotencyKey: idempotencyKey() })
      }
      setText('')
      setFile(null)
      onSent()
      box.current?.focus()
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }

  function onKey(e: KeyboardEvent<HTMLTextAreaElement>) {
    // Enter sends; Shift+Enter is a line break; never send mid-composition (IME input).
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault()
      void send()
    }
  }

  const expires = conversation.window_expires_at
  return (
    <div className="composer">
      <ErrorNote error={error} />
      {file ? (
        <div className="composer-file">
          <Icon name="file" size={18} />
          <span className="composer-file-name">{file.name}</span>
          <span className="muted small">{bytes(file.size)}</span>
          <button type="button" className="icon-btn" onClick={() => setFile(null)} aria-label="Remove the attachment">
            <Icon name="close" size={16} />
          </button>
        </div>
      ) : null}
      <div className="composer-row">
        <button type="button" className="icon-btn" onClick={() => fileInput.current?.click()} aria-label="Attach a file" title="Attach a file" disabled={busy}>
          <Icon name="paperclip" size={20} />
        </button>
        <input
          ref={fileInput}
          type="file"
          hidden
          aria-label="File to attach"
          onChange={(e) => {
            setFile(e.target.files?.[0] ?? null)
            e.target.value = ''
          }}
        />
        <textarea
          ref={box}
          rows={1}
          className="composer-input"
          placeholder={file ? 'Add a caption…' : 'Type a reply…'}
          aria-label="Reply"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKey}
          maxLength={4096}
        />
        <button type="button" className="send-btn" onClick={() => void send()} disabled={busy || (!text.trim() && !file)} aria-label="Send">
          <Icon name="send" size={20} />
        </button>
      </div>
      <p className="composer-hint">
        <span>
          <kbd>Enter</kbd> to send · <kbd>Shift</kbd>+<kbd>Enter</kbd> for a new line
        </span>
        {expires ? <span title={fullTime(expires)}>Window closes {relative(expires)}</span> : null}
      </p>
    </div>
  )
}
