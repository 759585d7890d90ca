import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { test } from 'vitest'
import { forEachDatabase, useTestApp } from '../helpers/harness.js'
import { connectEmulatorNumber, customerWrites, waitFor, useEmulator } from '../helpers/whatsapp.js'
import { rows, sql } from './support.js'

async function multipart(fields: Record<string, string | { bytes: Uint8Array; type: string; name: string }>) {
  const form = new FormData()
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v === 'string') form.set(k, v)
    else form.set(k, new Blob([new Uint8Array(v.bytes)], { type: v.type }), v.name)
  }
  const req = new Request('http://local/', { method: 'POST', body: form })
  return { raw: Buffer.from(await req.arrayBuffer()), contentType: req.headers.get('content-type') as string }
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201e21bc0f00000000049454e44ae426082', 'hex')

forEachDatabase('media', (kind) => {
  const t = useTestApp(kind, { listen: true })
  const emu = useEmulator()

  test("a customer's image: metadata on receipt, the file fetched on first GET and served to the business only", async () => {
    const a = await t().seedBusiness('A')
    const b = await t().seedBusiness('B')
    const num = await connectEmulatorNumber(t(), emu(), a.businessId)
    const sent = await customerWrites(emu(), num, '+14155550141', { type: 'image', caption: 'look', data_base64: PNG.toString('base64'), mime_type: 'image/png' })
    const msg = await waitFor(async () => (await rows<{ payload: { media_id: string } }>(t(), sql`SELECT payload FROM messages WHERE provider_message_id = ${sent.wamid}`))[0], 5000, 'message')
    const mediaId = msg.payload.media_id
    const info = await t().request('GET', `/v1/media/${mediaId}/info`, { key: a.apiKey })
    assert.equal(info.status, 200)
    assert.equal(info.body.data.origin, 'inbound')
    assert.equal(info.body.data.provider_media_id, sent.media_id)
    const file = await t().request('GET', `/v1/media/${mediaId}`, { key: a.apiKey })
    assert.equal(file.status, 200)
    assert.equal(file.headers['content-type'], 'image/png')
    assert.equal(createHash('sha256').update(file.body as unknown as string, 'binary').digest('hex').length, 64)
    // The second time from the local cache, streamed from disk with its length.
    const res = await fetch(`${t().url}/v1/media/${mediaId}`, { headers: { authorization: `Bearer ${a.apiKey}` } })
    assert.equal(res.headers.get('content-length'), String(PNG.length))
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), PNG)
    // Another business, or a key without the scope.
    assert.equal((await t().request('GET', `/v1/media/${mediaId}`, { key: b.apiKey })).status, 404)
    const noScope = await t().keyWith(a.businessId, ['contacts:read'])
    assert.equal((await t().request('GET', `/v1/media/${mediaId}`, { key: noScope })).status, 403)
  })

  test('upload: stored at the provider and here; wrong type 415, too big 413, both saying what to do', async () => {
    const a = await t().seedBusiness('A')
    await connectEmulatorNumber(t(), emu(), a.businessId)
    const ok = await multipart({ file: { bytes: PNG, type: 'image/png', name: 'dot.png' } })
    const r = await t().request('POST', '/v1/media', { key: a.apiKey, raw: ok.raw, headers: { 'content-type': ok.contentType } })
    assert.equal(r.status, 201, JSON.stringify(r.body))
    assert.ok(r.body.data.provider_media_id)
    assert.equal(r.body.data.size_bytes, PNG.length)
    assert.equal(r.body.data.filename, 'dot.png')
    const back = await fetch(`${t().url}/v1/media/${r.body.data.id}`, { headers: { authorization: `Bearer ${a.apiKey}` } })
    assert.deepEqual(Buffer.from(await back.arrayBuffer()), PNG)

    const html = await multipart({ file: { bytes: Buffer.from('<b>hi</b>'), type: 'text/html', name: 'x.html' } })
    const r415 = await t().request('POST', '/v1/media', { key: a.apiKey, raw: html.raw, headers: { 'content-type': html.contentType } })
    assert.equal(r415.status, 415)
    assert.equal(r415.body.error.code, 'unsupported_media_type')
    assert.match(r415.body.message, /^WhatsApp does not accept files of type text\/html; send one of image\/jpeg, image\/png/)

    const big = await multipart({ file: { bytes: Buffer.alloc(17 * 1024 * 1024, 1), type: 'image/jpeg', name: 'big.jpg' } })
    const r413 = await t().request('POST', '/v1/media', { key: a.apiKey, raw: big.raw, headers: { 'content-type': big.contentType } })
    assert.equal(r413.status, 413)
    assert.equal(r413.body.error.code, 'media_too_large')
    assert.equal(r413.body.message, 'WhatsApp accepts image files up to 16 MB; this one is 17.0 MB. Compress it or send it as a smaller file.')

    const none = await multipart({ number_id: 'x' })
    const r400 = await t().request('POST', '/v1/media', { key: a.apiKey, raw: none.raw, headers: { 'content-type': none.contentType } })
    assert.equal(r400.status, 400)
    assert.match(r400.body.message, /"file" field/)
    const reader = await t().keyWith(a.businessId, ['messaging:messages:read'])
    assert.equal((await t().request('POST', '/v1/media', { key: reader, raw: ok.raw, headers: { 'content-type': ok.contentType } })).status, 403)
  })

  test('a download that does not match its sha256 is refused with a message, and nothing is cached', async () => {
    const a = await t().seedBusiness('A')
    const num = await connectEmulatorNumber(t(), emu(), a.businessId)
    const sent = await customerWrites(emu(), num, '+14155550142', { type: 'image', data_base64: PNG.toString('base64'), mime_type: 'image/png' })
    const msg = await waitFor(async () => (await rows<{ payload: { media_id: string } }>(t(), sql`SELECT payload FROM messages WHERE provider_message_id = ${sent.wamid}`))[0], 5000, 'message')
    // A Graph API whose media look-up promises other bytes than its download serves (a truncated or
    // swapped file).
    const graph = createServer((req, res) => {
      if (req.url?.startsWith('/file')) return void res.writeHead(200, { 'content-type': 'image/png' }).end(PNG)
      const base = `http://127.0.0.1:${(graph.address() as AddressInfo).port}`
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        messaging_product: 'whatsapp', url: `${base}/file`, mime_type: 'image/png', sha256: 'ab'.repeat(32), file_size: String(PNG.length), id: sent.media_id,
      }))
    })
    await new Promise<void>((r) => graph.listen(0, '127.0.0.1', r))
    try {
      const moved = await t().request('PATCH', `/v1/numbers/${num.numberId}`, { key: a.apiKey, body: { graph_base_url: `http://127.0.0.1:${(graph.address() as AddressInfo).port}` } })
      assert.equal(moved.status, 200, JSON.stringify(moved.body))
      const res = await t().request('GET', `/v1/media/${msg.payload.media_id}`, { key: a.apiKey })
      assert.equal(res.status, 502)
      assert.equal(res.body.error.code, 'provider_unavailable')
      assert.match(res.body.message, /does not match its sha256/)
      const dir = join(t().deps.config.dataDir, 'media')
      const left = (() => {
        try {
          return readdirSync(dir).filter((f) => f.startsWith(msg.payload.media_id))
        } catch {
          return []
        }
      })()
      assert.deepEqual(left, [])
    } finally {
      graph.close()
    }
  })
})
