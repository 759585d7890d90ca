import type { Conversation } from '../services/conversations.js'
import type { Contact } from '../services/contacts.js'
import type { MessageRow } from '../store/messages.js'
import type { TemplateRow } from '../store/templates.js'
import { contactWire } from '../shared/contact-wire.js'

// Compact shapes for agents: ids, statuses and the window, without the API envelope or noise.

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null)

export function compactConversation(c: Conversation) {
  return {
    id: c.id,
    customer_phone: c.customerPhone,
    customer_name: c.customerName,
    number_id: c.numberId,
    status: c.status,
    mode: c.mode,
    assignee_id: c.assigneeId,
    unread_count: c.unreadCount,
    last_message_at: iso(c.lastMessageAt),
    last_inbound_at: iso(c.lastInboundAt),
    window: { open: c.window.open, expires_at: iso(c.window.expiresAt), allowed: c.window.allowed },
  }
}

export function compactMessage(m: MessageRow) {
  return {
    id: m.id,
    direction: m.direction,
    type: m.messageType,
    text: m.text,
    status: m.deliveryStatus,
    ...(m.error ? { error: m.error } : {}),
    ...(m.template ? { template: (m.template as { key?: unknown }).key ?? null } : {}),
    created_at: iso(m.createdAt),
  }
}

/** The contact wire shape without timestamps and opt-out history: what an agent needs to act. */
export function compactContact(c: Contact) {
  const { id, phone, name, first_name, last_name, email, tags, fields, opted_out } = contactWire(c)
  return { id, phone, name, first_name, last_name, email, tags, fields, opted_out }
}

export function compactTemplate(t: TemplateRow) {
  return {
    id: t.id,
    name: t.name,
    language: t.language,
    category: t.category,
    status: t.status,
    ...(t.statusReason ? { reason: t.statusReason } : {}),
    body: t.body,
    variables: t.variables,
    number_id: t.numberId,
  }
}
