import { parseArgs, type ParseArgsConfig } from 'node:util'
import { CliError } from './output.js'

/** parseArgs with our error style: an unknown flag is one clear line, not a stack trace. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true })
  } catch (err) {
    throw new CliError((err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''))
  }
}
