import { spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync } from 'fastify'
import type { Logger } from 'pino'

// The inbox page: the files Vite builds into web/dist, served at `/`. Paths the page's router owns
// (/inbox/…, /contacts, …) get index.html; the API's own prefixes never do, so an unknown /v1 path
// still answers the API's JSON 404.

export const WEB_ROOT = fileURLToPath(new URL('../../../web/', import.meta.url))
export const WEB_DIST = join(WEB_ROOT, 'dist')
const PROJECT_ROOT = join(WEB_ROOT, '..')

const RESERVED = ['/v1', '/docs', '/openapi.json', '/webhooks', '/mcp', '/healthz', '/readyz', '/metrics', '/_local', '/api/']
const isReserved = (path: string) => RESERVED.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`))

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Switchboard</title>
<body style="font:16px system-ui;margin:4rem auto;max-width:36rem;color:#1f2937">
<h1>The inbox is not built yet</h1><p>Run <code>npm run build:web</code> (or <code>npm install</code>) and reload.
The API is up: see <a href="/docs">/docs</a>.</p>`

export const webRoutes: FastifyPluginAsync = async (app) => {
  // serve: false — we route ourselves, so no wildcard of the plugin's can shadow API paths.
  await app.register(fastifyStatic, { root: WEB_DIST, serve: false })

  app.get(
    '/*',
    { config: { public: true, rateLimit: false }, schema: { hide: true } },
    async (req, reply) => {
      let path: string
      try {
        path = decodeURIComponent(req.url.split('?')[0] ?? '/')
      } catch {
        return reply.callNotFound()
      }
      if (isReserved(path)) return reply.callNotFound()
      if (!existsSync(join(WEB_DIST, 'index.html'))) return reply.type('text/html; charset=utf-8').send(NOT_BUILT)
      const rel = normalize(path).replace(/^([/\\])+/, '')
      const file = join(WEB_DIST, rel)
      if (rel && file.startsWith(WEB_DIST + sep) && existsSync(file) && statSync(file).isFile()) {
        // Vite fingerprints everything under assets/, so those can be cached forever.
        const immutable = rel.startsWith('assets/')
        return reply.sendFile(rel, { immutable, maxAge: immutable ? '365d' : 0, cacheControl: true })
      }
      // Unknown file-looking paths (favicon.png, x.js) are real 404s; everything else is a page route.
      if (/\.[a-z0-9]{1,8}$/i.test(rel)) return reply.callNotFound()
      reply.header('cache-control', 'no-cache')
      return reply.sendFile('index.html', { cacheControl: false })
    },
  )
}

/** Newest modification time under `dir` (recursively), in ms. */
function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return newest
}

/** True when web/dist is missing, or (with `checkSources`) older than a file in web/src. */
export function webBuildNeeded(checkSources = false): boolean {
  const index = join(WEB_DIST, 'index.html')
  if (!existsSync(index)) return true
  if (!checkSources) return false
  const built = statSync(index).mtimeMs
  return newestMtime(join(WEB_ROOT, 'src')) > built || statSync(join(WEB_ROOT, 'index.html')).mtimeMs > built
}

/**
 * Builds the page with Vite in a child process (keeps the bundler out of the server's memory).
 * Resolves false, with a warning, when Vite is not installed (a production install without dev
 * dependencies must ship web/dist) or the build fails: the API still starts.
 */
export function buildWeb(log?: Pick<Logger, 'info' | 'warn'>): Promise<boolean> {
  const vite = join(PROJECT_ROOT, 'node_modules', 'vite', 'bin', 'vite.js')
  if (!existsSync(vite)) {
    log?.warn('web/dist is missing and Vite is not installed; the inbox page will not be served until it is built')
    return Promise.resolve(false)
  }
  log?.info('building the inbox page (web/dist)…')
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [vite, 'build', '--config', join(WEB_ROOT, 'vite.config.ts'), '--logLevel', 'warn'], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', (e) => {
      log?.warn({ err: e }, 'could not build the inbox page')
      resolve(false)
    })
    child.on('exit', (code) => {
      if (code !== 0) log?.warn({ stderr: err.slice(-2000) }, 'building the inbox page failed')
      resolve(code === 0)
    })
  })
}
