#!/usr/bin/env node
// Runs a TypeScript file (benchmarks, scripts) the same way the CLI runs: node bin/run-ts.js file.ts [args]
import { register } from 'tsx/esm/api'
import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'

register()
const file = process.argv[2]
if (!file) {
  console.error('usage: node bin/run-ts.js <file.ts> [args…]')
  process.exit(1)
}
process.argv.splice(1, 1)
await import(pathToFileURL(resolve(file)).href)
