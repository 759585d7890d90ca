import type { Database, Db } from './db.js'
import { handleFor, type Handle } from './handle.js'
import { businessesRepo } from './businesses.js'
import { apiKeysRepo } from './api-keys.js'
import { idempotencyRepo } from './idempotency.js'
import { numbersRepo } from './numbers.js'
import { inboundRepo } from './inbound.js'
import { statusesRepo } from './statuses.js'
import { mediaRepo } from './media.js'
import { contactsRepo } from './contacts.js'
import { tagsRepo } from './tags.js'
import { contactFieldsRepo } from './contact-fields.js'
import { contactImportsRepo } from './contact-imports.js'
import { membersRepo } from './members.js'
import { teamsRepo } from './teams.js'
import { sessionsRepo } from './sessions.js'
import { conversationsRepo } from './conversations.js'
import { messagesRepo } from './messages.js'
import { outboxRepo } from './outbox.js'
import { templatesRepo } from './templates.js'
import { sendersRepo } from './senders.js'
import { webhooksRepo } from './webhooks.js'
import { broadcastsRepo } from './broadcasts.js'

// The store: one repository per area, all over the same handle. `tx` gives the same repositories over
// one transaction, so a service can write a message and its outbox row atomically.
// Add a repository here with one line when an area needs one.
function repositories(h: Handle) {
  return {
    businesses: businessesRepo(h),
    apiKeys: apiKeysRepo(h),
    idempotency: idempotencyRepo(h),
    numbers: numbersRepo(h),
    inbound: inboundRepo(h),
    statuses: statusesRepo(h),
    media: mediaRepo(h),
    contacts: contactsRepo(h),
    tags: tagsRepo(h),
    contactFields: contactFieldsRepo(h),
    contactImports: contactImportsRepo(h),
    members: membersRepo(h),
    teams: teamsRepo(h),
    sessions: sessionsRepo(h),
    conversations: conversationsRepo(h),
    messages: messagesRepo(h),
    outbox: outboxRepo(h),
    templates: templatesRepo(h),
    senders: sendersRepo(h),
    webhooks: webhooksRepo(h),
    broadcasts: broadcastsRepo(h),
  }
}

export type Repositories = ReturnType<typeof repositories>

export interface Store extends Repositories {
  database: Database
  tx<T>(fn: (store: Repositories) => Promise<T>): Promise<T>
}

export function createStore(database: Database): Store {
  return {
    ...repositories(handleFor(database, database.db)),
    database,
    tx: (fn) => database.db.transaction((tx) => fn(repositories(handleFor(database, tx as unknown as Db)))),
  }
}

export { openDatabase, type Database } from './db.js'
export { migrate, migrationsApplied } from './migrate.js'
