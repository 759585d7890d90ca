// The real Cloud adapter against the emulator over HTTP: every outbound kind, templates, media,
// numbers, the signed webhooks coming back (verified and parsed by the adapter), and the typed errors.
import { afterAll, beforeAll, describe, test } from 'vitest'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startEmulator, type RunningEmulator } from '../../src/emulator/server.js'
import { CloudProvider } from '../../src/providers/cloud/adapter.js'
import { classifyStatusError } from '../../src/providers/cloud/errors.js'
import type { InboundBatch, InboundEvent, NumberCredentials, OutboundPayload } from '../../src/providers/port.js'
import { ProviderError } from '../../src/domain/errors.js'
import { validateMetaWebhook } from '../helpers/meta-spec.js'
import { EVERY_KIND } from './fixtures.js'

const PHONE_ID = '100200300'
const WABA = '900800700'
const TOKEN = 'emu-token-1'
const SECRET = 'emu-app-secret'
const DISPLAY = '+15550001111'
const CUSTOMER = '+16505551234'

let emulator: RunningEmulator
let receiver: Server
const batches: InboundBatch[] = []
const rejected: string[] = []
const specProblems: string[] = []
const cloud = new CloudProvider({ timeoutMs: 5_000 })
let creds: NumberCredentials

const events = (): InboundEvent[] => batches.flatMap((b) => b.changes.flatMap((c) => c.events))

/** Polls for a webhook event (webhooks are asynchronous); fails with what did arrive. */
async function waitFor<T extends InboundEvent>(what: string, pick: (e: InboundEvent) => e is T, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const hit = events().find(pick)
    if (hit) return hit
    if (Date.now() > until) throw new Error(`No ${what} webhook within ${timeoutMs} ms; got ${JSON.stringify(events().map((e) => e.kind))}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function control(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${emulator.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
  const json = (await res.json()) as unknown
  assert.ok(res.ok, `${method} ${path}: ${JSON.stringify(json)}`)
  return json
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      const sig = req.headers['x-hub-signature-256']
      if (!cloud.verifySignature(raw, typeof sig === 'string' ? sig : undefined, SECRET)) {
        rejected.push(raw.toString())
        return void res.writeHead(401).end()
      }
      const payload = JSON.parse(raw.toString()) as unknown
      const batch = cloud.parseWebhook(payload)
      // The spec's WebhookPayload documents only the `messages` field (template updates are absent).
      if (batch.changes.every((c) => c.field === 'messages')) {
        specProblems.push(...validateMetaWebhook(payload).map((p) => `${p} in ${raw.toString().slice(0, 200)}`))
      }
      batches.push(batch)
      res.writeHead(200).end()
    })
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/whatsapp`
  emulator = await startEmulator({ port: 0, config: { template_review_ms: 0, status_delays_ms: { sent: 0, delivered: 0, read: 0 }, auto_read: false } })
  await control('PUT', `/_emulator/numbers/${PHONE_ID}`, { display_phone_number: DISPLAY, waba_id: WABA, access_token: TOKEN, app_secret: SECRET, webhook_url: hook })
  creds = { phoneNumberId: PHONE_ID, wabaId: WABA, accessToken: TOKEN, graphBaseUrl: emulator.url, graphVersion: 'v23.0' }
})

afterAll(async () => {
  await emulator?.close()
  receiver?.closeAllConnections()
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()))
})

describe('Cloud adapter against the emulator', () => {
  test('a customer message arrives signed, verifies and parses', async () => {
    const sent = await emulator.customerSends(CUSTOMER, { to: DISPLAY, type: 'text', text: 'Hello shop', name: 'Ada' })
    const m = await waitFor('inbound text', (e): e is Extract<InboundEvent, { kind: 'message' }> => e.kind === 'message' && e.wamid === sent.wamid)
    assert.equal(m.from, CUSTOMER)
    assert.equal(m.profileName, 'Ada')
    assert.equal(m.text, 'Hello shop')
    const change = batches.flatMap((b) => b.changes).find((c) => c.events.includes(m))
    assert.equal(change?.phoneNumberId, PHONE_ID)
    assert.deepEqual(rejected, [])
  })

  test('customer media downloads through the adapter, sha256 checked', async () => {
    const sent = await emulator.customerSends(CUSTOMER, { to: DISPLAY, type: 'image', caption: 'my receipt' })
    const m = await waitFor('inbound image', (e): e is Extract<InboundEvent, { kind: 'message' }> => e.kind === 'message' && e.wamid === sent.wamid)
    assert.equal(m.content.type, 'image')
    const mediaId = m.content.type === 'image' ? m.content.mediaId : null
    assert.ok(mediaId)
    let bytes = 0
    const file = await cloud.downloadMedia(creds, mediaId, new Writable({ write: (chunk: Buffer, _enc, done) => { bytes += chunk.length; done() } }))
    assert.equal(bytes, file.size)
    assert.equal(file.mimeType, 'image/png')
    assert.ok(file.size > 0)
  })

  test('every outbound kind is accepted and gets a wamid and a sent status', async () => {
    const { mediaId } = await cloud.uploadMedia(creds, { bytes: new TextEncoder().encode('%PDF-1.4 test'), mimeType: 'application/pdf', filename: 'invoice.pdf' })
    const inbound = events().find((e) => e.kind === 'message')
    assert.ok(inbound && inbound.kind === 'message')
    const kinds = EVERY_KIND.filter(([, p]) => p.kind !== 'template').map(([name, p]): [string, OutboundPayload] => {
      const fixed = { ...p, to: CUSTOMER } as OutboundPayload
      // Ids in the fixtures are placeholders: point them at things the emulator knows.
      if ('media' in fixed && fixed.media.mediaId !== undefined) fixed.media = { mediaId }
      if (fixed.kind === 'buttons' && fixed.header && fixed.header.type !== 'text') fixed.header = { type: 'image', link: 'https://example.com/a.png' }
      if (fixed.replyToWamid) fixed.replyToWamid = inbound.wamid
      if (fixed.kind === 'reaction') fixed.messageWamid = inbound.wamid
      return [name, fixed]
    })
    for (const [name, payload] of kinds) {
      const { wamid } = await cloud.send(creds, payload)
      assert.match(wamid, /^wamid\./, name)
      await waitFor(`${name} sent`, (e): e is Extract<InboundEvent, { kind: 'status' }> => e.kind === 'status' && e.wamid === wamid && e.status === 'sent')
    }
    await cloud.markRead(creds, inbound.wamid)
  })

  test('templates: submit, approval webhook, list, send named and positional, delete', async () => {
    await cloud.submitTemplate(creds, {
      name: 'order_update', language: 'en_US', category: 'UTILITY', parameterFormat: 'named',
      components: [
        { type: 'header', format: 'text', text: '{{season}} update', examples: { named: [{ name: 'season', example: 'Summer' }] } },
        { type: 'body', text: 'Hi {{first_name}}, your total is {{total}}', examples: { named: [{ name: 'first_name', example: 'Ada' }, { name: 'total', example: '$10' }] } },
        { type: 'buttons', buttons: [{ type: 'quick_reply', text: 'Stop' }, { type: 'url', text: 'Track', url: 'https://shop.example/o/{{1}}', example: '42' }, { type: 'copy_code', example: 'SAVE25' }] },
      ],
    })
    const created = await cloud.submitTemplate(creds, {
      name: 'promo_image', language: 'en', category: 'MARKETING',
      components: [{ type: 'header', format: 'image', exampleHandle: '4::aW1h' }, { type: 'body', text: 'Deal for {{1}}: {{2}}', examples: { positional: ['Ada', '20% off'] } }],
    })
    assert.match(created.providerTemplateId, /^\d+$/)
    const approved = await waitFor('template approval', (e): e is Extract<InboundEvent, { kind: 'template_status' }> => e.kind === 'template_status' && e.name === 'promo_image' && e.event === 'APPROVED')
    assert.equal(approved.wabaId, WABA)
    assert.equal(approved.templateId, created.providerTemplateId)
    await waitFor('template approval', (e): e is Extract<InboundEvent, { kind: 'template_status' }> => e.kind === 'template_status' && e.name === 'order_update' && e.event === 'APPROVED')

    const list = await cloud.listTemplates(creds)
    assert.deepEqual(list.map((t) => [t.name, t.status]).sort(), [['order_update', 'APPROVED'], ['promo_image', 'APPROVED']])
    assert.equal(list.find((t) => t.name === 'order_update')?.parameterFormat, 'named')

    const named = await cloud.send(creds, {
      kind: 'template', to: CUSTOMER, name: 'order_update', language: 'en_US',
      components: [
        { type: 'header', parameters: [{ type: 'text', text: 'Winter', parameterName: 'season' }] },
        { type: 'body', parameters: [{ type: 'text', text: 'Ada', parameterName: 'first_name' }, { type: 'text', text: '$12', parameterName: 'total' }] },
        { type: 'button', subType: 'url', index: 1, text: '42' },
        { type: 'button', subType: 'copy_code', index: 2, couponCode: 'SAVE25' },
      ],
    })
    assert.match(named.wamid, /^wamid\./)
    const positional = await cloud.send(creds, {
      kind: 'template', to: '+447700900123', name: 'promo_image', language: 'en',
      components: [{ type: 'header', parameters: [{ type: 'image', link: 'https://example.com/p.jpg' }] }, { type: 'body', parameters: [{ type: 'text', text: 'Ada' }, { type: 'text', text: '20% off' }] }],
    })
    assert.match(positional.wamid, /^wamid\./)

    await cloud.deleteTemplate(creds, 'promo_image')
    assert.deepEqual((await cloud.listTemplates(creds)).map((t) => t.name), ['order_update'])
  })

  test('numbers: info, register, subscribe', async () => {
    const info = await cloud.getNumberInfo(creds)
    assert.equal(info.phoneNumberId, PHONE_ID)
    assert.equal(info.displayPhoneNumber, DISPLAY)
    await cloud.registerNumber(creds, '123456')
    await cloud.subscribeApp(creds)
  })

  test('typed errors: 190, 132001, 132000, 130429, and 131047 by webhook', async () => {
    const expectCode = async (p: Promise<unknown>, code: string, providerCode: number, retryable: boolean) => {
      await assert.rejects(p, (e: unknown) => {
        assert.ok(e instanceof ProviderError, String(e))
        assert.equal(e.code, code)
        assert.equal(e.providerCode, providerCode)
        assert.equal(e.retryable, retryable)
        return true
      })
    }
    await expectCode(cloud.send({ ...creds, accessToken: 'wrong' }, { kind: 'text', to: CUSTOMER, text: 'x' }), 'invalid_token', 190, false)
    await expectCode(cloud.send(creds, { kind: 'template', to: CUSTOMER, name: 'no_such_template', language: 'en', components: [] }), 'template_not_found', 132001, false)
    await expectCode(cloud.send(creds, { kind: 'template', to: CUSTOMER, name: 'order_update', language: 'en_US', components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ada', parameterName: 'first_name' }] }] }), 'template_param_mismatch', 132000, false)
    await control('POST', '/_emulator/faults', { count: 1, http_status: 400, code: 130429 })
    await assert.rejects(cloud.send(creds, { kind: 'text', to: CUSTOMER, text: 'x' }), (e: unknown) => e instanceof ProviderError && e.code === 'provider_rate_limited' && e.retryable && (e.retryAfterMs ?? 0) > 0)
    await control('POST', '/_emulator/faults', { count: 1, http_status: 503, code: 131000 })
    await expectCode(cloud.send(creds, { kind: 'text', to: CUSTOMER, text: 'x' }), 'provider_unavailable', 131000, true)

    // Free-form text to someone who never wrote in: accepted, then failed by webhook.
    const { wamid } = await cloud.send(creds, { kind: 'text', to: '+447700900999', text: 'cold message' })
    const failed = await waitFor('failed status', (e): e is Extract<InboundEvent, { kind: 'status' }> => e.kind === 'status' && e.wamid === wamid && e.status === 'failed')
    const err = classifyStatusError(failed.errors[0])
    assert.equal(err.code, 'window_closed')
    assert.equal(err.retryable, false)
  })

  test('every webhook the emulator sent verified and followed the spec', () => {
    assert.deepEqual(rejected, [])
    assert.deepEqual(specProblems, [])
    assert.ok(events().some((e) => e.kind === 'status') && events().some((e) => e.kind === 'message'))
  })
})
