import { loadConfig } from '../config.js'
import { readServerNote } from '../local-control.js'
import { openRuntime } from '../runtime.js'
import { operatorOps } from '../services/operator-ops.js'
import { DataDirLockedError } from '../store/lock.js'
import { CliError } from './output.js'

/**
 * Runs an operator operation: in this process, or — when a running server holds the embedded
 * database — through that server, so `switchboard init` works beside `npm start`.
 */
export async function runOp<T>(name: string, args: Record<string, unknown>): Promise<T> {
  const config = loadConfig()
  let rt
  try {
    rt = await openRuntime(config)
  } catch (err) {
    if (!(err instanceof DataDirLockedError)) throw err
    const note = readServerNote(config.dataDir)
    if (!note) throw err
    const res = await fetch(`${note.url}/_local/ops/${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-switchboard-local-token': note.token },
      body: JSON.stringify(args),
    }).catch(() => {
      throw err
    })
    const body = (await res.json()) as { data?: T; message?: string }
    if (!res.ok) throw new CliError(body.message ?? `The running server refused the command (HTTP ${res.status}).`)
    return body.data as T
  }
  try {
    const op = operatorOps[name]
    if (!op) throw new CliError(`Unknown operation ${name}`)
    return (await op(rt.deps, args)) as T
  } finally {
    await rt.close()
  }
}
