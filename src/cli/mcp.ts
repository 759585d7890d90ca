import { pino } from 'pino'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { loadConfig } from '../config.js'
import { readServerNote } from '../local-control.js'
import { localExecutor } from '../mcp/local-executor.js'
import { remoteExecutor } from '../mcp/remote-executor.js'
import { createMcpServer, type ToolExecutor } from '../mcp/server.js'
import { openRuntime } from '../runtime.js'
import { authenticateKey } from '../services/api-keys.js'
import { DataDirLockedError } from '../store/lock.js'
import { CliError } from './output.js'

/**
 * `switchboard mcp`: an MCP server on stdio for any MCP client. The key comes from SWITCHBOARD_API_KEY.
 * With SWITCHBOARD_URL it calls that server's tool endpoints; otherwise it works on the local data
 * folder (through the running server when that holds the embedded database).
 */
export async function mcpCommand(): Promise<void> {
  const apiKey = process.env.SWITCHBOARD_API_KEY?.trim()
  if (!apiKey) throw new CliError('Set SWITCHBOARD_API_KEY to the API key the agent should use (and SWITCHBOARD_URL to reach a server).')
  const config = loadConfig()
  let executor: ToolExecutor
  let close = async () => {}
  const url = process.env.SWITCHBOARD_URL?.trim()
  if (url) executor = remoteExecutor(url, apiKey)
  else {
    // stdout carries the protocol: logs go to stderr.
    const log = pino({ level: config.logLevel === 'info' ? 'warn' : config.logLevel }, pino.destination(2))
    try {
      const rt = await openRuntime(config, { log })
      const principal = await authenticateKey(rt.deps, apiKey)
      if (!principal) {
        await rt.close()
        throw new CliError('SWITCHBOARD_API_KEY is not a valid key for this data folder; create one with `switchboard keys create`.')
      }
      executor = localExecutor(rt.deps, principal)
      close = () => rt.close()
    } catch (err) {
      const note = err instanceof DataDirLockedError ? readServerNote(config.dataDir) : null
      if (!note) throw err
      executor = remoteExecutor(note.url, apiKey)
    }
  }
  const server = createMcpServer(executor)
  const transport = new StdioServerTransport()
  transport.onclose = () => void close().then(() => process.exit(0))
  await server.connect(transport)
  process.stdin.on('end', () => void close().then(() => process.exit(0)))
}
