import { timestamp, uuid } from 'drizzle-orm/pg-core'

// Shared column shapes: every id is a UUIDv7 made by the application (src/domain/ids.ts), every
// time is timestamptz with milliseconds, read back as a Date on both PGlite and pg.
export const id = (name = 'id') => uuid(name)
export const at = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'date' })
