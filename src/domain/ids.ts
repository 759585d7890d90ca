import { randomBytes } from 'node:crypto'

// UUIDv7 (RFC 9562): 48-bit unix milliseconds, then random bits. Time-ordered ids keep b-tree inserts
// at the right edge of the index and make `ORDER BY id` follow creation order within a millisecond's noise.
let lastMs = 0
let seq = 0

// Random bytes drawn a few kilobytes at a time: one call into the CSPRNG per id cost more than the rest
// of making it (crypto.randomUUID keeps a similar cache).
const POOL_BYTES = 4096
let pool = Buffer.alloc(0)
let poolAt = POOL_BYTES
function random(n: number): Buffer {
  if (poolAt + n > pool.length) {
    pool = randomBytes(POOL_BYTES)
    poolAt = 0
  }
  const out = pool.subarray(poolAt, poolAt + n)
  poolAt += n
  return out
}

export function newId(now: number = Date.now()): string {
  // A counter in the rand_a bits keeps ids made in the same millisecond increasing (method 1 of the RFC).
  if (now <= lastMs) {
    seq = (seq + 1) & 0xfff
    if (seq === 0) lastMs += 1
    now = lastMs
  } else {
    lastMs = now
    seq = random(2).readUInt16BE(0) & 0x7ff
  }
  // Written over in place: the pool never hands the same bytes out twice.
  const b = random(16)
  b.writeUIntBE(now, 0, 6)
  b[6] = 0x70 | (seq >> 8)
  b[7] = seq & 0xff
  b[8] = (b[8] & 0x3f) | 0x80
  const h = b.toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
export function isUuid(value: string): boolean {
  return UUID.test(value)
}
