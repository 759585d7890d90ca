import { createHash } from 'node:crypto'
import { RuleRefusedError, ValidationError } from '../domain/errors.js'
import { isUuid } from '../domain/ids.js'
import { parseVariables } from '../domain/templates.js'
import type { MessageRow } from '../store/messages.js'
import type { TemplateRow } from '../store/templates.js'
import { getConversation } from './conversations.js'
import type { Deps } from './deps.js'
import { listNumbers, resolveSendingNumber } from './numbers.js'
import { sendTemplate, type Author } from './sends.js'
import { createTemplate, getTemplate, listTemplates } from './templates.js'
import { windowForPhone, type WindowDecision } from './window.js'

// The template-or-free-form decision made for an agent: inside the 24-hour window "just send";
// outside it, the UTILITY template whose body is the message (found, or submitted for review).

const AUTO_LANGUAGE = 'en_US'

/** A valid, stable template name for a message: readable words plus a short hash of the whole text. */
export function templateNameFor(message: string): string {
  const words = message
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9\s]/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 5)
    .join('_')
  const hash = createHash('sha256').update(message).digest('hex').slice(0, 8)
  return `auto_${words ? `${words}_` : ''}${hash}`.slice(0, 512)
}

/** A number of the business by id or display phone; the default number when none is named. */
async function numberIdFor(deps: Deps, businessId: string, from: string | undefined): Promise<string> {
  if (!from) return (await resolveSendingNumber(deps, businessId)).id
  if (isUuid(from)) return (await resolveSendingNumber(deps, businessId, from)).id
  const digits = from.replace(/\D/g, '')
  const match = (await listNumbers(deps, businessId)).find((n) => n.displayPhoneNumber.replace(/\D/g, '') === digits)
  if (!match) {
    throw ValidationError.fields(`No number of this business is "${from}"; give a number id or display phone, or leave "from" out for the default number.`, [
      { field: 'from', problem: 'is not one of this business’s numbers' },
    ])
  }
  return match.id
}

/** An APPROVED UTILITY template with exactly this body on the number, else a PENDING one, else null. */
async function utilityTemplateWithBody(deps: Deps, businessId: string, numberId: string, body: string): Promise<TemplateRow | null> {
  let token: string | undefined
  let pending: TemplateRow | null = null
  do {
    const page = await listTemplates(deps, { businessId, numberId, category: 'UTILITY' }, { pageSize: 200, pageToken: token })
    for (const t of page.items) {
      if (t.body !== body) continue
      if (t.status === 'APPROVED') return t
      if (t.status === 'PENDING') pending ??= t
    }
    token = page.nextPageToken
  } while (token)
  return pending
}

export type TemplateDecision = { window: WindowDecision } & ({ templateRequired: false } | { templateRequired: true; template: TemplateRow })

export async function templateForMessage(
  deps: Deps,
  businessId: string,
  q: { phone: string; message: string; conversationId?: string; from?: string },
): Promise<TemplateDecision> {
  const message = q.message.trim()
  let numberId: string
  let window: WindowDecision
  if (q.conversationId) {
    const conv = await getConversation(deps, businessId, q.conversationId)
    numberId = conv.numberId
    window = conv.window
  } else {
    numberId = await numberIdFor(deps, businessId, q.from)
    window = await windowForPhone(deps, businessId, { phone: q.phone, numberId })
  }
  if (window.open) return { window, templateRequired: false }
  const existing = await utilityTemplateWithBody(deps, businessId, numberId, message)
  if (existing) return { window, templateRequired: true, template: existing }
  const vars = parseVariables(message)
  const template = await createTemplate(deps, businessId, {
    numberId,
    name: templateNameFor(message),
    language: AUTO_LANGUAGE,
    category: 'UTILITY',
    body: message,
    examples: Object.fromEntries(vars.map((v) => [v, 'example'])),
  })
  return { window, templateRequired: true, template }
}

/** Sends a template by id; a template not approved yet is refused saying what to do about its status. */
export async function sendTemplateById(
  deps: Deps,
  businessId: string,
  cmd: { templateId: string; phone: string; variables: Record<string, unknown>; originalMessage?: string; author: Author },
): Promise<MessageRow> {
  const t = await getTemplate(deps, businessId, cmd.templateId)
  if (t.status !== 'APPROVED') {
    throw new RuleRefusedError(
      'template_not_approved',
      t.status === 'PENDING'
        ? `The template ${t.name} is still PENDING review by WhatsApp; try send_template again in a little while.`
        : `The template ${t.name} is ${t.status}${t.statusReason ? ` (${t.statusReason})` : ''} and cannot be sent; create another with different wording.`,
      { template_id: t.id, status: t.status },
    )
  }
  return sendTemplate(deps, {
    businessId,
    numberId: t.numberId,
    phone: cmd.phone,
    templateKey: t.name,
    language: t.language,
    variables: cmd.variables,
    originalMessage: cmd.originalMessage,
    author: cmd.author,
  })
}
