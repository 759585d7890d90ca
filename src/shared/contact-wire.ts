import type { ContactRow } from '../store/contacts.js'

// A contact as the outside world sees it: the API answers with this shape and the contact.* webhooks
// carry it, so an integration parses one shape wherever the contact comes from.

export function contactWire(c: ContactRow & { tags: string[] }) {
  return {
    id: c.id,
    phone: c.phone,
    name: c.name,
    first_name: c.firstName,
    last_name: c.lastName,
    email: c.email,
    language: c.language,
    fields: c.fields as Record<string, string | number | boolean>,
    tags: c.tags,
    opted_out: c.optedOut,
    opted_out_at: c.optedOutAt ? c.optedOutAt.toISOString() : null,
    opt_source: c.optSource,
    opt_changed_at: c.optChangedAt ? c.optChangedAt.toISOString() : null,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  }
}
