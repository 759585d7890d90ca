import { randomBytes, randomInt } from 'node:crypto'

let counter = 0

/**
 * Meta's wamids are base64 of a small binary record: a header, the recipient's wa_id, and a hex id.
 * Building ours the same way gives the same alphabet and length (including '=' padding), so the
 * adapter meets realistic ids rather than tidy ones.
 */
export function newWamid(waId: string): string {
  counter = (counter + 1) % 0xffffff
  const hex = (randomBytes(6).toString('hex') + counter.toString(16).padStart(6, '0')).toUpperCase()
  const wa = Buffer.from(waId, 'ascii')
  const id = Buffer.from(hex, 'ascii')
  const bytes = Buffer.concat([
    Buffer.from([0x1c, 0x18, wa.length]), wa,
    Buffer.from([0x15, 0x02, 0x00, 0x11, 0x18, id.length]), id, Buffer.from([0x00]),
  ])
  return `wamid.${bytes.toString('base64')}`
}

/** Graph object ids (media, templates, conversations) are long decimal strings. */
export function newNumericId(): string {
  return String(randomInt(1, 9)) + Array.from({ length: 15 }, () => randomInt(0, 10)).join('')
}

export function newTraceId(): string {
  return randomBytes(17).toString('base64url').slice(0, 23)
}

export function newHexId(): string {
  return randomBytes(16).toString('hex')
}
