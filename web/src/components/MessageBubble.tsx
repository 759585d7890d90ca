import { mediaUrl } from '../api.js'
import { clockTime, fullTime } from '../format.js'
import { arr, body, failureReason, linkify, mediaIdOf, num, obj, previewOf, str } from '../messages.js'
import type { Message } from '../types.js'
import { Icon } from './icons.js'

// One message, WhatsApp-style: customer on the left, business on the right, with the quoted message it
// answers, its content by type, reactions, time and delivery ticks (or why it failed).

export function RichText({ text }: { text: string }) {
  return (
    <>
      {linkify(text).map((part, i) =>
        part.href ? (
          <a key={i} href={part.href} target="_blank" rel="noopener noreferrer">
            {part.text}
          </a>
        ) : (
          <span key={i}>{part.text}</span>
        ),
      )}
    </>
  )
}

export function Ticks({ status, at }: { status: Message['delivery_status']; at?: string | null }) {
  const label: Record<string, string> = { queued: 'Sending', sent: 'Sent', delivered: 'Delivered', read: 'Read', failed: 'Not delivered' }
  if (status === 'received') return null
  const title = `${label[status] ?? status}${at ? ` · ${fullTime(at)}` : ''}`
  if (status === 'queued') {
    return (
      <span className="ticks ticks-queued" role="img" aria-label={label.queued} title={title} data-status="queued">
        <Icon name="clock" size={13} />
      </span>
    )
  }
  if (status === 'failed') {
    return (
      <span className="ticks ticks-failed" role="img" aria-label={label.failed} title={title} data-status="failed">
        <Icon name="alert" size={14} />
      </span>
    )
  }
  const double = status === 'delivered' || status === 'read'
  return (
    <span className={`ticks ticks-${status}`} role="img" aria-label={label[status]} title={title} data-status={status}>
      <svg viewBox="0 0 18 12" width="17" height="12" aria-hidden="true">
        <path d="M1 6.5l3.2 3.2L10.5 2.5" fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinecap="round" strokeLinejoin="round" />
        {double ? <path d="M7.2 9.4l.5.3L14 2.5" fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinecap="round" strokeLinejoin="round" /> : null}
      </svg>
    </span>
  )
}

function Content({ m }: { m: Message }) {
  const b = body(m)
  const id = mediaIdOf(m)
  const caption = str(b, 'caption')
  const captionNode = caption && caption !== m.text ? <p className="msg-caption"><RichText text={caption} /></p> : null
  const text = m.text ? (
    <p className="msg-text">
      <RichText text={m.text} />
    </p>
  ) : null

  switch (m.message_type) {
    case 'text':
      return text ?? <p className="msg-text muted">(empty message)</p>
    case 'image':
    case 'sticker':
      return (
        <>
          {id ? (
            <a href={mediaUrl(id)} target="_blank" rel="noopener noreferrer" className={`msg-media msg-${m.message_type}`}>
              <img src={mediaUrl(id)} alt={caption ?? (m.message_type === 'sticker' ? 'Sticker' : 'Photo')} loading="lazy" />
            </a>
          ) : (
            <p className="msg-text muted">{m.message_type === 'sticker' ? 'Sticker' : 'Photo'} (not available)</p>
          )}
          {captionNode ?? text}
        </>
      )
    case 'video':
      return (
        <>
          {id ? <video className="msg-media" controls preload="metadata" src={mediaUrl(id)} aria-label="Video" /> : null}
          {captionNode ?? text}
        </>
      )
    case 'audio':
      return id ? <audio className="msg-audio" controls preload="metadata" src={mediaUrl(id)} aria-label={b.voice ? 'Voice message' : 'Audio'} /> : <p className="msg-text muted">Audio (not available)</p>
    case 'document': {
      const filename = str(b, 'filename') ?? 'Document'
      return (
        <>
          <a className="msg-doc" href={id ? mediaUrl(id) : undefined} download={filename} aria-label={`Download ${filename}`}>
            <span className="msg-doc-icon">
              <Icon name="file" size={22} />
            </span>
            <span className="msg-doc-name">{filename}</span>
            <Icon name="download" size={18} />
          </a>
          {captionNode ?? text}
        </>
      )
    }
    case 'location': {
      const lat = num(b, 'latitude')
      const lng = num(b, 'longitude')
      const name = str(b, 'name')
      const address = str(b, 'address')
      const href = lat !== null && lng !== null ? `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lng}#map=16/${lat}/${lng}` : str(b, 'url')
      return (
        <a className="msg-location" href={href ?? undefined} target="_blank" rel="noopener noreferrer">
          <span className="msg-location-map" aria-hidden="true">
            <Icon name="pin" size={26} />
          </span>
          <span>
            <strong>{name ?? 'Shared location'}</strong>
            {address ? <span className="muted block">{address}</span> : null}
            {lat !== null && lng !== null ? <span className="muted block small">{lat.toFixed(5)}, {lng.toFixed(5)}</span> : null}
          </span>
        </a>
      )
    }
    case 'contacts': {
      const cards = arr(b, 'contacts')
      return (
        <div className="msg-contacts">
          {cards.length === 0 ? <p className="msg-text muted">Contact card</p> : null}
          {cards.map((c, i) => {
            const nameObj = obj(c, 'name')
            const name = str(c, 'name') ?? (nameObj ? str(nameObj, 'formatted_name', 'formattedName', 'first_name') : null) ?? 'Contact'
            const phones = arr(c, 'phones').map((p) => str(p, 'phone', 'wa_id', 'waId')).filter(Boolean)
            return (
              <div key={i} className="msg-contact">
                <Icon name="user" size={18} />
                <span>
                  <strong>{name}</strong>
                  {phones.map((p) => (
                    <span key={p} className="muted block">
                      {p}
                    </span>
                  ))}
                </span>
              </div>
            )
          })}
        </div>
      )
    }
    case 'interactive':
    case 'button': {
      // A customer tapping a button or list row; outbound interactive messages carry their body text.
      if (m.direction === 'inbound') {
        const title = str(b, 'title', 'text', 'payload') ?? m.text ?? 'Reply'
        return (
          <p className="msg-choice">
            <Icon name="reply" size={15} /> {title}
          </p>
        )
      }
      const buttons = arr(obj(b, 'action') ?? b, 'buttons')
      return (
        <>
          {text}
          {buttons.length ? (
            <div className="msg-buttons">
              {buttons.map((x, i) => (
                <span key={i}>{str(obj(x, 'reply') ?? x, 'title', 'text') ?? 'Button'}</span>
              ))}
            </div>
          ) : null}
        </>
      )
    }
    case 'template':
      return (
        <>
          <p className="msg-template-label">
            <Icon name="templates" size={13} /> {m.template?.key ?? m.template?.name ?? 'Template'}
          </p>
          {text ?? <p className="msg-text muted">Template message</p>}
        </>
      )
    case 'reaction':
      return <p className="msg-text">Reacted {str(b, 'emoji') ?? ''}</p>
    default:
      return text ?? <p className="msg-text muted">{previewOf(m)}</p>
  }
}

export function MessageBubble({ m, quoted, onQuoteClick }: { m: Message; quoted?: Message | null; onQuoteClick?: (id: string) => void }) {
  const out = m.direction === 'outbound'
  const reactions = (m.reactions ?? []).map((r) => (typeof r.emoji === 'string' ? r.emoji : null)).filter((e): e is string => !!e)
  const statusAt = m.read_at ?? m.delivered_at ?? m.sent_at ?? m.failed_at ?? null
  const sticker = m.message_type === 'sticker'
  // A quote of a message we do not have loaded (older history) still shows that this is a reply.
  const quoteText = quoted ? previewOf(quoted) : m.reply_to ? 'An earlier message' : null
  return (
    <div className={`msg-row ${out ? 'msg-out' : 'msg-in'}`} data-message-id={m.id} data-status={m.delivery_status}>
      <div className={`msg${sticker ? ' msg-bare' : ''}${m.delivery_status === 'failed' ? ' msg-failed' : ''}`}>
        {quoteText !== null ? (
          <button type="button" className="msg-quote" onClick={() => quoted && onQuoteClick?.(quoted.id)} aria-label="Show the message this replies to">
            <span className="msg-quote-who">{quoted ? (quoted.direction === 'outbound' ? 'You' : 'Customer') : 'Reply to'}</span>
            <span className="msg-quote-text">{quoteText}</span>
          </button>
        ) : null}
        <Content m={m} />
        <span className="msg-meta">
          <time dateTime={m.created_at} title={fullTime(m.created_at)}>
            {clockTime(m.created_at)}
          </time>
          {out ? <Ticks status={m.delivery_status} at={statusAt} /> : null}
        </span>
        {reactions.length ? (
          <span className="msg-reactions" aria-label={`Reactions: ${reactions.join(' ')}`}>
            {reactions.join('')}
          </span>
        ) : null}
      </div>
      {m.delivery_status === 'failed' ? (
        <p className="msg-failure" role="note" title={typeof m.error?.details === 'string' ? m.error.details : undefined}>
          <Icon name="alert" size={14} /> <span>Not delivered: {failureReason(m)}</span>
        </p>
      ) : null}
    </div>
  )
}
