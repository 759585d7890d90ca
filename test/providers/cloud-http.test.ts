// The adapter against a real HTTP server that answers like Meta (shapes checked against the spec), so
// URL building, headers, paging, multipart, timeouts and error mapping are exercised over the wire.
import { afterAll, beforeAll, describe, test } from 'vitest'
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createHash } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { CloudProvider } from '../../src/providers/cloud/adapter.js'
import { createProviderRegistry } from '../../src/providers/index.js'
import type { NumberCredentials } from '../../src/providers/port.js'
import { NotFoundError, ProviderError } from '../../src/domain/errors.js'
import { validateMetaRequest, validateMetaResponse } from '../helpers/meta-spec.js'

interface Seen { method: string; url: string; auth: string | undefined; contentType: string | undefined; body: Buffer }
const seen: Seen[] = []
const TOKEN = 'EAAG-secret-token'
const MEDIA = Buffer.from('fake image bytes')
let server: Server

/** A Writable that keeps what a download streamed into it. */
function sink(): { stream: Writable; bytes(): Buffer } {
  const chunks: Buffer[] = []
  return {
    stream: new Writable({ write: (chunk: Buffer, _enc, done) => { chunks.push(chunk); done() } }),
    bytes: () => Buffer.concat(chunks),
  }
}
let base = ''
let hangs: ServerResponse[] = []

type Handler = (req: Seen, res: ServerResponse) => void
const routes: Array<[RegExp, string, Handler]> = []
function route(method: string, re: RegExp, h: Handler) { routes.push([re, method, h]) }
function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
}
function graphError(res: ServerResponse, status: number, code: number, message: string) {
  json(res, status, { error: { message, type: 'OAuthException', code, fbtrace_id: 'Atrace' } })
}

const creds = (over: Partial<NumberCredentials> = {}): NumberCredentials => ({
  phoneNumberId: '1065', wabaId: '4195', accessToken: TOKEN, graphBaseUrl: base, graphVersion: 'v23.0', ...over,
})

beforeAll(async () => {
  route('POST', /^\/v23\.0\/1065\/messages$/, (req, res) => {
    const body = JSON.parse(req.body.toString()) as Record<string, unknown>
    if (body.status === 'read') return json(res, 200, { success: true })
    if (body.to === 'token') return graphError(res, 401, 190, 'Error validating access token: Session has expired')
    if (body.to === 'html500') return void res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad gateway</html>')
    if (body.to === 'throttle') return json(res, 400, { error: { message: '(#130429) Rate limit hit', type: 'OAuthException', code: 130429, error_data: { details: 'Cloud API message throughput has been reached.' }, fbtrace_id: 'A' } }, { 'retry-after': '3' })
    if (body.to === 'hang') return void hangs.push(res)
    json(res, 200, { messaging_product: 'whatsapp', contacts: [{ input: body.to, wa_id: '16505551234' }], messages: [{ id: 'wamid.SENT1' }] })
  })
  route('POST', /^\/v23\.0\/4195\/message_templates$/, (_req, res) => json(res, 200, { id: '1473688840035974', status: 'PENDING', category: 'MARKETING' }))
  route('GET', /^\/v23\.0\/4195\/message_templates\?/, (req, res) => {
    const after = new URL(req.url, base).searchParams.get('after')
    const page = after === null ? 0 : Number(after.slice(1))
    const data = [0, 1].map((i) => ({ id: `${page}${i}`, name: `t_${page}_${i}`, language: 'en_US', status: i ? 'REJECTED' : 'APPROVED', category: 'MARKETING', rejected_reason: i ? 'INVALID_FORMAT' : 'NONE', components: [{ type: 'BODY', text: 'Hi {{1}}' }, { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Stop' }] }] }))
    const cursors = { before: 'b', after: `c${page + 1}` }
    // Meta's own next URL carries the token; the adapter must not follow it.
    json(res, 200, { data, paging: page < 2 ? { cursors, next: `${base}/v23.0/4195/message_templates?access_token=${TOKEN}&after=c${page + 1}` } : { cursors } })
  })
  route('DELETE', /^\/v23\.0\/4195\/message_templates\?name=old_one$/, (_req, res) => json(res, 200, { success: true }))
  route('POST', /^\/v23\.0\/1065\/media$/, (_req, res) => json(res, 200, { id: '4490709327384033' }))
  route('GET', /^\/v23\.0\/4490\?phone_number_id=1065$/, (_req, res) => json(res, 200, {
    messaging_product: 'whatsapp', url: `${base}/download/4490`, mime_type: 'image/jpeg', sha256: createHash('sha256').update(MEDIA).digest('hex'), file_size: String(MEDIA.length), id: '4490',
  }))
  route('GET', /^\/v23\.0\/bad\?phone_number_id=1065$/, (_req, res) => json(res, 200, { messaging_product: 'whatsapp', url: `${base}/download/4490`, mime_type: 'image/jpeg', sha256: 'deadbeef', file_size: '3', id: 'bad' }))
  route('GET', /^\/download\/4490$/, (_req, res) => void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(MEDIA))
  route('GET', /^\/v23\.0\/1065\?fields=/, (_req, res) => json(res, 200, { id: '1065', display_phone_number: '+1 555-078-3881', verified_name: "Jasper's Market", quality_rating: 'GREEN', code_verification_status: 'VERIFIED', name_status: 'APPROVED', throughput: { level: 'STANDARD' }, platform_type: 'CLOUD_API', status: 'CONNECTED' }))
  route('POST', /^\/v23\.0\/1065\/register$/, (_req, res) => json(res, 200, { success: true }))
  route('POST', /^\/v23\.0\/4195\/subscribed_apps$/, (_req, res) => json(res, 200, { success: true }))

  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, contentType: req.headers['content-type'], body: Buffer.concat(chunks) }
      seen.push(s)
      const hit = routes.find(([re, m]) => m === s.method && re.test(s.url))
      if (!hit) return graphError(res, 404, 100, `Unsupported ${s.method} request ${s.url}`)
      hit[2](s, res)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  for (const r of hangs) r.destroy()
  hangs = []
  server.closeAllConnections()
  await new Promise<void>((r) => server.close(() => r()))
})

const cloud = new CloudProvider({ timeoutMs: 300 })
const last = () => seen[seen.length - 1]

describe('Cloud adapter over HTTP', () => {
  test('send: path from credentials, bearer token, never the token in the URL', async () => {
    const { wamid } = await cloud.send(creds(), { kind: 'text', to: '+16505551234', text: 'hi', replyToWamid: 'wamid.Q' })
    assert.equal(wamid, 'wamid.SENT1')
    const r = last()
    assert.equal(r.url, '/v23.0/1065/messages')
    assert.equal(r.auth, `Bearer ${TOKEN}`)
    assert.equal(r.contentType, 'application/json')
    assert.deepEqual(validateMetaRequest('POST', '/{Version}/{Phone-Number-ID}/messages', JSON.parse(r.body.toString())), [])
    for (const s of seen) assert.ok(!s.url.includes(TOKEN))
  })

  test('base URL with a trailing slash and another version are honoured', async () => {
    await cloud.send(creds({ graphBaseUrl: `${base}/`, graphVersion: 'v23.0' }), { kind: 'text', to: '1', text: 'x' })
    assert.equal(last().url, '/v23.0/1065/messages')
    await assert.rejects(cloud.send(creds({ graphVersion: 'v99.0' }), { kind: 'text', to: '1', text: 'x' }), (e: ProviderError) => e.code === 'provider_error' && e.providerCode === 100)
    assert.equal(last().url, '/v99.0/1065/messages')
  })

  test('markRead posts a read receipt', async () => {
    await cloud.markRead(creds(), 'wamid.IN')
    assert.deepEqual(JSON.parse(last().body.toString()), { messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.IN' })
  })

  test('templates: submit, list across pages by cursor, delete by name', async () => {
    const sub = await cloud.submitTemplate(creds(), { name: 'promo', language: 'en', category: 'MARKETING', components: [{ type: 'body', text: 'Hello' }] })
    assert.deepEqual(sub, { providerTemplateId: '1473688840035974', status: 'PENDING' })
    const before = seen.length
    const list = await cloud.listTemplates(creds())
    assert.equal(list.length, 6)
    assert.equal(seen.length - before, 3, 'three pages, then stop')
    assert.deepEqual(list[1], {
      providerTemplateId: '01', name: 't_0_1', language: 'en_US', status: 'REJECTED', category: 'MARKETING', parameterFormat: null, rejectedReason: 'INVALID_FORMAT',
      components: [{ type: 'body', text: 'Hi {{1}}' }, { type: 'buttons', buttons: [{ type: 'quick_reply', text: 'Stop' }] }],
    })
    assert.equal(list[0].rejectedReason, null)
    for (const s of seen.slice(before)) assert.ok(!s.url.includes('access_token'))
    await cloud.deleteTemplate(creds(), 'old_one')
    assert.equal(last().method, 'DELETE')
  })

  test('media: multipart upload, info scoped to the number, download checked against sha256', async () => {
    const { mediaId } = await cloud.uploadMedia(creds(), { bytes: MEDIA, mimeType: 'image/jpeg', filename: 'a.jpg' })
    assert.equal(mediaId, '4490709327384033')
    assert.match(last().contentType ?? '', /^multipart\/form-data; boundary=/)
    const text = last().body.toString()
    assert.match(text, /name="messaging_product"\r\n\r\nwhatsapp/)
    assert.match(text, /name="file"; filename="a.jpg"/)
    const info = await cloud.getMediaInfo(creds(), '4490')
    assert.equal(info.mimeType, 'image/jpeg')
    assert.equal(info.size, MEDIA.length)
    const into = sink()
    const dl = await cloud.downloadMedia(creds(), '4490', into.stream)
    assert.deepEqual(into.bytes(), MEDIA)
    assert.equal(dl.size, MEDIA.length)
    assert.equal(dl.sha256, createHash('sha256').update(MEDIA).digest('hex'))
    assert.equal(last().auth, `Bearer ${TOKEN}`, 'the media URL needs the token too')
    await assert.rejects(cloud.downloadMedia(creds(), 'bad', sink().stream), (e: ProviderError) => e.code === 'provider_unavailable' && /sha256/.test(e.message))
  })

  test('numbers: info, register, subscribe', async () => {
    const info = await cloud.getNumberInfo(creds())
    assert.equal(info.verifiedName, "Jasper's Market")
    assert.equal(info.throughputLevel, 'STANDARD')
    await cloud.registerNumber(creds(), '123456')
    assert.deepEqual(validateMetaRequest('POST', '/{Version}/{Phone-Number-ID}/register', JSON.parse(last().body.toString())), [])
    await cloud.subscribeApp(creds())
    assert.equal(last().url, '/v23.0/4195/subscribed_apps')
  })

  test('errors: invalid token, throttling with Retry-After, HTML 5xx', async () => {
    await assert.rejects(cloud.send(creds(), { kind: 'text', to: 'token', text: 'x' }), (e: unknown) => {
      assert.ok(e instanceof ProviderError)
      assert.equal(e.code, 'invalid_token')
      assert.equal(e.retryable, false)
      assert.ok(!e.message.includes(TOKEN) && !JSON.stringify(e.details).includes(TOKEN))
      return true
    })
    await assert.rejects(cloud.send(creds(), { kind: 'text', to: 'throttle', text: 'x' }), (e: ProviderError) => e.code === 'provider_rate_limited' && e.retryable && e.retryAfterMs === 3000)
    await assert.rejects(cloud.send(creds(), { kind: 'text', to: 'html500', text: 'x' }), (e: ProviderError) => e.code === 'provider_unavailable' && e.retryable)
  })

  test('a hanging server times out as retryable unavailability', async () => {
    await assert.rejects(cloud.send(creds(), { kind: 'text', to: 'hang', text: 'x' }), (e: ProviderError) => {
      assert.equal(e.code, 'provider_unavailable')
      assert.equal(e.retryable, true)
      assert.equal(e.details.reason, 'timeout')
      return true
    })
  })

  test('a refused connection is retryable unavailability', async () => {
    const dead = createServer()
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r))
    const port = (dead.address() as AddressInfo).port
    await new Promise<void>((r) => dead.close(() => r()))
    await assert.rejects(cloud.send(creds({ graphBaseUrl: `http://127.0.0.1:${port}` }), { kind: 'text', to: '1', text: 'x' }), (e: ProviderError) => {
      assert.equal(e.code, 'provider_unavailable')
      assert.equal(e.details.reason, 'network')
      assert.equal(e.details.cause, 'ECONNREFUSED')
      return true
    })
  })

  test('a bad payload fails before any request', async () => {
    const before = seen.length
    await assert.rejects(cloud.send(creds(), { kind: 'buttons', to: '1', body: 'x', buttons: [] }), (e: Error) => e.name === 'ValidationError')
    assert.equal(seen.length, before)
  })

  test('the fake answers like Meta (its bodies follow the spec)', () => {
    assert.deepEqual(validateMetaResponse('POST', '/{Version}/{Phone-Number-ID}/messages', 200, { messaging_product: 'whatsapp', contacts: [{ input: '1', wa_id: '1' }], messages: [{ id: 'wamid.SENT1' }] }), [])
    assert.deepEqual(validateMetaResponse('POST', '/{Version}/{Phone-Number-ID}/register', 200, { success: true }), [])
    assert.deepEqual(validateMetaResponse('POST', '/{Version}/{Phone-Number-ID}/register', 401, { error: { message: 'x', type: 'OAuthException', code: 190, fbtrace_id: 'A' } }), [])
  })
})

describe('provider registry', () => {
  test('looks adapters up by provider name', () => {
    const reg = createProviderRegistry()
    assert.ok(reg.for({ provider: 'cloud' }) instanceof CloudProvider)
    assert.deepEqual(reg.names, ['cloud'])
    assert.throws(() => reg.for({ provider: 'twilio' }), NotFoundError)
  })
})
