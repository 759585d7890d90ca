import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'

/** A local HTTP server that records what it receives and answers as the test says. */
export interface Receiver {
  url: string
  received: Array<{ headers: IncomingHttpHeaders; body: string; at: number }>
  /** Decides the status of the next answer (default 200). */
  respond: (n: number) => number | { status: number; headers?: Record<string, string> }
  close(): Promise<void>
}

export async function startReceiver(): Promise<Receiver> {
  const r: Receiver = { url: '', received: [], respond: () => 200, close: async () => {} }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      r.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() })
      const answer = r.respond(r.received.length)
      const { status, headers } = typeof answer === 'number' ? { status: answer, headers: {} } : answer
      res.writeHead(status, headers).end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const addr = server.address()
  r.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
  r.close = () => new Promise<void>((resolve) => server.close(() => resolve()))
  return r
}

/** Polls until `check` returns a truthy value, or fails after `ms`. */
export async function waitFor<T>(check: () => T | Promise<T>, ms = 15_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await check()
    if (v) return v as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}
