import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

// Prometheus text exposition, no dependency: request counts and duration histograms by route and
// status, plus gauges other areas register (queue depths) with `registerGauge`.

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

interface Series {
  count: number
  sum: number
  buckets: number[]
}

export type GaugeCollector = () => Promise<Array<{ labels: Record<string, string>; value: number }>>
const gauges = new Map<string, { help: string; collect: GaugeCollector }>()

export function registerGauge(name: string, help: string, collect: GaugeCollector): void {
  gauges.set(name, { help, collect })
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
const labelText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${esc(v)}"`)
    .join(',')

export const metricsPlugin = fp(
  async (app: FastifyInstance) => {
    const series = new Map<string, Series>()
    app.addHook('onResponse', async (req, reply) => {
      const route = req.routeOptions.url ?? 'unmatched'
      const key = `${req.method} ${route} ${reply.statusCode}`
      let s = series.get(key)
      if (!s) {
        s = { count: 0, sum: 0, buckets: BUCKETS.map(() => 0) }
        series.set(key, s)
      }
      const seconds = reply.elapsedTime / 1000
      s.count++
      s.sum += seconds
      for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]) s.buckets[i]++
    })

    app.get('/metrics', { config: { public: true, rateLimit: false }, schema: { hide: true } }, async (_req, reply) => {
      const lines: string[] = [
        '# HELP switchboard_http_requests_total HTTP requests by method, route and status.',
        '# TYPE switchboard_http_requests_total counter',
      ]
      const hist: string[] = [
        '# HELP switchboard_http_request_duration_seconds HTTP request duration by method, route and status.',
        '# TYPE switchboard_http_request_duration_seconds histogram',
      ]
      for (const [key, s] of series) {
        const [method, route, status] = key.split(' ')
        const l = labelText({ method, route, status })
        lines.push(`switchboard_http_requests_total{${l}} ${s.count}`)
        BUCKETS.forEach((b, i) => hist.push(`switchboard_http_request_duration_seconds_bucket{${l},le="${b}"} ${s.buckets[i]}`))
        hist.push(`switchboard_http_request_duration_seconds_bucket{${l},le="+Inf"} ${s.count}`)
        hist.push(`switchboard_http_request_duration_seconds_sum{${l}} ${s.sum}`)
        hist.push(`switchboard_http_request_duration_seconds_count{${l}} ${s.count}`)
      }
      const mem = process.memoryUsage()
      const out = [...lines, ...hist, '# HELP switchboard_process_resident_memory_bytes Resident set size.', '# TYPE switchboard_process_resident_memory_bytes gauge', `switchboard_process_resident_memory_bytes ${mem.rss}`]
      for (const [name, g] of gauges) {
        out.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`)
        try {
          for (const v of await g.collect()) out.push(`${name}${Object.keys(v.labels).length ? `{${labelText(v.labels)}}` : ''} ${v.value}`)
        } catch (err) {
          app.log.warn({ err, gauge: name }, 'metrics gauge failed')
        }
      }
      reply.type('text/plain; version=0.0.4').send(out.join('\n') + '\n')
    })
  },
  { name: 'switchboard-metrics' },
)
