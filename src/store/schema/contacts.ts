import { sql } from 'drizzle-orm'
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { at, id } from './columns.js'
import { businesses } from './core.js'

export const contacts = pgTable(
  'contacts',
  {
    id: id().primaryKey(),
    businessId: id('business_id').notNull().references(() => businesses.id, { onDelete: 'cascade' }),
    /** E.164. Null only for customers known by WhatsApp user id alone (2026 `user_id`), or after erasure. */
    phone: text('phone'),
    waUserId: text('wa_user_id'),
    username: text('username'),
    name: text('name'),
    firstName: text('first_name'),
    lastName: text('last_name'),
    email: text('email'),
    language: text('language'),
    /** Custom field values by field key, validated against contact_fields on every write. */
    fields: jsonb('fields').$type<Record<string, unknown>>().notNull().default({}),
    optedOut: boolean('opted_out').notNull().default(false),
    optedOutAt: at('opted_out_at'),
    optSource: text('opt_source'),
    optChangedAt: at('opt_changed_at'),
    /** Set when personal data was erased; the row stays so message history keeps a pseudonymous owner. */
    erasedAt: at('erased_at'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('contacts_phone_uq').on(t.businessId, t.phone),
    uniqueIndex('contacts_wa_user_uq').on(t.businessId, t.waUserId),
    index('contacts_business_created_idx').on(t.businessId, t.createdAt.desc(), t.id.desc()),
    // Partial search on name and phone ("ana", "5550") and equality on custom fields (fields @> {...}).
    index('contacts_name_trgm_idx').using('gin', sql`${t.name} gin_trgm_ops`),
    index('contacts_phone_trgm_idx').using('gin', sql`${t.phone} gin_trgm_ops`),
    index('contacts_fields_gin_idx').using('gin', sql`${t.fields} jsonb_path_ops`),
  ],
)

export const tags = pgTable(
  'tags',
  {
    id: id().primaryKey(),
    businessId: id('business_id').notNull().references(() => businesses.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    color: text('color'),
    createdAt: at('created_at').notNull(),
  },
  (t) => [uniqueIndex('tags_name_uq').on(t.businessId, sql`lower(${t.name})`)],
)

export const contactTags = pgTable(
  'contact_tags',
  {
    contactId: id('contact_id').notNull().references(() => contacts.id, { onDelete: 'cascade' }),
    tagId: id('tag_id').notNull().references(() => tags.id, { onDelete: 'cascade' }),
    createdAt: at('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.contactId, t.tagId] }), index('contact_tags_tag_idx').on(t.tagId, t.contactId)],
)

export const contactFields = pgTable(
  'contact_fields',
  {
    businessId: id('business_id').notNull().references(() => businesses.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    label: text('label').notNull(),
    /** 'string' | 'number' | 'boolean' | 'date' | 'enum' */
    type: text('type').notNull(),
    options: jsonb('options').$type<string[] | null>(),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.businessId, t.key] })],
)

export const contactImports = pgTable(
  'contact_imports',
  {
    id: id().primaryKey(),
    businessId: id('business_id').notNull().references(() => businesses.id, { onDelete: 'cascade' }),
    /** 'running' | 'completed' | 'failed' */
    status: text('status').notNull(),
    rowsTotal: integer('rows_total').notNull().default(0),
    /** Size of the uploaded file and how much of it has been read, for a progress percentage. */
    bytesTotal: bigint('bytes_total', { mode: 'number' }).notNull().default(0),
    bytesDone: bigint('bytes_done', { mode: 'number' }).notNull().default(0),
    created: integer('created').notNull().default(0),
    updated: integer('updated').notNull().default(0),
    invalid: integer('invalid').notNull().default(0),
    /** [{ row, column, problem }], capped so a bad file cannot grow the row without bound. */
    errors: jsonb('errors').$type<Array<{ row: number; column: string; problem: string }>>().notNull().default([]),
    failure: text('failure'),
    createdAt: at('created_at').notNull(),
    finishedAt: at('finished_at'),
    /** Moved on by the process running the import; a running import whose heartbeat stopped was cut off. */
    heartbeatAt: at('heartbeat_at'),
  },
  (t) => [index('contact_imports_business_idx').on(t.businessId, t.createdAt)],
)
