import { sql } from 'drizzle-orm'
import { index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { at, id } from './columns.js'
import { businesses, numbers } from './core.js'
import { contacts } from './contacts.js'
import { messages, templates } from './messaging.js'

export const broadcasts = pgTable(
  'broadcasts',
  {
    id: id().primaryKey(),
    businessId: id('business_id').notNull().references(() => businesses.id, { onDelete: 'cascade' }),
    numberId: id('number_id').notNull().references(() => numbers.id, { onDelete: 'cascade' }),
    templateId: id('template_id').notNull().references(() => templates.id),
    name: text('name').notNull(),
    audience: jsonb('audience').$type<Record<string, unknown>>().notNull(),
    variables: jsonb('variables').$type<Record<string, unknown>>().notNull().default({}),
    /** 'draft' | 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled' */
    status: text('status').notNull(),
    pauseReason: text('pause_reason'),
    scheduledAt: at('scheduled_at'),
    startedAt: at('started_at'),
    completedAt: at('completed_at'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [index('broadcasts_business_idx').on(t.businessId, t.createdAt)],
)

/** One row per recipient, fixed when the broadcast starts; the fan-out job claims pending rows. */
export const broadcastRecipients = pgTable(
  'broadcast_recipients',
  {
    id: id().primaryKey(),
    broadcastId: id('broadcast_id').notNull().references(() => broadcasts.id, { onDelete: 'cascade' }),
    contactId: id('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    phone: text('phone').notNull(),
    /** 'pending' | 'queued' | 'sent' | 'delivered' | 'read' | 'failed' | 'skipped' */
    status: text('status').notNull(),
    skipReason: text('skip_reason'),
    messageId: id('message_id').references(() => messages.id, { onDelete: 'set null' }),
    error: jsonb('error'),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('broadcast_recipients_phone_uq').on(t.broadcastId, t.phone),
    index('broadcast_recipients_status_idx').on(t.broadcastId, t.status, t.id),
    index('broadcast_recipients_message_idx').on(t.messageId),
  ],
)

export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: id().primaryKey(),
    businessId: id('business_id').notNull().references(() => businesses.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    events: text('events').array().notNull(),
    description: text('description'),
    secretEnc: text('secret_enc').notNull(),
    previousSecretEnc: text('previous_secret_enc'),
    previousSecretExpiresAt: at('previous_secret_expires_at'),
    /** 'enabled' | 'disabled' */
    status: text('status').notNull(),
    disabledReason: text('disabled_reason'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [index('webhook_endpoints_business_idx').on(t.businessId)],
)

/** Events, written in the same transaction as the change that caused them. */
export const events = pgTable(
  'events',
  {
    id: id().primaryKey(),
    businessId: id('business_id').notNull().references(() => businesses.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    createdAt: at('created_at').notNull(),
    /** Null until fanned out into webhook_deliveries. */
    dispatchedAt: at('dispatched_at'),
  },
  (t) => [index('events_undispatched_idx').on(t.createdAt).where(sql`${t.dispatchedAt} IS NULL`)],
)

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: id().primaryKey(),
    endpointId: id('endpoint_id').notNull().references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventId: id('event_id').notNull().references(() => events.id, { onDelete: 'cascade' }),
    /** 'pending' | 'succeeded' | 'failed' (gave up) */
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: at('next_attempt_at'),
    lockedUntil: at('locked_until'),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    lastLatencyMs: integer('last_latency_ms'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_uq').on(t.endpointId, t.eventId),
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.createdAt),
  ],
)

export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: id().primaryKey(),
    deliveryId: id('delivery_id').notNull().references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    attemptedAt: at('attempted_at').notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    latencyMs: integer('latency_ms').notNull(),
  },
  (t) => [index('webhook_attempts_delivery_idx').on(t.deliveryId, t.attemptedAt)],
)

export const senders = pgTable(
  'senders',
  {
    id: id().primaryKey(),
    businessId: id('business_id').notNull().references(() => businesses.id, { onDelete: 'cascade' }),
    displayName: text('display_name').notNull(),
    phone: text('phone').notNull(),
    region: text('region'),
    billingCategory: text('billing_category').notNull(),
    useCase: text('use_case'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    /** 'DRAFT' | 'IN_REVIEW' | 'IN_TEST' | 'LAUNCHING' | 'LAUNCHED' | 'REJECTED' | 'FAILED' */
    state: text('state').notNull(),
    stateReasons: jsonb('state_reasons').$type<Array<Record<string, unknown>> | null>(),
    testNumberStates: jsonb('test_number_states').$type<Record<string, string>>().notNull().default({}),
    countryStatus: jsonb('country_status').$type<Record<string, string>>().notNull().default({}),
    numberId: id('number_id').references(() => numbers.id, { onDelete: 'set null' }),
    /** When the emulator's review or launch completes; a job moves the state then. */
    dueAt: at('due_at'),
    /** Tries of the pending step that failed in a retryable way (provider unreachable); reset on each transition. */
    attempts: integer('attempts').notNull().default(0),
    /** 'emulator' | 'cloud': how review and launch are carried out, fixed at submit. */
    provisioner: text('provisioner'),
    /** Sealed JSON (src/domain/secrets.ts) of what provisioning needs later: Cloud credentials, the PIN. Cleared once used. */
    secretsEnc: text('secrets_enc'),
    createdAt: at('created_at').notNull(),
    modifiedAt: at('modified_at').notNull(),
    launchedAt: at('launched_at'),
    /** Soft delete: a deleted sender that already had a number keeps refusing that number's sends. */
    deletedAt: at('deleted_at'),
  },
  (t) => [
    index('senders_business_idx').on(t.businessId, t.createdAt),
    index('senders_business_modified_idx').on(t.businessId, t.modifiedAt),
    index('senders_due_idx').on(t.dueAt),
    index('senders_number_idx').on(t.numberId),
  ],
)

export const senderEvents = pgTable(
  'sender_events',
  {
    id: id().primaryKey(),
    senderId: id('sender_id').notNull().references(() => senders.id, { onDelete: 'cascade' }),
    fromState: text('from_state'),
    toState: text('to_state').notNull(),
    reason: jsonb('reason'),
    createdAt: at('created_at').notNull(),
  },
  (t) => [index('sender_events_sender_idx').on(t.senderId, t.createdAt)],
)
