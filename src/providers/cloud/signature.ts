// X-Hub-Signature-256: HMAC-SHA256 of the exact bytes Meta sent, keyed with the app secret. Checked
// before anything is parsed or stored, over the raw body (re-serialised JSON would not match).
import { createHmac, timingSafeEqual } from 'node:crypto'

const PREFIX = 'sha256='

export function verifySignature(rawBody: Buffer, header: string | undefined, appSecret: string): boolean {
  if (!header || !appSecret) return false
  const value = header.trim()
  if (!value.startsWith(PREFIX)) return false
  const hex = value.slice(PREFIX.length)
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return false
  const expected = createHmac('sha256', appSecret).update(rawBody).digest()
  return timingSafeEqual(expected, Buffer.from(hex, 'hex'))
}

/** The header Meta would send for this body: for tests and tools that sign like Meta. */
export function signBody(rawBody: Buffer | string, appSecret: string): string {
  return PREFIX + createHmac('sha256', appSecret).update(rawBody).digest('hex')
}
