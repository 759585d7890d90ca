import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, expect, it } from 'vitest'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'

const run = promisify(execFile)
const BIN = join(process.cwd(), 'bin', 'switchboard.js')

async function httpClient(url: string, key: string): Promise<Client> {
  const client = new Client({ name: 'test', version: '1.0.0' })
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }))
  return client
}

const parse = (r: unknown) => JSON.parse(((r as { content: Array<{ text: string }> }).content[0]).text)

forEachDatabase('MCP and REST tools', (kind) => {
  const t = useTestApp(kind, { listen: true })

  it('lists the tools over Streamable HTTP with their schemas, only those the key may use', async () => {
    const { apiKey, businessId } = await t().seedBusiness()
    const admin = await httpClient(t().url, apiKey)
    const all = (await admin.listTools()).tools.map((x) => x.name)
    expect(all).toEqual(
      expect.arrayContaining([
        'list_conversations', 'get_conversation', 'set_conversation_status', 'set_conversation_mode', 'assign_conversation',
        'send_message', 'send_template', 'check_window', 'list_templates', 'whatsapp_templates',
        'list_contacts', 'create_contact', 'update_contact', 'tag_contact', 'untag_contact', 'create_custom_field',
      ]),
    )
    const tool = (await admin.listTools()).tools.find((x) => x.name === 'create_contact')
    expect(tool?.inputSchema).toMatchObject({ type: 'object', required: ['phone'] })
    expect(tool?.description).toMatch(/contact_exists/)
    await admin.close()

    const readOnly = await httpClient(t().url, await t().keyWith(businessId, ['contacts:read']))
    expect((await readOnly.listTools()).tools.map((x) => x.name)).toEqual(['list_contacts'])
    const refused = await readOnly.callTool({ name: 'create_contact', arguments: { phone: '+14155552671' } })
    expect(refused.isError).toBe(true)
    expect(parse(refused).error).toMatchObject({ code: 'forbidden', details: { required_scope: 'contacts:write' } })
    await readOnly.close()
  })

  it('refuses without a key', async () => {
    const res = await fetch(`${t().url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    })
    expect(res.status).toBe(401)
  })

  it('runs contact tools; bad arguments and rule errors come back as tool errors with the same codes', async () => {
    const { apiKey } = await t().seedBusiness()
    const client = await httpClient(t().url, apiKey)
    const created = await client.callTool({ name: 'create_contact', arguments: { phone: '+1 415 555 2671', first_name: 'Ana', tags: ['vip'] } })
    expect(created.isError).toBeFalsy()
    const contact = parse(created).contact
    expect(contact).toMatchObject({ phone: '+14155552671', first_name: 'Ana', tags: ['vip'] })
    expect(created.structuredContent).toMatchObject({ contact: { id: contact.id } })

    const dup = await client.callTool({ name: 'create_contact', arguments: { phone: '+14155552671' } })
    expect(dup.isError).toBe(true)
    expect(parse(dup).error).toMatchObject({ code: 'contact_exists', details: { id: contact.id } })

    const bad = await client.callTool({ name: 'create_contact', arguments: { phone: 42, nickname: 'x' } })
    expect(bad.isError).toBe(true)
    const err = parse(bad).error
    expect(err.code).toBe('validation_failed')
    expect(err.details.fields).toEqual(expect.arrayContaining([{ field: 'phone', problem: 'must be a string' }, { field: 'nickname', problem: 'is not a known field' }]))

    const tagged = parse(await client.callTool({ name: 'tag_contact', arguments: { contact_id: contact.id, tags: ['reminder_due'] } }))
    expect(tagged.contact.tags.sort()).toEqual(['reminder_due', 'vip'])
    const found = parse(await client.callTool({ name: 'list_contacts', arguments: { tags: ['reminder_due'] } }))
    expect(found.contacts.map((c: { id: string }) => c.id)).toEqual([contact.id])
    const untagged = parse(await client.callTool({ name: 'untag_contact', arguments: { contact_id: contact.id, tag: 'vip' } }))
    expect(untagged.contact.tags).toEqual(['reminder_due'])
    const field = parse(await client.callTool({ name: 'create_custom_field', arguments: { key: 'plan_tier', label: 'Plan', type: 'enum', options: ['free', 'premium'] } }))
    expect(field.field).toMatchObject({ key: 'plan_tier', type: 'enum' })
    const updated = parse(await client.callTool({ name: 'update_contact', arguments: { contact_id: contact.id, fields: { plan_tier: 'premium' } } }))
    expect(updated.contact.fields).toEqual({ plan_tier: 'premium' })
    const wrong = await client.callTool({ name: 'update_contact', arguments: { contact_id: contact.id, fields: { plan_tier: 'gold' } } })
    expect(wrong.isError).toBe(true)
    const unknown = await client.callTool({ name: 'no_such_tool', arguments: {} })
    expect(unknown.isError).toBe(true)
    await client.close()
  })

  it('the same tools over REST: GET /v1/tools and POST /v1/tools/:name, and the whatsapp-templates alias', async () => {
    const { apiKey, businessId } = await t().seedBusiness()
    const list = await t().request('GET', '/v1/tools', { key: apiKey })
    expect(list.status).toBe(200)
    expect(list.body.data.find((x: { name: string }) => x.name === 'whatsapp_templates').input_schema.properties.action).toBeTruthy()
    const made = await t().request('POST', '/v1/tools/create_contact', { key: apiKey, body: { phone: '+14155552672' } })
    expect(made.status).toBe(200)
    expect(made.body.data.contact.phone).toBe('+14155552672')
    const invalid = await t().request('POST', '/v1/tools/create_contact', { key: apiKey, body: {} })
    expect(invalid.status).toBe(400)
    expect(invalid.body.error.details.fields).toEqual([{ field: 'phone', problem: 'is required' }])
    const scoped = await t().keyWith(businessId, ['contacts:read'])
    const forbidden = await t().request('POST', '/v1/tools/create_contact', { key: scoped, body: { phone: '+14155552673' } })
    expect(forbidden.status).toBe(403)
    const alias = await t().request('POST', '/api/agents/tools/whatsapp-templates', { key: apiKey, body: { site_id: 'abc', action: 'send_template' } })
    expect(alias.status).toBe(400)
    expect(alias.body.message).toMatch(/action "send_template" needs template_id and phone_number/)
  })

  it('works over stdio against a server URL (npx switchboard mcp)', async () => {
    const { apiKey } = await t().seedBusiness()
    const client = new Client({ name: 'stdio-test', version: '1.0.0' })
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [BIN, 'mcp'],
        env: { ...(process.env as Record<string, string>), SWITCHBOARD_API_KEY: apiKey, SWITCHBOARD_URL: t().url },
        stderr: 'pipe',
      }),
    )
    const names = (await client.listTools()).tools.map((x) => x.name)
    expect(names).toContain('whatsapp_templates')
    const r = await client.callTool({ name: 'create_contact', arguments: { phone: '+14155552674', name: 'Stdio' } })
    expect(parse(r).contact.name).toBe('Stdio')
    await client.close()
  })
})

const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

it('works over stdio beside a local data folder (no server running)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-mcp-'))
  dirs.push(dataDir)
  const env = { ...(process.env as Record<string, string>), SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_EMULATOR: 'off', LOG_LEVEL: 'warn' }
  const { stdout } = await run(process.execPath, [BIN, 'init', '--business', 'Local', '--json'], { env })
  const { api_key } = JSON.parse(stdout) as { api_key: string }
  const client = new Client({ name: 'stdio-local', version: '1.0.0' })
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp'], env: { ...env, SWITCHBOARD_API_KEY: api_key }, stderr: 'pipe' }))
  const r = await client.callTool({ name: 'create_contact', arguments: { phone: '+14155552675' } })
  expect(parse(r).contact.phone).toBe('+14155552675')
  await client.close()
})

forEachDatabase('MCP inspector', (kind) => {
  const t = useTestApp(kind, { listen: true })
  it('lists the tools with `mcp-inspector-cli --method tools/list` through `switchboard mcp`', async () => {
    const { apiKey } = await t().seedBusiness()
    const cli = join(process.cwd(), 'node_modules', '@modelcontextprotocol', 'inspector-cli', 'build', 'index.js')
    const { stdout } = await run(process.execPath, [cli, '--method', 'tools/list', process.execPath, BIN, 'mcp'], {
      env: { ...process.env, SWITCHBOARD_API_KEY: apiKey, SWITCHBOARD_URL: t().url },
    })
    const listed = JSON.parse(stdout) as { tools: Array<{ name: string }> }
    expect(listed.tools.map((x) => x.name)).toEqual(expect.arrayContaining(['list_conversations', 'whatsapp_templates', 'create_contact']))
  })
})
