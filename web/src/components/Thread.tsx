import { Fragment, useEffect, useLayoutEffect, useMemo, useRef } from 'react'
import { dayLabel } from '../format.js'
import { nameOf, quotedOf } from '../messages.js'
import type { Conversation, Message, WaNumber } from '../types.js'
import { Composer } from './Composer.js'
import { Icon } from './icons.js'
import { MessageBubble } from './MessageBubble.js'
import { Avatar, Empty, ErrorNote, Loading } from './ui.js'

// The open conversation: a header, the messages oldest to newest grouped by day, and the reply box.

export interface ThreadProps {
  conversation: Conversation | null
  messages: Message[]
  loading: boolean
  error: string | null
  numbers: WaNumber[]
  onBack?: () => void
  onToggleDetails?: () => void
  detailsOpen?: boolean
  onSent: () => void
  onRetry: () => void
  hasOlder?: boolean
  olderLoading?: boolean
  onLoadOlder?: () => void
}

export function Thread(p: ThreadProps) {
  const scroller = useRef<HTMLDivElement>(null)
  const ordered = useMemo(() => [...p.messages].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id)), [p.messages])
  const byId = useMemo(() => new Map(ordered.map((m) => [m.id, m])), [ordered])
  const byWamid = useMemo(() => new Map(ordered.filter((m) => m.provider_message_id).map((m) => [m.provider_message_id as string, m])), [ordered])
  const lastId = ordered[ordered.length - 1]?.id

  // Stick to the bottom when a message arrives or the conversation changes, like any chat.
  useLayoutEffect(() => {
    const el = scroller.current
    if (el) el.scrollTop = el.scrollHeight
  }, [lastId, p.conversation?.id])

  // Images load after layout; keep the bottom in view while they do.
  useEffect(() => {
    const el = scroller.current
    if (!el) return
    const onLoad = () => {
      if (el.scrollHeight - el.scrollTop - el.clientHeight < 400) el.scrollTop = el.scrollHeight
    }
    el.addEventListener('load', onLoad, true)
    return () => el.removeEventListener('load', onLoad, true)
  }, [])

  if (!p.conversation) {
    if (p.loading) return <section className="thread"><Loading label="Opening the conversation…" /></section>
    if (p.error) return <section className="thread"><ErrorNote error={p.error} onRetry={p.onRetry} /></section>
    return (
      <section className="thread thread-empty">
        <Empty icon="chat" title="Pick a conversation">
          Choose a conversation on the left to read it and reply.
        </Empty>
      </section>
    )
  }
  const c = p.conversation
  const number = p.numbers.find((n) => n.id === c.number_id)
  const jump = (id: string) => {
    const el = scroller.current?.querySelector(`[data-message-id="${CSS.escape(id)}"]`)
    el?.scrollIntoView({ behavior: 'smooth', block: 'center' })
    el?.classList.add('msg-flash')
    setTimeout(() => el?.classList.remove('msg-flash'), 1200)
  }

  let lastDay = ''
  return (
    <section className="thread" aria-label={`Conversation with ${nameOf(c)}`}>
      <header className="thread-head">
        {p.onBack ? (
          <button type="button" className="icon-btn" onClick={p.onBack} aria-label="Back to conversations">
            <Icon name="back" size={22} />
          </button>
        ) : null}
        <Avatar name={c.customer_name ?? c.customer_phone} seed={c.contact_id ?? c.id} size={38} />
        <div className="thread-title">
          <h2>{nameOf(c)}</h2>
          <p className="muted small">
            {c.customer_name ? `${c.customer_phone ?? ''} · ` : ''}
            via {number ? `${number.name} (${number.display_phone_number})` : 'WhatsApp'}
          </p>
        </div>
        <span className={`window-pill ${c.window_open ? 'open' : 'closed'}`}>{c.window_open ? 'Window open' : 'Window closed'}</span>
        {p.onToggleDetails ? (
          <button
            type="button"
            className={`icon-btn${p.detailsOpen ? ' active' : ''}`}
            onClick={p.onToggleDetails}
            aria-label={p.detailsOpen ? 'Hide details' : 'Show details'}
            aria-expanded={p.detailsOpen}
          >
            <Icon name="info" size={20} />
          </button>
        ) : null}
      </header>
      <div className="thread-body" ref={scroller} aria-live="polite" aria-label="Messages">
        {p.error ? <ErrorNote error={p.error} onRetry={p.onRetry} /> : null}
        {p.hasOlder ? (
          <div className="older">
            <button type="button" className="btn btn-small" onClick={p.onLoadOlder} disabled={p.olderLoading}>
              {p.olderLoading ? 'Loading…' : 'Load earlier messages'}
            </button>
          </div>
        ) : null}
        {ordered.length === 0 && !p.loading ? <Empty icon="chat" title="No messages yet" /> : null}
        {ordered.map((m) => {
          const day = dayLabel(m.created_at)
          const showDay = day !== lastDay
          lastDay = day
          const quoted = quotedOf(m, byId, byWamid)
          return (
            <Fragment key={m.id}>
              {showDay ? (
                <div className="day-sep">
                  <span>{day}</span>
                </div>
              ) : null}
              <MessageBubble m={m} quoted={quoted} onQuoteClick={jump} />
            </Fragment>
          )
        })}
      </div>
      <Composer conversation={c} onSent={p.onSent} />
    </section>
  )
}
