import { parse } from './args.js'
import { CliError, printJson, println } from './output.js'
import { runOp } from './run-op.js'

const USAGE = `usage:
  switchboard keys create --business <id> --scopes a,b --name <name> [--json]
  switchboard keys list [--business <id>] [--json]
  switchboard keys revoke <key-id> [--json]`

interface KeyOut {
  id: string
  business_id: string
  name: string
  prefix?: string
  scopes: string[]
  api_key?: string
  revoked_at?: string | null
}

export async function keysCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv
  const { values, positionals } = parse(rest, {
    business: { type: 'string' },
    scopes: { type: 'string' },
    name: { type: 'string' },
    json: { type: 'boolean', default: false },
  })
  if (sub === 'create') {
    if (!values.business || !values.scopes) throw new CliError('keys create needs --business <id> and --scopes a,b\n' + USAGE)
    const scopes = values.scopes.split(',').map((s) => s.trim()).filter(Boolean)
    const k = await runOp<KeyOut>('keys.create', { business: values.business, name: values.name, scopes })
    if (values.json) printJson(k)
    else println(`Created key ${k.id} (${k.scopes.join(', ')}).\nAPI key (shown once, store it now): ${k.api_key}`)
  } else if (sub === 'list') {
    const keys = await runOp<KeyOut[]>('keys.list', { business: values.business })
    if (values.json) printJson(keys)
    else if (keys.length === 0) println('No API keys yet.')
    else for (const k of keys) println(`${k.id}  ${k.prefix}…  ${k.name}  [${k.scopes.join(',')}]${k.revoked_at ? '  revoked' : ''}`)
  } else if (sub === 'revoke') {
    const id = positionals[0]
    if (!id) throw new CliError('keys revoke needs the key id\n' + USAGE)
    const k = await runOp<KeyOut>('keys.revoke', { id })
    if (values.json) printJson(k)
    else println(`Revoked key ${k.id}.`)
  } else {
    throw new CliError(USAGE)
  }
}
