import { sql } from 'drizzle-orm'
import { bigserial, index, integer, jsonb, pgTable, text, uniqueIndex, bigint } from 'drizzle-orm/pg-core'
import { at, id } from './columns.js'
import { businesses, members, numbers, teams } from './core.js'
import { contacts } from './contacts.js'

export const conversations = pgTable(
  'conversations',
  {
    id: id().primaryKey(),
    businessId: id('business_id').notNull().references(() => businesses.id, { onDelete: 'cascade' }),
    numberId: id('number_id').notNull().references(() => numbers.id, { onDelete: 'cascade' }),
    contactId: id('contact_id').notNull().references(() => contacts.id, { onDelete: 'cascade' }),
    /** 'open' | 'pending_customer' | 'pending' | 'resolved' */
    status: text('status').notNull().default('open'),
    /** 'ai' | 'human' */
    mode: text('mode').notNull().default('human'),
    assigneeId: id('assignee_id').references(() => members.id, { onDelete: 'set null' }),
    teamId: id('team_id').references(() => teams.id, { onDelete: 'set null' }),
    folder: text('folder'),
    unreadCount: integer('unread_count').notNull().default(0),
    lastMessageAt: at('last_message_at'),
    lastMessagePreview: text('last_message_preview'),
    lastMessageDirection: text('last_message_direction'),
    /** The customer's last message time as WhatsApp stamped it: the 24-hour window counts from here. */
    lastInboundAt: at('last_inbound_at'),
    lastOutboundAt: at('last_outbound_at'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('conversations_number_contact_uq').on(t.numberId, t.contactId),
    index('conversations_business_active_idx').on(t.businessId, sql`${t.lastMessageAt} DESC NULLS LAST`, t.id.desc()),
    index('conversations_contact_idx').on(t.contactId),
  ],
)

export const messages = pgTable(
  'messages',
  {
    id: id().primaryKey(),
    businessId: id('business_id').notNull().references(() => businesses.id, { onDelete: 'cascade' }),
    conversationId: id('conversation_id').notNull().references(() => conversations.id, { onDelete: 'cascade' }),
    numberId: id('number_id').notNull().references(() => numbers.id, { onDelete: 'cascade' }),
    /** 'inbound' | 'outbound' */
    direction: text('direction').notNull(),
    messageType: text('message_type').notNull(),
    /** Text as a person reads it; for templates the rendered body. */
    text: text('text'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    template: jsonb('template').$type<Record<string, unknown> | null>(),
    replyToMessageId: id('reply_to_message_id'),
    replyToWamid: text('reply_to_wamid'),
    reactions: jsonb('reactions').$type<Array<Record<string, unknown>>>().notNull().default([]),
    /** 'queued' | 'sent' | 'delivered' | 'read' | 'failed' (inbound messages: 'received') */
    deliveryStatus: text('delivery_status').notNull(),
    error: jsonb('error').$type<Record<string, unknown> | null>(),
    providerMessageId: text('provider_message_id'),
    /** 'customer' | 'member' | 'api_key' | 'agent' | 'broadcast' */
    authorType: text('author_type').notNull(),
    authorId: text('author_id'),
    idempotencyKey: text('idempotency_key'),
    /** WhatsApp's own timestamp for inbound messages. */
    providerTimestamp: at('provider_timestamp'),
    createdAt: at('created_at').notNull(),
    sentAt: at('sent_at'),
    deliveredAt: at('delivered_at'),
    readAt: at('read_at'),
    failedAt: at('failed_at'),
  },
  (t) => [
    uniqueIndex('messages_wamid_uq').on(t.numberId, t.providerMessageId),
    uniqueIndex('messages_idempotency_uq').on(t.businessId, t.idempotencyKey),
    index('messages_conversation_idx').on(t.conversationId, t.createdAt.desc(), t.id.desc()),
  ],
)

/**
 * Every status webhook once (unique per message and status): the audit trail, and the place a status
 * waits when it arrives before its message has a wamid.
 */
export const messageStatuses = pgTable(
  'message_statuses',
  {
    numberId: id('number_id').notNull(),
    providerMessageId: text('provider_message_id').notNull(),
    status: text('status').notNull(),
    occurredAt: at('occurred_at').notNull(),
    errors: jsonb('errors'),
    pricing: jsonb('pricing'),
    applied: integer('applied').notNull().default(0),
    receivedAt: at('received_at').notNull(),
  },
  (t) => [uniqueIndex('message_statuses_uq').on(t.numberId, t.providerMessageId, t.status)],
)

/**
 * The outbound queue: one row per message to hand to the provider, committed with the message.
 * `seq` orders messages to one conversation; the dispatcher claims rows with FOR UPDATE SKIP LOCKED.
 */
export const outbox = pgTable(
  'outbox',
  {
    messageId: id('message_id').primaryKey().references(() => messages.id, { onDelete: 'cascade' }),
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    businessId: id('business_id').notNull(),
    numberId: id('number_id').notNull(),
    conversationId: id('conversation_id').notNull(),
    /** 'interactive' (replies, API sends) goes before 'bulk' (broadcasts). */
    lane: text('lane').notNull().default('interactive'),
    attempts: integer('attempts').notNull().default(0),
    availableAt: at('available_at').notNull(),
    lockedUntil: at('locked_until'),
    lockedBy: text('locked_by'),
    lastError: jsonb('last_error'),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    index('outbox_ready_idx').on(t.availableAt, t.seq),
    index('outbox_conversation_idx').on(t.conversationId, t.seq),
    // The dispatcher's claim walks one number's lane in seq order (interactive first, then bulk).
    index('outbox_claim_idx').on(t.numberId, t.lane, t.seq),
  ],
)

/**
 * Per-number send pacing shared by every dispatcher process (GCRA): `tat` is the time the next send
 * may leave. A claim moves it forward by one interval per message, so processes never exceed the
 * number's throughput together, whatever their count.
 */
export const numberPacing = pgTable('number_pacing', {
  numberId: id('number_id').primaryKey().references(() => numbers.id, { onDelete: 'cascade' }),
  tat: at('tat').notNull(),
})

export const templates = pgTable(
  'templates',
  {
    id: id().primaryKey(),
    businessId: id('business_id').notNull().references(() => businesses.id, { onDelete: 'cascade' }),
    numberId: id('number_id').notNull().references(() => numbers.id, { onDelete: 'cascade' }),
    wabaId: text('waba_id').notNull(),
    name: text('name').notNull(),
    language: text('language').notNull(),
    /** 'MARKETING' | 'UTILITY' | 'AUTHENTICATION' */
    category: text('category').notNull(),
    /** 'PENDING' | 'APPROVED' | 'REJECTED' | 'PAUSED' | 'DISABLED' */
    status: text('status').notNull(),
    statusReason: text('status_reason'),
    body: text('body').notNull(),
    header: jsonb('header').$type<Record<string, unknown> | null>(),
    footer: text('footer'),
    buttons: jsonb('buttons').$type<Array<Record<string, unknown>>>().notNull().default([]),
    examples: jsonb('examples').$type<Record<string, string>>().notNull().default({}),
    variables: text('variables').array().notNull().default(sql`'{}'::text[]`),
    providerTemplateId: text('provider_template_id'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('templates_name_lang_uq').on(t.numberId, t.name, t.language),
    index('templates_business_idx').on(t.businessId, t.createdAt),
    index('templates_provider_idx').on(t.wabaId, t.providerTemplateId),
  ],
)

export const media = pgTable(
  'media',
  {
    id: id().primaryKey(),
    businessId: id('business_id').notNull().references(() => businesses.id, { onDelete: 'cascade' }),
    numberId: id('number_id').notNull().references(() => numbers.id, { onDelete: 'cascade' }),
    /** 'inbound' (received from a customer) | 'upload' (sent by the business) */
    origin: text('origin').notNull(),
    providerMediaId: text('provider_media_id'),
    mimeType: text('mime_type').notNull(),
    sha256: text('sha256'),
    sizeBytes: bigint('size_bytes', { mode: 'number' }),
    filename: text('filename'),
    createdAt: at('created_at').notNull(),
  },
  (t) => [index('media_provider_idx').on(t.numberId, t.providerMediaId)],
)
