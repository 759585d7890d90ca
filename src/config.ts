import { resolve } from 'node:path'

// Every environment variable Switchboard reads, parsed once. A bad value is one clear line naming the
// variable (the CLI prints it and exits 1). The README's configuration table mirrors this file.

export interface Config {
  port: number
  host: string
  databaseUrl: string | null
  databasePoolSize: number
  dataDir: string
  /** 32-byte key for AES-256-GCM secrets at rest; null means "use or create <dataDir>/secret.key". */
  secretKey: string | null
  production: boolean
  logLevel: string
  rateLimitPerSecond: number
  /** Public base URL of this server, used in the webhook URL it tells Meta about. */
  publicUrl: string
  /** 'auto' starts the emulator in-process when no real number is configured; 'on' always; 'off' never. */
  emulator: 'auto' | 'on' | 'off'
  emulatorPort: number
  allowPrivateWebhooks: boolean
  /** Inbound "STOP" words that opt a contact out; a business can override them. */
  optOutKeywords: string[]
  /**
   * An emulator that is not the built-in one, for sender provisioning (SWITCHBOARD_EMULATOR_URL): one run
   * with `switchboard emulator` elsewhere, or a test's. Null by default: senders then use the built-in
   * emulator when the server runs it (deps.emulator), and otherwise need Cloud API credentials at submit.
   */
  emulatorUrl: string | null
  /** How long the emulator's simulated review and launch of a sender take (ms). */
  senderReviewDelayMs: number
  senderLaunchDelayMs: number
  /** How often the senders job looks for reviews and launches that are due (ms). */
  senderPollMs: number
  /** Outbound webhooks: first retry delay (doubling, with jitter), how long to keep trying, per-call timeout. */
  webhookRetryBaseMs: number
  webhookGiveUpMs: number
  webhookTimeoutMs: number
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}").`)
  }
  return n
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false
  throw new ConfigError(`${name} must be 1/true or 0/false (got "${raw}").`)
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')} (got "${raw}").`)
  }
  return raw as T
}

function emulatorUrl(env: Env): string | null {
  const raw = env.SWITCHBOARD_EMULATOR_URL?.trim()
  if (!raw) return null
  if (!/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(raw)) throw new ConfigError(`SWITCHBOARD_EMULATOR_URL must be an http(s) URL (got "${raw}").`)
  return raw.replace(/\/+$/, '')
}

export function loadConfig(env: Env = process.env): Config {
  const port = int(env, 'PORT', 8080, 0, 65535)
  const host = env.HOST?.trim() || '127.0.0.1'
  const databaseUrl = env.DATABASE_URL?.trim() || null
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql:// (got "${databaseUrl.split('@').pop()}").`)
  }
  const production = (env.NODE_ENV ?? '') === 'production'
  const secretKey = env.SWITCHBOARD_SECRET_KEY?.trim() || null
  if (secretKey !== null) {
    const isHex = /^[0-9a-f]{64}$/i.test(secretKey)
    const isB64 = /^[A-Za-z0-9+/]{43}=?$/.test(secretKey) && Buffer.from(secretKey, 'base64').length === 32
    if (!isHex && !isB64) {
      throw new ConfigError(
        'SWITCHBOARD_SECRET_KEY must be 32 random bytes as 64 hex characters or base64 (make one with `openssl rand -hex 32`).',
      )
    }
  } else if (production) {
    throw new ConfigError(
      'SWITCHBOARD_SECRET_KEY is required when NODE_ENV=production: set it to 64 hex characters (`openssl rand -hex 32`) and keep it safe.',
    )
  }
  const logLevel = (env.LOG_LEVEL?.trim() || 'info').toLowerCase()
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${env.LOG_LEVEL}").`)
  }
  const publicUrl = (env.PUBLIC_URL?.trim() || `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/$/, '')
  if (!/^https?:\/\/[^\s]+$/.test(publicUrl)) {
    throw new ConfigError(`PUBLIC_URL must be an http(s) URL (got "${env.PUBLIC_URL}").`)
  }
  const optOutKeywords = (env.SWITCHBOARD_OPT_OUT_KEYWORDS ?? 'STOP,UNSUBSCRIBE,STOPALL,CANCEL,END,QUIT')
    .split(',')
    .map((w) => w.trim().toUpperCase())
    .filter(Boolean)

  return {
    port,
    host,
    databaseUrl,
    databasePoolSize: int(env, 'DATABASE_POOL_SIZE', 16, 1, 500),
    dataDir: resolve(env.SWITCHBOARD_DATA_DIR?.trim() || './data'),
    secretKey,
    production,
    logLevel,
    rateLimitPerSecond: int(env, 'SWITCHBOARD_RATE_LIMIT', 50, 1, 1_000_000),
    publicUrl,
    emulator: oneOf(env, 'SWITCHBOARD_EMULATOR', ['auto', 'on', 'off'] as const, 'auto'),
    emulatorPort: int(env, 'EMULATOR_PORT', 8081, 0, 65535),
    allowPrivateWebhooks: bool(env, 'SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS', false),
    optOutKeywords,
    emulatorUrl: emulatorUrl(env),
    senderReviewDelayMs: int(env, 'SWITCHBOARD_SENDER_REVIEW_DELAY_MS', 5_000, 0, 7 * 24 * 3_600_000),
    senderLaunchDelayMs: int(env, 'SWITCHBOARD_SENDER_LAUNCH_DELAY_MS', 5_000, 0, 7 * 24 * 3_600_000),
    senderPollMs: int(env, 'SWITCHBOARD_SENDER_POLL_MS', 1_000, 5, 3_600_000),
    webhookRetryBaseMs: int(env, 'SWITCHBOARD_WEBHOOK_RETRY_BASE_MS', 10_000, 1, 3_600_000),
    webhookGiveUpMs: int(env, 'SWITCHBOARD_WEBHOOK_GIVE_UP_MS', 24 * 3_600_000, 1_000, 30 * 24 * 3_600_000),
    webhookTimeoutMs: int(env, 'SWITCHBOARD_WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
  }
}
