import { CliError } from './output.js'

export async function emulatorCommand(): Promise<void> {
  let mod: { runEmulator?: (env: NodeJS.ProcessEnv) => Promise<unknown> }
  try {
    mod = await import('../emulator/main.js')
  } catch {
    throw new CliError('The emulator is not available in this build.')
  }
  if (!mod.runEmulator) throw new CliError('The emulator is not available in this build.')
  await mod.runEmulator(process.env)
}
