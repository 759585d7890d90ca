import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { expect, it } from 'vitest'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'
import { customerWrites, useEmulator } from '../helpers/whatsapp.js'
import { approvedTemplate, bizWithNumber, customerConversation, customerPhone, emulatorOutbox, setEmulatorClock, waitFor } from '../messaging/support.js'

// What an agent does, end to end: the SDK's own client over HTTP, the real server, the emulator.
const parse = (r: unknown) => JSON.parse(((r as { content: Array<{ text: string }> }).content[0]).text)

forEachDatabase('agent scenarios over MCP', (kind) => {
  const t = useTestApp(kind, { listen: true, jobs: { dispatcher: { pollMs: 100 } } })
  const emu = useEmulator()

  async function agent(apiKey: string): Promise<Client> {
    const client = new Client({ name: 'scenario-agent', version: '1.0.0' })
    await client.connect(new StreamableHTTPClientTransport(new URL(`${t().url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${apiKey}` } } }))
    return client
  }

  it('lists the 5 oldest unread conversations, reads the last 10 messages of each, and replies to the first', async () => {
    const b = await bizWithNumber(t(), emu())
    const convs: Array<{ conversationId: string; phone: string }> = []
    for (let i = 0; i < 6; i++) convs.push(await customerConversation(t(), emu(), b, customerPhone(), `Question ${i}`))
    const ai = await agent(b.apiKey)
    const list = parse(await ai.callTool({ name: 'list_conversations', arguments: { unread_only: true, sort: 'oldest', limit: 5 } }))
    expect(list.conversations.map((c: { id: string }) => c.id)).toEqual(convs.slice(0, 5).map((c) => c.conversationId))
    for (const c of list.conversations) {
      const read = parse(await ai.callTool({ name: 'get_conversation', arguments: { conversation_id: c.id, last_messages: 10 } }))
      expect(read.messages.length).toBeGreaterThan(0)
      expect(read.messages[0].direction).toBe('inbound')
      expect(read.conversation.window.open).toBe(true)
    }
    const first = list.conversations[0]
    const sent = parse(await ai.callTool({ name: 'send_message', arguments: { conversation_id: first.id, text: 'Thanks, we received your message and are on it.' } }))
    expect(sent.message.status).toBe('queued')
    const out = await waitFor(async () => (await emulatorOutbox(emu(), { to: convs[0].phone.slice(1) })).find((e) => e.type === 'text') ?? null, 10_000, 'the reply')
    expect((out.body.text as { body: string }).body).toBe('Thanks, we received your message and are on it.')
    await ai.close()
  })

  it('finds contacts tagged reminder_due and sends each the appointment_reminder template with their first name', async () => {
    const b = await bizWithNumber(t(), emu())
    await approvedTemplate(t(), b, { name: 'appointment_reminder', body: 'Hi {{first_name}}, see you tomorrow at 10:00.', examples: { first_name: 'Ana' } })
    const ai = await agent(b.apiKey)
    const people = [['Ana', customerPhone()], ['Bo', customerPhone()], ['Cy', customerPhone()]]
    for (const [name, phone] of people) await ai.callTool({ name: 'create_contact', arguments: { phone, first_name: name, tags: ['reminder_due'] } })
    await ai.callTool({ name: 'create_contact', arguments: { phone: customerPhone(), first_name: 'Not due' } })
    const due = parse(await ai.callTool({ name: 'list_contacts', arguments: { tags: ['reminder_due'] } }))
    expect(due.contacts).toHaveLength(3)
    for (const c of due.contacts) {
      const r = await ai.callTool({ name: 'send_template', arguments: { phone_number: c.phone, template: 'appointment_reminder', variables: { first_name: c.first_name } } })
      expect(r.isError).toBeFalsy()
    }
    const texts = await waitFor(async () => {
      const out = (await emulatorOutbox(emu(), { phoneNumberId: b.num.phoneNumberId })).filter((e) => e.type === 'template')
      return out.length === 3 ? out.map((e) => (e.body.template as { components: Array<{ parameters: Array<{ text: string }> }> }).components[0].parameters[0].text).sort() : null
    }, 10_000, 'three reminders')
    expect(texts).toEqual(['Ana', 'Bo', 'Cy'])
    await ai.close()
  })

  it('whatsapp_templates decides for the agent: free-form inside the window; a template outside it, then sends it', async () => {
    const b = await bizWithNumber(t(), emu())
    const ai = await agent(b.apiKey)
    const inside = await customerConversation(t(), emu(), b)
    const open = parse(await ai.callTool({ name: 'whatsapp_templates', arguments: { action: 'create_template', phone_number: inside.phone, message: 'Your parcel ships today.' } }))
    expect(open).toMatchObject({ success: true, template_required: false })

    // A customer who wrote 25 hours ago (the emulator's clock), then now.
    const late = customerPhone()
    await setEmulatorClock(emu(), -25 * 3600)
    await customerWrites(emu(), b.num, late, { type: 'text', text: 'Any news?' })
    await setEmulatorClock(emu(), 0)
    await waitFor(async () => parse(await ai.callTool({ name: 'check_window', arguments: { phone_number: late } })).expires_at !== null || null, 10_000, 'the late conversation')
    const refused = await ai.callTool({ name: 'send_message', arguments: { conversation_id: (await customerConvId(late)) as string, text: 'Hello again' } })
    expect(refused.isError).toBe(true)
    expect(parse(refused).error).toMatchObject({ code: 'window_closed', details: { use_tool: 'whatsapp_templates' } })

    const closed = parse(await ai.callTool({ name: 'whatsapp_templates', arguments: { action: 'create_template', phone_number: late, message: 'Your parcel ships today.' } }))
    expect(closed).toMatchObject({ success: true, template_required: true, status: 'PENDING' })
    const early = await ai.callTool({ name: 'whatsapp_templates', arguments: { action: 'send_template', template_id: closed.template_id, phone_number: late } })
    expect(early.isError).toBe(true)
    expect(parse(early).error).toMatchObject({ code: 'template_not_approved', details: { status: 'PENDING' } })
    await waitFor(async () => (await t().request('GET', `/v1/templates/${closed.template_id}`, { key: b.apiKey })).body.data.status === 'APPROVED' || null, 10_000, 'approval')
    const again = parse(await ai.callTool({ name: 'whatsapp_templates', arguments: { action: 'create_template', phone_number: late, message: 'Your parcel ships today.' } }))
    expect(again).toMatchObject({ template_required: true, template_id: closed.template_id, status: 'APPROVED' })
    const sent = parse(await ai.callTool({ name: 'whatsapp_templates', arguments: { action: 'send_template', template_id: closed.template_id, phone_number: late, original_message: 'Your parcel ships today.' } }))
    expect(sent.success).toBe(true)
    await waitFor(async () => (await emulatorOutbox(emu(), { to: late.slice(1) })).some((e) => e.type === 'template') || null, 10_000, 'the template send')
    await ai.close()

    async function customerConvId(phone: string): Promise<string | undefined> {
      const res = await t().request('GET', `/v1/messaging/conversations?search=${encodeURIComponent(phone.slice(1))}&number_id=${b.num.numberId}`, { key: b.apiKey })
      return res.body.data?.[0]?.id
    }
  })
})
