import { ConfigError } from '../config.js'
import { DataDirLockedError } from '../store/lock.js'
import { AppError } from '../domain/errors.js'
import { CliError } from './output.js'

const HELP = `Switchboard: a self-hosted WhatsApp Business messaging platform.

usage: switchboard <command> [options]

commands:
  start                         serve the API, inbox and jobs (PORT, HOST, DATABASE_URL, …)
  init --business <name>        create a business and its admin API key [--json]
  migrate                       apply database migrations and exit
  keys create|list|revoke       manage API keys
  contacts import|export        import contacts from CSV (with progress), or export them as CSV
  emulator                      run the WhatsApp Cloud API emulator on its own (EMULATOR_PORT)
  broadcasts watch <id>         a live progress bar of a broadcast
  mcp                           an MCP server on stdio for AI agents (SWITCHBOARD_API_KEY, SWITCHBOARD_URL)

Configuration is by environment variables; see the README.`

type Command = (argv: string[]) => Promise<void>

const commands: Record<string, () => Promise<Command>> = {
  start: async () => (await import('./start.js')).startCommand,
  init: async () => (await import('./init.js')).initCommand,
  migrate: async () => (await import('./migrate.js')).migrateCommand,
  keys: async () => (await import('./keys.js')).keysCommand,
  contacts: async () => (await import('./contacts.js')).contactsCommand,
  emulator: async () => (await import('./emulator.js')).emulatorCommand,
  mcp: async () => (await import('./mcp.js')).mcpCommand,
  broadcasts: async () => (await import('./broadcasts.js')).broadcastsCommand,
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(HELP + '\n')
    return
  }
  const load = commands[name]
  if (!load) throw new CliError(`Unknown command "${name}".\n\n${HELP}`)
  await (await load())(rest)
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // Errors a person can fix are one clear line and exit 1; anything else keeps its stack for a bug report.
  if (err instanceof CliError || err instanceof ConfigError || err instanceof DataDirLockedError || err instanceof AppError) {
    process.stderr.write(`switchboard: ${err.message}\n`)
  } else {
    process.stderr.write(`switchboard: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`)
  }
  process.exit(1)
})
