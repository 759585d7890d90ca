import { loadConfig } from '../config.js'
import { openRuntime } from '../runtime.js'
import { createApiKey, listApiKeys, revokeApiKey } from '../services/api-keys.js'
import { parse } from './args.js'
import { CliError, printJson, println } from './output.js'

const USAGE = `usage:
  switchboard keys create --business <id> --scopes a,b --name <name> [--json]
  switchboard keys list [--business <id>] [--json]
  switchboard keys revoke <key-id> [--json]`

export async function keysCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv
  const { values, positionals } = parse(rest, {
    business: { type: 'string' },
    scopes: { type: 'string' },
    name: { type: 'string' },
    json: { type: 'boolean', default: false },
  })
  if (!['create', 'list', 'revoke'].includes(sub ?? '')) throw new CliError(USAGE)
  const rt = await openRuntime(loadConfig(), { log: undefined })
  try {
    if (sub === 'create') {
      if (!values.business || !values.scopes) throw new CliError('keys create needs --business <id> and --scopes a,b\n' + USAGE)
      const { key, secret } = await createApiKey(rt.deps, {
        businessId: values.business,
        name: values.name ?? 'cli',
        scopes: values.scopes.split(',').map((s) => s.trim()).filter(Boolean),
      })
      if (values.json) printJson({ id: key.id, business_id: key.businessId, name: key.name, scopes: key.scopes, api_key: secret })
      else println(`Created key ${key.id} (${key.scopes.join(', ')}).\nAPI key (shown once): ${secret}`)
    } else if (sub === 'list') {
      const keys = await listApiKeys(rt.deps, values.business ?? null)
      if (values.json) {
        printJson(
          keys.map((k) => ({ id: k.id, business_id: k.businessId, name: k.name, prefix: k.prefix, scopes: k.scopes, revoked_at: k.revokedAt?.toISOString() ?? null, last_used_at: k.lastUsedAt?.toISOString() ?? null })),
        )
      } else if (keys.length === 0) println('No API keys yet.')
      else for (const k of keys) println(`${k.id}  ${k.prefix}…  ${k.name}  [${k.scopes.join(',')}]${k.revokedAt ? '  revoked' : ''}`)
    } else {
      const id = positionals[0]
      if (!id) throw new CliError('keys revoke needs the key id\n' + USAGE)
      const key = await revokeApiKey(rt.deps, null, id)
      if (values.json) printJson({ id: key.id, revoked_at: key.revokedAt?.toISOString() })
      else println(`Revoked key ${key.id}.`)
    }
  } finally {
    await rt.close()
  }
}
