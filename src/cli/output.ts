// Small helpers so every command prints the same way: JSON for scripts, sentences for people.

export class CliError extends Error {}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n')
}

export function println(text = ''): void {
  process.stdout.write(text + '\n')
}
