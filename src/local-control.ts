import { randomBytes, timingSafeEqual } from 'node:crypto'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

// While `switchboard start` runs on the embedded database, it holds the data folder's lock, so the
// CLI cannot open it. The server leaves a note (its URL and a one-off token, readable only by this
// user) in the data folder; CLI commands use it to ask the server to run the operation instead.

export interface ServerNote {
  pid: number
  url: string
  token: string
}

const noteFile = (dataDir: string) => join(dataDir, 'server.json')

export function newLocalToken(): string {
  return randomBytes(24).toString('base64url')
}

export function writeServerNote(dataDir: string, url: string, token: string): ServerNote {
  const note: ServerNote = { pid: process.pid, url, token }
  writeFileSync(noteFile(dataDir), JSON.stringify(note), { mode: 0o600 })
  return note
}

export function removeServerNote(dataDir: string, pid = process.pid): void {
  const note = readServerNote(dataDir)
  if (note && note.pid === pid) rmSync(noteFile(dataDir), { force: true })
}

export function readServerNote(dataDir: string): ServerNote | null {
  const file = noteFile(dataDir)
  if (!existsSync(file)) return null
  try {
    const n = JSON.parse(readFileSync(file, 'utf8')) as ServerNote
    return typeof n.url === 'string' && typeof n.token === 'string' ? n : null
  } catch {
    return null
  }
}

export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (!given) return false
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}
