import { sql } from 'drizzle-orm'
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { at, id } from './columns.js'

export const businesses = pgTable('businesses', {
  id: id().primaryKey(),
  name: text('name').notNull(),
  /** Business-level settings: opt-out keywords, defaults. Shape owned by services. */
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
  createdAt: at('created_at').notNull(),
})

export const apiKeys = pgTable(
  'api_keys',
  {
    id: id().primaryKey(),
    businessId: id('business_id').notNull().references(() => businesses.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** First characters of the key, shown in lists so a person can tell keys apart. */
    prefix: text('prefix').notNull(),
    /** SHA-256 of the whole key: keys are random and long, so a slow hash buys nothing here. */
    keyHash: text('key_hash').notNull(),
    scopes: text('scopes').array().notNull(),
    createdAt: at('created_at').notNull(),
    lastUsedAt: at('last_used_at'),
    revokedAt: at('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_hash_uq').on(t.keyHash), index('api_keys_business_idx').on(t.businessId, t.createdAt)],
)

/** Stored first responses for POSTs that carry an Idempotency-Key. Rows expire after 24 hours. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    businessId: id('business_id').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    /** 'in_progress' until the first request finishes, then 'done'. */
    state: text('state').notNull(),
    responseStatus: integer('response_status'),
    responseBody: jsonb('response_body'),
    lockedUntil: at('locked_until').notNull(),
    createdAt: at('created_at').notNull(),
    expiresAt: at('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.businessId, t.key] }), index('idempotency_keys_expires_idx').on(t.expiresAt)],
)

/** Counters for the per-key rate limit, shared by every process on one database. */
export const rateLimitBuckets = pgTable(
  'rate_limit_buckets',
  {
    key: text('key').notNull(),
    windowStart: at('window_start').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] })],
)

export const members = pgTable(
  'members',
  {
    id: id().primaryKey(),
    businessId: id('business_id').notNull().references(() => businesses.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    email: text('email').notNull(),
    role: text('role').notNull(),
    passwordHash: text('password_hash'),
    inviteTokenHash: text('invite_token_hash'),
    inviteExpiresAt: at('invite_expires_at'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('members_email_uq').on(sql`lower(${t.email})`),
    index('members_business_idx').on(t.businessId),
  ],
)

export const teams = pgTable(
  'teams',
  {
    id: id().primaryKey(),
    businessId: id('business_id').notNull().references(() => businesses.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [uniqueIndex('teams_name_uq').on(t.businessId, sql`lower(${t.name})`)],
)

export const teamMembers = pgTable(
  'team_members',
  {
    teamId: id('team_id').notNull().references(() => teams.id, { onDelete: 'cascade' }),
    memberId: id('member_id').notNull().references(() => members.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.memberId] }), index('team_members_member_idx').on(t.memberId)],
)

export const sessions = pgTable(
  'sessions',
  {
    id: id().primaryKey(),
    memberId: id('member_id').notNull().references(() => members.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    createdAt: at('created_at').notNull(),
    expiresAt: at('expires_at').notNull(),
    lastSeenAt: at('last_seen_at').notNull(),
  },
  (t) => [uniqueIndex('sessions_token_uq').on(t.tokenHash), index('sessions_member_idx').on(t.memberId)],
)

/** Failed logins per email and per IP, so brute force is slowed down across processes. */
export const loginFailures = pgTable('login_failures', {
  key: text('key').primaryKey(),
  count: integer('count').notNull(),
  firstAt: at('first_at').notNull(),
  lastAt: at('last_at').notNull(),
})

export const numbers = pgTable(
  'numbers',
  {
    id: id().primaryKey(),
    businessId: id('business_id').notNull().references(() => businesses.id, { onDelete: 'cascade' }),
    provider: text('provider').notNull().default('cloud'),
    name: text('name').notNull(),
    displayPhoneNumber: text('display_phone_number').notNull(),
    phoneNumberId: text('phone_number_id').notNull(),
    wabaId: text('waba_id').notNull(),
    /** AES-256-GCM ciphertexts (src/domain/secrets.ts); never returned by the API. */
    accessTokenEnc: text('access_token_enc').notNull(),
    appSecretEnc: text('app_secret_enc').notNull(),
    verifyTokenEnc: text('verify_token_enc'),
    graphBaseUrl: text('graph_base_url').notNull(),
    graphVersion: text('graph_version').notNull(),
    throughputMps: integer('throughput_mps').notNull(),
    isDefault: boolean('is_default').notNull().default(false),
    /** 'connected' | 'disconnected' (Meta said the token is invalid: code 190). */
    status: text('status').notNull().default('connected'),
    statusReason: text('status_reason'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('numbers_phone_number_id_uq').on(t.phoneNumberId),
    uniqueIndex('numbers_default_uq').on(t.businessId).where(sql`${t.isDefault}`),
    index('numbers_business_idx').on(t.businessId),
    index('numbers_waba_idx').on(t.wabaId),
  ],
)
