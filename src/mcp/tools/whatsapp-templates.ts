import { createHash } from 'node:crypto'
import { Type } from 'typebox'
import { RuleRefusedError, ValidationError } from '../../domain/errors.js'
import { isUuid } from '../../domain/ids.js'
import { parseVariables } from '../../domain/templates.js'
import { getConversation } from '../../services/conversations.js'
import type { Deps } from '../../services/deps.js'
import { listNumbers, resolveSendingNumber } from '../../services/numbers.js'
import { sendTemplate } from '../../services/sends.js'
import { createTemplate, getTemplate, listTemplates, type TemplateRow } from '../../services/templates.js'
import { windowForPhone } from '../../services/window.js'
import { compactMessage } from '../compact.js'
import { defineTool } from '../tool.js'
import { agentAuthor } from './messaging.js'

// The template-or-free-form decision made for an agent: inside the window it says "just send";
// outside it finds (or creates) a UTILITY template whose body is the agent's message.

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

async function findUtilityTemplate(deps: Deps, businessId: string, numberId: string, body: string): Promise<TemplateRow | null> {
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

const requireFields = (action: string, input: Record<string, unknown>, names: string[]) => {
  const missing = names.filter((n) => input[n] === undefined || input[n] === '')
  if (missing.length) {
    throw ValidationError.fields(
      `action "${action}" needs ${missing.join(' and ')}.`,
      missing.map((field) => ({ field, problem: `is required for action ${action}` })),
    )
  }
}

export const whatsappTemplatesTool = defineTool({
  name: 'whatsapp_templates',
  title: 'Decide template or free-form, and send templates',
  description:
    'Use before messaging a customer who may be outside the 24-hour window.\n' +
    '- action "create_template" (phone_number, message; optional conversation_id, from = number id or display phone): checks the window. ' +
    'Inside it returns {success: true, template_required: false} — send your message with send_message. Outside it finds an APPROVED (or pending) ' +
    'UTILITY template whose body is exactly your message, or submits one for review, and returns {success: true, template_required: true, template_id, status: "APPROVED"|"PENDING"}.\n' +
    '- action "send_template" (template_id, phone_number; optional variables, original_message): sends that template. If it is not approved yet ' +
    'the error says its status (PENDING: try again later; REJECTED: write the message differently).',
  scope: 'messaging:messages:send',
  input: Type.Object(
    {
      action: Type.Union([Type.Literal('create_template'), Type.Literal('send_template')]),
      phone_number: Type.Optional(Type.String({ description: 'Customer phone, E.164.' })),
      message: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'create_template: the text you want to send.' })),
      conversation_id: Type.Optional(Type.String({ format: 'uuid' })),
      from: Type.Optional(Type.String({ description: 'The business number to send from (id or display phone).' })),
      template_id: Type.Optional(Type.String({ format: 'uuid', description: 'send_template: from create_template.' })),
      variables: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
      original_message: Type.Optional(Type.String({ maxLength: 4096, description: 'Kept on the sent message for the record.' })),
    },
    { additionalProperties: false },
  ),
  async run(ctx, input) {
    const { deps, principal } = ctx
    const businessId = principal.businessId
    if (input.action === 'create_template') {
      requireFields('create_template', input, ['phone_number', 'message'])
      const message = (input.message as string).trim()
      let numberId: string
      let window
      if (input.conversation_id) {
        const conv = await getConversation(deps, businessId, input.conversation_id)
        numberId = conv.numberId
        window = conv.window
      } else {
        numberId = await numberIdFor(deps, businessId, input.from)
        window = await windowForPhone(deps, businessId, { phone: input.phone_number as string, numberId })
      }
      const w = { open: window.open, expires_at: window.expiresAt?.toISOString() ?? null }
      if (window.open) return { success: true, template_required: false, window: w }
      const existing = await findUtilityTemplate(deps, businessId, numberId, message)
      if (existing) {
        return { success: true, template_required: true, template_id: existing.id, name: existing.name, status: existing.status, window: w }
      }
      const vars = parseVariables(message)
      const created = await createTemplate(deps, businessId, {
        numberId,
        name: templateNameFor(message),
        language: AUTO_LANGUAGE,
        category: 'UTILITY',
        body: message,
        examples: Object.fromEntries(vars.map((v) => [v, 'example'])),
      })
      return { success: true, template_required: true, template_id: created.id, name: created.name, status: created.status, window: w }
    }
    requireFields('send_template', input, ['template_id', 'phone_number'])
    const t = await getTemplate(deps, businessId, input.template_id as string)
    if (t.status !== 'APPROVED') {
      throw new RuleRefusedError(
        'template_not_approved',
        t.status === 'PENDING'
          ? `The template ${t.name} is still PENDING review by WhatsApp; try send_template again in a little while.`
          : `The template ${t.name} is ${t.status}${t.statusReason ? ` (${t.statusReason})` : ''} and cannot be sent; create another with different wording.`,
        { template_id: t.id, status: t.status },
      )
    }
    const m = await sendTemplate(deps, {
      businessId,
      numberId: t.numberId,
      phone: input.phone_number as string,
      templateKey: t.name,
      language: t.language,
      variables: input.variables ?? {},
      originalMessage: input.original_message,
      author: agentAuthor(ctx),
    })
    return { success: true, message: compactMessage(m), conversation_id: m.conversationId }
  },
})
