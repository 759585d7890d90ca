import { Type } from 'typebox'
import { ValidationError } from '../../domain/errors.js'
import { sendTemplateById, templateForMessage } from '../../services/template-for-message.js'
import { compactMessage } from '../compact.js'
import { defineTool } from '../tool.js'
import { agentAuthor } from './messaging.js'

// whatsapp_templates: the tool face of services/template-for-message.ts.

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
      const d = await templateForMessage(deps, businessId, {
        phone: input.phone_number as string,
        message: input.message as string,
        conversationId: input.conversation_id,
        from: input.from,
      })
      const window = { open: d.window.open, expires_at: d.window.expiresAt?.toISOString() ?? null }
      if (!d.templateRequired) return { success: true, template_required: false, window }
      return { success: true, template_required: true, template_id: d.template.id, name: d.template.name, status: d.template.status, window }
    }
    requireFields('send_template', input, ['template_id', 'phone_number'])
    const m = await sendTemplateById(deps, businessId, {
      templateId: input.template_id as string,
      phone: input.phone_number as string,
      variables: input.variables ?? {},
      originalMessage: input.original_message,
      author: agentAuthor(ctx),
    })
    return { success: true, message: compactMessage(m), conversation_id: m.conversationId }
  },
})
