import { Type } from 'typebox'
import { RuleRefusedError } from '../../domain/errors.js'
import { getConversation } from '../../services/conversations.js'
import { sendTemplate, sendToConversation, type Author } from '../../services/sends.js'
import { listTemplates } from '../../services/templates.js'
import { windowForPhone } from '../../services/window.js'
import { compactMessage, compactTemplate } from '../compact.js'
import { defineTool, type ToolContext } from '../tool.js'

export const agentAuthor = (ctx: ToolContext): Author => ({ type: 'agent', id: ctx.principal.id })

const Variables = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), {
  description: 'Template variables by name, e.g. {"first_name": "Ana"}.',
})

export const messagingTools = [
  defineTool({
    name: 'send_message',
    title: 'Reply with a free-form message',
    description:
      'Sends a free-form text reply into a conversation (1–4096 characters). Only allowed inside the 24-hour customer service window ' +
      '(window.open in get_conversation). Outside it this fails with window_closed: then use whatsapp_templates (action create_template, ' +
      'then send_template) instead. Returns {message: {id, status: "queued"}}; delivery statuses follow (sent, delivered, read, or failed with a reason).',
    scope: 'messaging:messages:send',
    input: Type.Object(
      {
        conversation_id: Type.String({ format: 'uuid' }),
        text: Type.String({ minLength: 1, maxLength: 4096 }),
        reply_to: Type.Optional(Type.String({ description: 'A message id to quote.' })),
      },
      { additionalProperties: false },
    ),
    async run(ctx, input) {
      try {
        const m = await sendToConversation(ctx.deps, {
          businessId: ctx.principal.businessId,
          conversationId: input.conversation_id,
          content: { kind: 'text', text: input.text },
          replyTo: input.reply_to,
          author: agentAuthor(ctx),
        })
        return { message: compactMessage(m) }
      } catch (err) {
        if (err instanceof RuleRefusedError && err.code === 'window_closed') {
          throw new RuleRefusedError(
            'window_closed',
            `${err.message.split(';')[0]}; a template is required. Call whatsapp_templates with action "create_template" (phone_number and your message) to get an approved template, then action "send_template".`,
            { ...err.details, use_tool: 'whatsapp_templates' },
          )
        }
        throw err
      }
    },
  }),

  defineTool({
    name: 'send_template',
    title: 'Send an approved template',
    description:
      'Sends an APPROVED WhatsApp template to a phone number (E.164 such as +14155550123), inside or outside the 24-hour window; ' +
      'creates the contact and conversation when new. Give every template variable by name. Errors: template_not_found, ' +
      'template_not_approved (with its status), invalid_template_variables (listing missing/unknown ones), contact_opted_out for MARKETING. ' +
      'Returns {message: {id, status, text (the rendered template)}}.',
    scope: 'messaging:messages:send',
    input: Type.Object(
      {
        phone_number: Type.String({ description: 'Customer phone, E.164.' }),
        template: Type.String({ description: 'Template name (key), e.g. appointment_reminder.' }),
        language: Type.Optional(Type.String({ description: 'e.g. en_US; needed when the template has several languages.' })),
        variables: Type.Optional(Variables),
        number_id: Type.Optional(Type.String({ format: 'uuid', description: 'Send from this number; the default number otherwise.' })),
        customer_name: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
    async run(ctx, input) {
      const m = await sendTemplate(ctx.deps, {
        businessId: ctx.principal.businessId,
        numberId: input.number_id,
        phone: input.phone_number,
        templateKey: input.template,
        language: input.language,
        customerName: input.customer_name,
        variables: input.variables ?? {},
        author: agentAuthor(ctx),
      })
      return { message: compactMessage(m), conversation_id: m.conversationId }
    },
  }),

  defineTool({
    name: 'check_window',
    title: 'Is free-form messaging allowed?',
    description:
      'Answers whether a free-form message may be sent to a customer now (the 24-hour customer service window), for a conversation or a phone number. ' +
      'Returns {open, expires_at, allowed: "free_form" | "template"}. When allowed is "template", use whatsapp_templates or send_template.',
    scope: 'messaging:conversations:read',
    annotations: { readOnlyHint: true },
    input: Type.Object(
      {
        conversation_id: Type.Optional(Type.String({ format: 'uuid' })),
        phone_number: Type.Optional(Type.String()),
        number_id: Type.Optional(Type.String({ format: 'uuid' })),
      },
      { additionalProperties: false },
    ),
    async run({ deps, principal }, input) {
      const w = input.conversation_id
        ? (await getConversation(deps, principal.businessId, input.conversation_id)).window
        : await windowForPhone(deps, principal.businessId, { phone: input.phone_number ?? '', numberId: input.number_id })
      return { open: w.open, expires_at: w.expiresAt?.toISOString() ?? null, allowed: w.allowed }
    },
  }),

  defineTool({
    name: 'list_templates',
    title: 'List message templates',
    description:
      'Lists WhatsApp message templates with their status (APPROVED ones can be sent), category, body and variables. ' +
      'Filter by status, name, category, language. Returns {templates: [{id, name, language, category, status, body, variables}]}.',
    scope: 'templates:read',
    annotations: { readOnlyHint: true },
    input: Type.Object(
      {
        status: Type.Optional(Type.Union(['PENDING', 'APPROVED', 'REJECTED', 'PAUSED', 'DISABLED'].map((s) => Type.Literal(s)))),
        name: Type.Optional(Type.String()),
        category: Type.Optional(Type.Union(['MARKETING', 'UTILITY', 'AUTHENTICATION'].map((s) => Type.Literal(s)))),
        language: Type.Optional(Type.String()),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
      },
      { additionalProperties: false },
    ),
    async run({ deps, principal }, input) {
      const page = await listTemplates(
        deps,
        { businessId: principal.businessId, status: input.status, name: input.name, category: input.category, language: input.language },
        { pageSize: input.limit ?? 50 },
      )
      return { templates: page.items.map(compactTemplate) }
    },
  }),
]
