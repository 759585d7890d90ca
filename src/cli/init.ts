import { loadConfig } from '../config.js'
import { openRuntime } from '../runtime.js'
import { initBusiness } from '../services/setup.js'
import { parse } from './args.js'
import { CliError, printJson, println } from './output.js'

export async function initCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, { business: { type: 'string' }, json: { type: 'boolean', default: false } })
  if (!values.business) throw new CliError('usage: switchboard init --business "Acme" [--json]')
  const config = loadConfig()
  const rt = await openRuntime(config)
  try {
    const out = await initBusiness(rt.deps, { businessName: values.business })
    if (values.json) {
      printJson({ business_id: out.businessId, api_key: out.apiKey, ...(out.numberId ? { number_id: out.numberId } : {}) })
      return
    }
    println(`Created business "${values.business}" (${out.businessId}).`)
    println(`Admin API key (shown once, store it now): ${out.apiKey}`)
    if (out.numberId) println(`Default WhatsApp number: ${out.numberDisplay} (${out.numberId}), on the built-in emulator.`)
    println('')
    println(`Try it:  curl -H "Authorization: Bearer ${out.apiKey}" ${config.publicUrl}/v1/api-keys`)
    println(`API reference: ${config.publicUrl}/docs`)
  } finally {
    await rt.close()
  }
}
