import type { EmulatorConfig } from './types.js'

export const DEFAULT_CONFIG: EmulatorConfig = {
  status_delays_ms: { sent: 50, delivered: 100, read: 200 },
  auto_read: true,
  template_review_ms: 1000,
  not_on_whatsapp: [],
  default_throughput_mps: 80,
  pair_rate_limit: null,
  webhook_retry_base_ms: 1000,
  webhook_max_attempts: 5,
  webhook_timeout_ms: 5000,
  webhook_batch_ms: 0,
  webhook_batch_max: 100,
  service_window_s: 24 * 60 * 60,
}

export function cloneConfig(c: EmulatorConfig): EmulatorConfig {
  return structuredClone(c)
}

export class ConfigError extends Error {}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function nonNegative(key: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ConfigError(`${key} must be a number ≥ 0.`)
  return v
}
function positiveInt(key: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ConfigError(`${key} must be an integer ≥ 1.`)
  return v
}

/** Applies a partial config over `base`; throws ConfigError naming the first bad key. */
export function mergeConfig(base: EmulatorConfig, patch: unknown): EmulatorConfig {
  if (!isRecord(patch)) throw new ConfigError('Send a JSON object of config keys to change.')
  const next = cloneConfig(base)
  for (const [key, value] of Object.entries(patch)) {
    switch (key) {
      case 'status_delays_ms': {
        if (!isRecord(value)) throw new ConfigError('status_delays_ms must be an object {sent, delivered, read}.')
        for (const k of ['sent', 'delivered', 'read'] as const) {
          if (value[k] !== undefined) next.status_delays_ms[k] = nonNegative(`status_delays_ms.${k}`, value[k])
        }
        break
      }
      case 'auto_read':
        if (typeof value !== 'boolean') throw new ConfigError('auto_read must be true or false.')
        next.auto_read = value
        break
      case 'not_on_whatsapp':
        if (!Array.isArray(value) || !value.every((p) => typeof p === 'string')) {
          throw new ConfigError('not_on_whatsapp must be a list of phone numbers.')
        }
        next.not_on_whatsapp = value.map((p: string) => p.replace(/\D/g, ''))
        break
      case 'pair_rate_limit':
        if (value === null) { next.pair_rate_limit = null; break }
        if (!isRecord(value)) throw new ConfigError('pair_rate_limit must be null or {max_messages, per_seconds}.')
        next.pair_rate_limit = {
          max_messages: positiveInt('pair_rate_limit.max_messages', value.max_messages),
          per_seconds: nonNegative('pair_rate_limit.per_seconds', value.per_seconds),
        }
        break
      case 'default_throughput_mps':
      case 'webhook_max_attempts':
      case 'webhook_batch_max':
        next[key] = positiveInt(key, value)
        break
      case 'template_review_ms':
      case 'webhook_retry_base_ms':
      case 'webhook_timeout_ms':
      case 'webhook_batch_ms':
      case 'service_window_s':
        next[key] = nonNegative(key, value)
        break
      default:
        throw new ConfigError(`Unknown config key "${key}". Known keys: ${Object.keys(DEFAULT_CONFIG).join(', ')}.`)
    }
  }
  return next
}
