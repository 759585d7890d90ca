// Browser test support: Debian's Chromium driven by playwright-core, a fresh web build when the
// sources changed, and screenshots into test-output/ (git-ignored).
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { buildWeb, webBuildNeeded } from '../../src/api/routes/web.js'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const SHOTS = join(process.cwd(), 'test-output', 'inbox')

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Builds web/dist when it is missing or older than web/src (a stale page would test old code). */
export async function ensureWebBuilt(): Promise<void> {
  if (!webBuildNeeded(true)) return
  const ok = await buildWeb()
  if (!ok) throw new Error('vite build of web/ failed; run `npm run build:web` to see why')
}

export interface BrowserSession {
  browser: Browser
  context: BrowserContext
  page: Page
  close(): Promise<void>
}

/** A fresh browser: launch() gives it a new temporary profile, so nothing carries over between runs. */
export async function openBrowser(baseURL: string): Promise<BrowserSession> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: 'en-GB', timezoneId: 'UTC' })
  const page = await context.newPage()
  page.setDefaultTimeout(10_000)
  return {
    browser,
    context,
    page,
    async close() {
      await context.close().catch(() => {})
      await browser.close().catch(() => {})
    },
  }
}

/** Saves a screenshot as test-output/inbox/<name>.png when `enabled` (one database run is enough). */
export async function shot(page: Page, name: string, enabled: boolean): Promise<void> {
  if (!enabled) return
  mkdirSync(SHOTS, { recursive: true })
  // Let transitions and late images settle so the picture shows the resting state.
  await page.waitForTimeout(250)
  await page.screenshot({ path: join(SHOTS, `${name}.png`) })
}

export async function emulatorPost(url: string, path: string, body: unknown, method = 'POST'): Promise<unknown> {
  const res = await fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  if (!res.ok) throw new Error(`emulator ${path}: ${res.status} ${await res.text()}`)
  return res.json()
}
