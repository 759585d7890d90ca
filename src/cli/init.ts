import { loadConfig } from '../config.js'
import { parse } from './args.js'
import { CliError, printJson, println } from './output.js'
import { runOp } from './run-op.js'

interface InitOut {
  business_id: string
  api_key: string
  number_id?: string
  number_display?: string
  owner?: { member_id: string; email: string; password: string }
}

export async function initCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, { business: { type: 'string' }, 'owner-email': { type: 'string' }, json: { type: 'boolean', default: false } })
  if (!values.business) throw new CliError('usage: switchboard init --business "Acme" [--owner-email you@example.com] [--json]')
  const config = loadConfig()
  const out = await runOp<InitOut>('init', { business: values.business, owner_email: values['owner-email'] })
  if (values.json) {
    const { number_display: _display, ...json } = out
    printJson(json)
    return
  }
  println(`Created business "${values.business}" (${out.business_id}).`)
  println(`Admin API key (shown once, store it now): ${out.api_key}`)
  if (out.number_id) println(`Default WhatsApp number: ${out.number_display} (${out.number_id}), on the built-in emulator.`)
  if (out.owner) println(`Inbox sign-in at ${config.publicUrl}/: ${out.owner.email} with password ${out.owner.password} (shown once; change it with PATCH /v1/team/members/:id).`)
  else println(`To sign in to the inbox, run init with --owner-email, or create a member with POST /v1/team/members.`)
  if (out.number_id) println(`Write in as a customer on the emulator's phone page: http://127.0.0.1:${config.emulatorPort}/`)
  println('')
  println(`Try it:  curl -H "Authorization: Bearer ${out.api_key}" ${config.publicUrl}/v1/api-keys`)
  println(`API reference: ${config.publicUrl}/docs`)
}
