import { Type } from 'typebox'
import type { ContactQuery } from '../services/contacts.js'

// The list and export filters of contacts, as query-string parameters. Field filters are keys shaped
// like `fields[plan_tier]=premium` or `fields[visits][gt]=3`, which the default parser leaves flat.

const FIELD_PARAM = /^fields\[([^\]]+)\](?:\[(gt|lt)\])?$/

export const contactFilterQuery = {
  search: Type.Optional(Type.String({ maxLength: 100, description: 'Part of a name or phone number.' })),
  tag: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 20, description: 'A tag name; repeat for several (see tag_match).' }),
  ),
  tag_match: Type.Optional(
    Type.Union([Type.Literal('all'), Type.Literal('any')], { description: 'With several tags: contacts with all of them, or any (default).' }),
  ),
  opted_out: Type.Optional(Type.Boolean({ description: 'Only opted-out (true) or only subscribed (false) contacts.' })),
}

export const fieldFilterOptions = {
  additionalProperties: false,
  patternProperties: {
    '^fields\\[[^\\]]+\\](\\[(gt|lt)\\])?$': Type.String({
      maxLength: 200,
      description: 'fields[key]=value matches a custom field; fields[key][gt]= and [lt]= compare number and date fields.',
    }),
  },
}

export function contactQueryFrom(query: Record<string, unknown>): ContactQuery {
  const fields: NonNullable<ContactQuery['fields']> = []
  for (const [k, v] of Object.entries(query)) {
    const m = FIELD_PARAM.exec(k)
    if (m && typeof v === 'string') fields.push({ key: m[1], op: (m[2] as 'gt' | 'lt' | undefined) ?? 'eq', value: v })
  }
  return {
    search: typeof query.search === 'string' ? query.search : undefined,
    tags: Array.isArray(query.tag) ? query.tag.map(String) : undefined,
    tagMatch: query.tag_match === 'all' || query.tag_match === 'any' ? query.tag_match : undefined,
    fields,
    optedOut: typeof query.opted_out === 'boolean' ? query.opted_out : undefined,
  }
}
