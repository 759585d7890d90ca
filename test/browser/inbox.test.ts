// The inbox in a real browser against a real server, database and emulator: an agent signs in, a
// customer writes and the message appears live, the reply's ticks go to read, the window closes and a
// template goes out, assignment and tags stick, and a failed send shows why.
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, test } from 'vitest'
import { DATABASES, forEachDatabase, useTestApp, type TestApp } from '../helpers/harness.js'
import { connectEmulatorNumber, customerWrites, startEmulatorFor, waitFor, type EmulatorNumber, type RunningEmulator } from '../helpers/whatsapp.js'
import { emulatorOutbox } from '../messaging/support.js'
import { emulatorPost, ensureWebBuilt, openBrowser, shot, type BrowserSession } from './support.js'

beforeAll(async () => {
  await ensureWebBuilt()
}, 120_000)

// Valid UK mobiles (the template API checks validity; inbound takes what WhatsApp sends).
let phoneSeq = Math.floor(Math.random() * 10_000)
const customerPhone = () => `+44791112${String(phoneSeq++ % 10_000).padStart(4, '0')}`
const DAY_PLUS = 25 * 3600

// A real PNG (a small two-colour picture), so the browser decodes it and we can tell it loaded.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
const crc32 = (buf: Buffer) => {
  let c = 0xffffffff
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function pngBytes(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(td))
    return Buffer.concat([len, td, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.set([8, 2, 0, 0, 0], 8) // 8-bit RGB
  const rows: number[] = []
  for (let y = 0; y < height; y++) {
    rows.push(0) // filter: none
    for (let x = 0; x < width; x++) rows.push(...(y < height / 2 ? [37, 211, 102] : [18, 140, 126]))
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.from(rows))), chunk('IEND', Buffer.alloc(0))])
}

/** Waits until the <img> has loaded and decoded; returns its natural width (0 means it failed). */
async function imageWidth(page: Page, selector: string): Promise<number> {
  return page.locator(selector).first().evaluate(async (img: HTMLImageElement) => {
    img.loading = 'eager'
    if (!img.complete) await new Promise((r) => { img.addEventListener('load', r, { once: true }); img.addEventListener('error', r, { once: true }) })
    return img.naturalWidth
  })
}

forEachDatabase('inbox in the browser', (kind) => {
  const t = useTestApp(kind, { listen: true, jobs: true })
  const screenshots = kind === DATABASES[0]
  let emu: RunningEmulator
  let b: BrowserSession
  let page: Page
  let biz: { businessId: string; apiKey: string }
  let num: EmulatorNumber
  let memberId: string
  const email = `ana.${Math.random().toString(36).slice(2, 8)}@example.com`
  const password = 'correct horse battery'
  const customer = { phone: customerPhone(), name: 'Maria Santos' }
  const lapsed = { phone: customerPhone(), name: 'Lena Fischer' }
  let conversationId = ''

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await t().request(method, path, { key: biz.apiKey, body })
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`)
    return res.body.data
  }

  beforeAll(async () => {
    emu = await startEmulatorFor()
    biz = await t().seedBusiness('Acme Shoes')
    num = await connectEmulatorNumber(t(), emu, biz.businessId, { name: 'Support', isDefault: true })
    const member = await api('POST', '/v1/team/members', { name: 'Ana Lima', email, role: 'admin', password })
    memberId = member.id
    await api('POST', '/v1/team/members', { name: 'Ben Okafor', email: `ben.${memberId.slice(-6)}@example.com`, role: 'agent', password })
    await api('POST', '/v1/contact-fields', { key: 'order_count', label: 'Orders', type: 'number' })
    await api('POST', '/v1/contact-fields', { key: 'plan', label: 'Plan', type: 'enum', options: ['free', 'pro'] })
    await api('POST', '/v1/tags', { name: 'vip' })
    // A template the emulator approves within moments.
    const tpl = await api('POST', '/v1/templates', {
      name: 'order_update',
      language: 'en_US',
      category: 'UTILITY',
      body: 'Hi {{first_name}}, your order {{order_id}} has shipped and arrives tomorrow.',
      examples: { first_name: 'Maria', order_id: 'A-1042' },
    })
    await waitFor(async () => (await api('GET', `/v1/templates/${tpl.id}`)).status === 'APPROVED', 8000, 'template approval')
    // Some other conversations, so the list looks like a working day.
    for (const [name, text] of [
      ['Jonas Weber', 'Do you ship to Germany?'],
      ['Priya Shah', 'Thanks, the shoes fit perfectly! 👟'],
    ] as const) {
      await customerWrites(emu, num, customerPhone(), { type: 'text', text, name })
    }
    // A customer whose window has closed: on WhatsApp's (the emulator's) clock they wrote 25 hours ago.
    await emulatorPost(emu.url, '/_emulator/clock', { offset_seconds: -DAY_PLUS })
    try {
      await customerWrites(emu, num, lapsed.phone, { type: 'text', text: 'Is the blue pair back in stock?', name: lapsed.name })
    } finally {
      await emulatorPost(emu.url, '/_emulator/clock', { offset_seconds: 0 })
    }
    b = await openBrowser(t().url)
    page = b.page
  }, 60_000)

  // A failing step leaves a picture of what the page showed, which says more than a timeout.
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page) {
      await page.screenshot({ path: `test-output/inbox/FAILED-${kind}-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}.png` }).catch(() => {})
    }
  })

  afterAll(async () => {
    await b?.close()
    await emu?.close()
  })

  test('signs in with email and password', async () => {
    await page.goto('/')
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    await shot(page, 'login', screenshots)
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill('wrong password!')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('alert').filter({ hasText: 'The email or password is not right' }).waitFor()
    await page.getByLabel('Password').fill(password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Inbox' }).waitFor()
    assert.equal(new URL(page.url()).pathname, '/inbox')
    await page.locator('.live-dot.live-live').waitFor()
  })

  test('a customer writes in and the message appears live, with its unread badge', async () => {
    await waitFor(async () => (await page.locator('.conv').count()) >= 2, 8000, 'the seeded conversations')
    await customerWrites(emu, num, customer.phone, { type: 'text', text: 'Hi! Where is my order #A-1042?\nIt was due yesterday.', name: customer.name })
    const item = page.locator('.conv', { hasText: customer.name })
    await item.waitFor({ timeout: 8000 })
    await item.locator('.unread-badge').waitFor()
    assert.match(await item.innerText(), /Where is my order/)
    conversationId = (await item.getAttribute('data-conversation-id')) as string
    await item.click()
    await page.getByRole('heading', { name: customer.name }).waitFor()
    await page.locator('.msg-in', { hasText: 'It was due yesterday.' }).waitFor()
    // Opening it reads it: the badge goes, and the API agrees.
    await item.locator('.unread-badge').waitFor({ state: 'detached' })
    await waitFor(async () => (await api('GET', `/v1/messaging/conversations/${conversationId}`)).unread_count === 0, 5000, 'unread reset')
  })

  test('a reply goes out on Enter and its ticks go to read', async () => {
    const box = page.getByLabel('Reply', { exact: true })
    await box.fill('Sorry about that, Maria!')
    await box.press('Shift+Enter')
    await box.pressSequentially('Let me check with the warehouse. https://acme.example/track')
    await box.press('Enter')
    const out = page.locator('.msg-row.msg-out', { hasText: 'Let me check with the warehouse' })
    await out.waitFor()
    assert.equal(await box.inputValue(), '')
    await page.locator('.msg-row.msg-out[data-status="read"]', { hasText: 'Let me check' }).waitFor({ timeout: 10_000 })
    await out.locator('.ticks-read').waitFor()
    assert.equal(await out.locator('a[href="https://acme.example/track"]').count(), 1)
    // The customer answers by quoting our reply.
    const msgs = await api('GET', `/v1/messaging/conversations/${conversationId}/messages`)
    const ours = msgs.find((m: { direction: string }) => m.direction === 'outbound')
    await customerWrites(emu, num, customer.phone, { type: 'text', text: 'Great, thank you 🙏', context: { message_id: ours.provider_message_id } })
    const answer = page.locator('.msg-row.msg-in', { hasText: 'Great, thank you' })
    await answer.waitFor({ timeout: 8000 })
    await shot(page, 'inbox-thread', screenshots)
  })

  test('an attached photo goes out by media_id and shows inline; a photo from the customer shows inline too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-attach-'))
    const file = join(dir, 'receipt.png')
    writeFileSync(file, pngBytes(64, 48))
    await page.getByLabel('File to attach').setInputFiles(file)
    await page.locator('.composer-file', { hasText: 'receipt.png' }).waitFor()
    const box = page.getByLabel('Reply', { exact: true })
    await box.fill('Here is your receipt')
    await box.press('Enter')
    await page.locator('.composer-file').waitFor({ state: 'detached' })
    // The emulator (WhatsApp) got an image message by media id, with the caption.
    const sent = await waitFor(
      async () => (await emulatorOutbox(emu, { to: customer.phone.replace(/\D/g, '') })).find((e) => e.type === 'image') ?? null,
      8000,
      'the image at the emulator',
    )
    const image = sent.body.image as { id?: string; caption?: string }
    assert.equal(typeof image.id, 'string')
    assert.equal(image.caption, 'Here is your receipt')
    // The thread shows it inline, served by /v1/media/<id> with the session cookie.
    const msgs = await api('GET', `/v1/messaging/conversations/${conversationId}/messages`)
    const ours = msgs.find((m: { direction: string; message_type: string }) => m.direction === 'outbound' && m.message_type === 'image')
    assert.ok(ours, 'the outbound image message')
    const row = page.locator(`.msg-row.msg-out[data-message-id="${ours.id}"]`)
    await row.locator('img').waitFor()
    const src = (await row.locator('img').getAttribute('src')) as string
    assert.match(src, /^\/v1\/media\/[0-9a-f-]{36}$/)
    assert.equal(await imageWidth(page, `.msg-row[data-message-id="${ours.id}"] img`), 64)
    await row.locator('.msg-caption, .msg-text', { hasText: 'Here is your receipt' }).waitFor()
    // The customer sends a photo back.
    const inbound = await customerWrites(emu, num, customer.phone, {
      type: 'image',
      data_base64: pngBytes(40, 30).toString('base64'),
      mime_type: 'image/png',
      caption: 'This is the box it came in',
    })
    assert.ok(inbound.media_id)
    const theirs = page.locator('.msg-row.msg-in', { hasText: 'This is the box it came in' })
    await theirs.waitFor({ timeout: 8000 })
    const theirSrc = (await theirs.locator('img').getAttribute('src')) as string
    assert.match(theirSrc, /^\/v1\/media\/[^/]+$/)
    const id = await theirs.getAttribute('data-message-id')
    assert.equal(await imageWidth(page, `.msg-row[data-message-id="${id}"] img`), 40)
    await shot(page, 'attachments', screenshots)
  })

  test('assigns the conversation and tags the contact from the sidebar; a bad field value shows the API message', async () => {
    await page.getByLabel('Assignee').selectOption({ label: 'Ana Lima' })
    await waitFor(async () => (await api('GET', `/v1/messaging/conversations/${conversationId}`)).assignee_id === memberId, 5000, 'assignment')
    await page.getByLabel('Status', { exact: true }).selectOption('pending')
    await waitFor(async () => (await api('GET', `/v1/messaging/conversations/${conversationId}`)).status === 'pending', 5000, 'status')
    await page.getByLabel('Status', { exact: true }).selectOption('open')
    await page.getByLabel('New tag').fill('vip')
    await page.getByRole('button', { name: 'Add tag' }).click()
    await page.locator('.tag-list .tag', { hasText: 'vip' }).waitFor()
    const conv = await api('GET', `/v1/messaging/conversations/${conversationId}`)
    await waitFor(async () => ((await api('GET', `/v1/contacts/${conv.contact_id}`)).tags as string[]).includes('vip'), 5000, 'tag')
    // A number field refuses words, and the page shows the API's own sentence.
    const orders = page.getByLabel(/Orders/)
    await orders.fill('lots')
    await orders.press('Enter')
    const err = page.locator('.cf .field-error')
    await err.waitFor()
    assert.match(await err.innerText(), /order_count/i)
    await orders.fill('3')
    await orders.press('Enter')
    await err.waitFor({ state: 'detached' })
    await waitFor(async () => (await api('GET', `/v1/contacts/${conv.contact_id}`)).fields.order_count === 3, 5000, 'field saved')
    // Mine now lists it.
    await page.getByRole('tab', { name: 'Mine' }).click()
    // The All list stays on screen until Mine's answer replaces it.
    await waitFor(async () => (await page.locator('.convs-body[aria-busy="false"] .conv').count()) === 1, 5000, 'Mine lists one conversation')
    await page.locator('.conv', { hasText: customer.name }).waitFor()
    await page.getByRole('tab', { name: 'All' }).click()
    await shot(page, 'inbox', screenshots)
  })

  test('a send to a phone that is not on WhatsApp fails and says why', async () => {
    const phone = customerPhone()
    await customerWrites(emu, num, phone, { type: 'text', text: 'Can you call me back?', name: 'Tom Novak' })
    await emulatorPost(emu.url, '/_emulator/config', { not_on_whatsapp: [phone] }, 'PATCH')
    try {
      await page.locator('.conv', { hasText: 'Tom Novak' }).click()
      await page.getByRole('heading', { name: 'Tom Novak' }).waitFor()
      const box = page.getByLabel('Reply', { exact: true })
      await box.fill('Sure, calling you in 5 minutes.')
      await box.press('Enter')
      const failed = page.locator('.msg-row.msg-out[data-status="failed"]')
      await failed.waitFor({ timeout: 10_000 })
      const reason = await failed.locator('.msg-failure').innerText()
      assert.match(reason, /^Not delivered: The message could not be delivered to this recipient \(not on WhatsApp/)
      assert.match(reason, /WhatsApp error 131026/)
      await shot(page, 'failed-send', screenshots)
    } finally {
      await emulatorPost(emu.url, '/_emulator/config', { not_on_whatsapp: [] }, 'PATCH')
    }
  })

  test('when the window has closed, the reply box says since when and a template goes out', async () => {
    const item = page.locator('.conv', { hasText: lapsed.name })
    await item.waitFor({ timeout: 8000 })
    await item.click()
    await page.getByRole('heading', { name: lapsed.name }).waitFor()
    const closed = page.locator('.window-closed')
    await closed.waitFor()
    assert.match(await closed.innerText(), /window is closed\s+since .*\(1 hour ago\)/i)
    assert.equal(await page.getByLabel('Reply', { exact: true }).count(), 0)
    await page.getByRole('button', { name: 'Choose a template' }).click()
    await page.getByLabel('Template', { exact: true }).selectOption({ label: 'order_update · en_US · utility' })
    // first_name is prefilled from the customer's name; order_id is ours to fill.
    assert.equal(await page.getByLabel('Variable first_name').inputValue(), 'Lena')
    await page.getByLabel('Variable order_id').fill('B-2077')
    await page.locator('.template-preview', { hasText: 'Hi Lena, your order B-2077 has shipped' }).waitFor()
    await shot(page, 'template-picker', screenshots)
    await page.getByRole('button', { name: 'Send template' }).click()
    const sent = page.locator('.msg-row.msg-out', { hasText: 'your order B-2077 has shipped' })
    await sent.waitFor({ timeout: 8000 })
    await sent.locator('.msg-template-label').waitFor()
    await page.locator('.msg-row.msg-out[data-status="read"]', { hasText: 'B-2077 has shipped' }).waitFor({ timeout: 10_000 })
    // Still closed: a template does not reopen the window, only the customer does.
    await page.locator('.window-closed').waitFor()
  })

  test('a broadcast to a tagged audience is created from the page, started, and reaches completed', async () => {
    const tagged = ['Olivia Brown', 'Noah Schmidt', 'Amara Diallo']
    for (const name of tagged) {
      await api('POST', '/v1/contacts', { phone: customerPhone(), name, first_name: name.split(' ')[0], tags: ['spring'] })
    }
    await page.getByRole('link', { name: 'Broadcasts' }).click()
    await page.getByRole('heading', { name: 'Broadcasts' }).waitFor()
    await page.getByRole('button', { name: 'New broadcast' }).click()
    const form = page.getByRole('form', { name: 'New broadcast' })
    await form.getByLabel('Name', { exact: true }).fill('Spring restock')
    await form.getByLabel('Template', { exact: true }).selectOption({ label: 'order_update · en_US' })
    await form.locator('label.tag-choice', { hasText: 'spring' }).click()
    await form.getByText('About 3 recipients').waitFor()
    await form.getByLabel('first_name', { exact: true }).fill('{{contact.first_name}}')
    await form.getByLabel('order_id', { exact: true }).fill('SPRING-24')
    await form.locator('.template-preview', { hasText: 'your order SPRING-24 has shipped' }).waitFor()
    await page.getByRole('button', { name: 'Create draft' }).click()
    await page.getByRole('status').filter({ hasText: 'This audience has 3 recipients right now.' }).waitFor()
    await page.getByRole('button', { name: 'Done' }).click()
    const card = page.getByRole('article', { name: 'Broadcast Spring restock' })
    await card.locator('[data-status="draft"], .badge', { hasText: 'Draft' }).first().waitFor()
    await card.getByRole('button', { name: 'Start' }).click()
    await page.locator('.broadcast[data-status="completed"]', { hasText: 'Spring restock' }).waitFor({ timeout: 20_000 })
    await waitFor(async () => (await card.getByRole('progressbar').getAttribute('aria-valuenow')) === '100', 5000, 'progress at 100%')
    const list = await api('GET', '/v1/broadcasts')
    const bc = list.find((x: { name: string }) => x.name === 'Spring restock')
    assert.equal(bc.status, 'completed')
    assert.equal(bc.counts.total, 3)
    assert.equal(bc.counts.failed + bc.counts.skipped, 0)
    const outbox = await emulatorOutbox(emu)
    assert.equal(outbox.filter((e) => e.type === 'template' && JSON.stringify(e.body).includes('SPRING-24')).length, 3)
    await shot(page, 'broadcasts', screenshots)
  })

  test('the other pages: contacts, templates, broadcasts, settings', async () => {
    await page.getByRole('link', { name: 'Contacts' }).click()
    await page.getByRole('heading', { name: 'Contacts' }).waitFor()
    await page.locator('table tbody tr', { hasText: customer.name }).waitFor()
    await page.getByLabel('Filter by tag').selectOption({ label: 'vip (1)' })
    await waitFor(async () => (await page.locator('table tbody tr').count()) === 1, 5000, 'tag filter')
    await page.getByLabel('Filter by tag').selectOption('')
    await shot(page, 'contacts', screenshots)

    await page.getByRole('link', { name: 'Templates' }).click()
    await page.locator('.template-card', { hasText: 'order_update' }).waitFor()
    await page.getByRole('button', { name: 'New template' }).click()
    await page.getByLabel('Name', { exact: true }).fill('welcome_back')
    await page.getByLabel('Body', { exact: true }).fill('Welcome back, {{first_name}}! Your code is {{code}}.')
    await page.getByLabel('code', { exact: true }).fill('SPRING10')
    await page.locator('.phone-preview', { hasText: 'Welcome back, Maria! Your code is SPRING10.' }).waitFor()
    await shot(page, 'templates', screenshots)
    await page.getByRole('button', { name: 'Submit for review' }).click()
    await page.locator('.template-card', { hasText: 'welcome_back' }).waitFor()

    await page.getByRole('link', { name: 'Broadcasts' }).click()
    await page.getByRole('heading', { name: 'Broadcasts' }).waitFor()
    await page.locator('.broadcast', { hasText: 'Spring restock' }).waitFor()

    await page.getByRole('link', { name: 'Settings' }).click()
    await page.locator('.card', { hasText: num.displayPhone }).waitFor()
    await page.getByRole('link', { name: 'Team' }).click()
    await page.locator('table', { hasText: 'Ben Okafor' }).waitFor()
    await shot(page, 'settings', screenshots)
    // An admin is not an owner: API keys are off limits and the page says so.
    await page.getByRole('link', { name: 'API keys' }).click()
    await page.locator('.role-note', { hasText: 'Only owners manage API keys' }).waitFor()
  })

  test('at 390 px wide the list and the thread are separate views', async () => {
    await page.setViewportSize({ width: 390, height: 844 })
    await page.goto('/inbox')
    const item = page.locator('.conv', { hasText: customer.name })
    await item.waitFor()
    assert.equal(await page.locator('.thread').count(), 0)
    await shot(page, 'narrow-list', screenshots)
    await item.click()
    await page.getByRole('button', { name: 'Back to conversations' }).waitFor()
    assert.equal(await page.locator('.convs').count(), 0)
    await page.locator('.msg-row', { hasText: 'Great, thank you' }).waitFor()
    await shot(page, 'narrow-thread', screenshots)
    await page.getByRole('button', { name: 'Back to conversations' }).click()
    await page.locator('.convs').waitFor()
    await page.setViewportSize({ width: 1280, height: 800 })
  })

  test('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    const me = await page.evaluate(async () => (await fetch('/v1/auth/me')).status)
    assert.equal(me, 401)
  })
})

export type { TestApp }
