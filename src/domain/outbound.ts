import type { FieldProblem } from './errors.js'

// What a business may send inside the 24-hour window (free-form content), and Meta's limits on it.
// Checked when the send is accepted, so a bad message is a 400 listing every problem at once instead
// of a queued message that fails later at the provider.

export const CONTENT_LIMITS = {
  text: 4096,
  caption: 1024,
  filename: 240,
  interactiveBody: 1024,
  interactiveHeader: 60,
  footer: 60,
  buttons: 3,
  buttonTitle: 20,
  buttonId: 256,
  listButton: 20,
  sections: 10,
  rows: 10,
  sectionTitle: 24,
  rowTitle: 24,
  rowId: 200,
  rowDescription: 72,
} as const

export const MEDIA_KINDS = ['image', 'document', 'audio', 'video'] as const
export type MediaKind = (typeof MEDIA_KINDS)[number]

/** Media by an id from POST /v1/media (our id) or a public link WhatsApp fetches. */
export interface MediaContent {
  kind: MediaKind
  link?: string
  mediaId?: string
  caption?: string
  filename?: string
}

export interface ButtonsContent {
  kind: 'buttons'
  body: string
  header?: string
  footer?: string
  buttons: Array<{ id: string; title: string }>
}

export interface ListContent {
  kind: 'list'
  body: string
  header?: string
  footer?: string
  buttonText: string
  sections: Array<{ title?: string; rows: Array<{ id: string; title: string; description?: string }> }>
}

export type OutboundContent =
  | { kind: 'text'; text: string }
  | MediaContent
  | ButtonsContent
  | ListContent
  /** `messageId` is our message id; the service looks up its wamid. An empty emoji removes a reaction. */
  | { kind: 'reaction'; messageId: string; emoji: string }

/** Every problem with the content, each naming the API field; empty when WhatsApp would take it. */
export function checkContent(c: OutboundContent): FieldProblem[] {
  const problems: FieldProblem[] = []
  const check = (ok: boolean, field: string, problem: string) => {
    if (!ok) problems.push({ field, problem })
  }
  const L = CONTENT_LIMITS
  switch (c.kind) {
    case 'text':
      check(c.text.trim().length > 0 && c.text.length <= L.text, 'text', `must be 1–${L.text} characters`)
      break
    case 'image':
    case 'document':
    case 'audio':
    case 'video': {
      const f = c.kind
      check((c.link === undefined) !== (c.mediaId === undefined), f, 'must have exactly one of link or media_id')
      if (c.link !== undefined) check(/^https?:\/\/\S+$/.test(c.link), `${f}.link`, 'must be an http(s) URL')
      if (c.caption !== undefined) {
        check(c.kind !== 'audio', `${f}.caption`, 'is not allowed on audio')
        check(c.caption.length <= L.caption, `${f}.caption`, `must be at most ${L.caption} characters`)
      }
      if (c.filename !== undefined) {
        check(c.kind === 'document', `${f}.filename`, 'is only for documents')
        check(c.filename.length > 0 && c.filename.length <= L.filename, `${f}.filename`, `must be 1–${L.filename} characters`)
      }
      break
    }
    case 'buttons': {
      frame(c, check)
      check(c.buttons.length >= 1 && c.buttons.length <= L.buttons, 'interactive.buttons', `must have 1–${L.buttons} buttons`)
      const ids = new Set<string>()
      const titles = new Set<string>()
      c.buttons.forEach((b, i) => {
        const f = `interactive.buttons[${i}]`
        check(b.title.trim().length > 0 && b.title.length <= L.buttonTitle, `${f}.title`, `must be 1–${L.buttonTitle} characters`)
        check(b.id.length > 0 && b.id.length <= L.buttonId && b.id.trim() === b.id, `${f}.id`, `must be 1–${L.buttonId} characters without surrounding spaces`)
        check(!ids.has(b.id), `${f}.id`, 'must be unique')
        check(!titles.has(b.title), `${f}.title`, 'must be unique')
        ids.add(b.id)
        titles.add(b.title)
      })
      break
    }
    case 'list': {
      frame(c, check)
      check(c.buttonText.trim().length > 0 && c.buttonText.length <= L.listButton, 'interactive.button_text', `must be 1–${L.listButton} characters`)
      check(c.sections.length >= 1 && c.sections.length <= L.sections, 'interactive.sections', `must have 1–${L.sections} sections`)
      const total = c.sections.reduce((n, s) => n + s.rows.length, 0)
      check(total >= 1 && total <= L.rows, 'interactive.sections', `must hold 1–${L.rows} rows in total (found ${total})`)
      const ids = new Set<string>()
      c.sections.forEach((s, si) => {
        const sf = `interactive.sections[${si}]`
        if (c.sections.length > 1) check(!!s.title && s.title.trim().length > 0, `${sf}.title`, 'is required when there is more than one section')
        if (s.title !== undefined) check(s.title.length <= L.sectionTitle, `${sf}.title`, `must be at most ${L.sectionTitle} characters`)
        check(s.rows.length >= 1, `${sf}.rows`, 'must have at least one row')
        s.rows.forEach((r, ri) => {
          const f = `${sf}.rows[${ri}]`
          check(r.title.trim().length > 0 && r.title.length <= L.rowTitle, `${f}.title`, `must be 1–${L.rowTitle} characters`)
          check(r.id.length > 0 && r.id.length <= L.rowId, `${f}.id`, `must be 1–${L.rowId} characters`)
          check(!ids.has(r.id), `${f}.id`, 'must be unique across sections')
          ids.add(r.id)
          if (r.description !== undefined) check(r.description.length <= L.rowDescription, `${f}.description`, `must be at most ${L.rowDescription} characters`)
        })
      })
      break
    }
    case 'reaction':
      // One emoji (which may be several code points, e.g. a flag or a skin tone), or empty to remove.
      check([...new Intl.Segmenter().segment(c.emoji)].length <= 1, 'reaction.emoji', 'must be a single emoji, or empty to remove the reaction')
      break
  }
  return problems
}

function frame(c: ButtonsContent | ListContent, check: (ok: boolean, field: string, problem: string) => void): void {
  const L = CONTENT_LIMITS
  check(c.body.trim().length > 0 && c.body.length <= L.interactiveBody, 'interactive.body', `must be 1–${L.interactiveBody} characters`)
  if (c.header !== undefined) check(c.header.trim().length > 0 && c.header.length <= L.interactiveHeader, 'interactive.header', `must be 1–${L.interactiveHeader} characters`)
  if (c.footer !== undefined) check(c.footer.trim().length > 0 && c.footer.length <= L.footer, 'interactive.footer', `must be 1–${L.footer} characters`)
}

/** What the inbox and conversation list show for an outbound message. */
export function previewOf(c: OutboundContent): string {
  switch (c.kind) {
    case 'text':
      return c.text
    case 'buttons':
    case 'list':
      return c.body
    case 'reaction':
      return c.emoji ? `Reacted ${c.emoji}` : 'Removed a reaction'
    default:
      return c.caption ?? (c.kind === 'document' && c.filename ? c.filename : `[${c.kind}]`)
  }
}
