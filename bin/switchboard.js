#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so `npm install` is all the setup there is.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/main.ts')
