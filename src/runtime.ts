import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { pino, type Logger } from 'pino'
import type { Config } from './config.js'
import { ConfigError } from './config.js'
import { decryptSecret, encryptSecret, parseSecretKey } from './domain/secrets.js'
import { createStore, migrate, openDatabase } from './store/index.js'
import type { Deps, SecretBox } from './services/deps.js'
import { createProviderRegistry } from './providers/index.js'

// Wiring shared by the server, the CLI commands and the tests: open the database, apply migrations,
// and build the Deps that every service takes.

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    // Credentials never reach the logs, whatever a log call is handed.
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'req.headers.cookie',
        '*.accessToken',
        '*.access_token',
        '*.appSecret',
        '*.app_secret',
        '*.password',
        '*.secret',
      ],
      censor: '[redacted]',
    },
  })
}

/** The key for secrets at rest: SWITCHBOARD_SECRET_KEY, or (outside production) one kept in the data folder. */
export function loadSecretKey(config: Config): Buffer {
  if (config.secretKey) {
    const key = parseSecretKey(config.secretKey)
    if (!key) throw new ConfigError('SWITCHBOARD_SECRET_KEY must be 32 bytes as 64 hex characters or base64.')
    return key
  }
  const file = join(config.dataDir, 'secret.key')
  if (existsSync(file)) {
    const key = parseSecretKey(readFileSync(file, 'utf8'))
    if (!key) throw new ConfigError(`${file} does not hold a valid key; restore it or set SWITCHBOARD_SECRET_KEY.`)
    return key
  }
  mkdirSync(config.dataDir, { recursive: true })
  writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600 })
  chmodSync(file, 0o600)
  return parseSecretKey(readFileSync(file, 'utf8')) as Buffer
}

export function secretBox(key: Buffer): SecretBox {
  return { seal: (plain) => encryptSecret(key, plain), open: (sealed) => decryptSecret(key, sealed) }
}

export interface Runtime {
  deps: Deps
  close(): Promise<void>
}

export async function openRuntime(
  config: Config,
  opts: { log?: Logger; migrate?: boolean; inMemory?: boolean } = {},
): Promise<Runtime> {
  const log = opts.log ?? createLogger(config)
  const secrets = secretBox(loadSecretKey(config))
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: opts.inMemory ? null : join(config.dataDir, 'pglite'),
    poolSize: config.databasePoolSize,
  })
  try {
    if (opts.migrate !== false) await migrate(database)
  } catch (err) {
    await database.close()
    throw err
  }
  const store = createStore(database)
  const deps: Deps = { store, clock: () => new Date(), config, log, secrets, providers: createProviderRegistry() }
  return {
    deps,
    close: () => database.close(),
  }
}
