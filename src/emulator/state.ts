import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { DEFAULT_CONFIG, cloneConfig, mergeConfig } from './config.js'
import type { BusinessNumber, EmulatorConfig, Fault, MediaMeta, OutboxEntry, Template } from './types.js'

/** What survives a restart: enough that approved templates and open windows are still there. */
interface PersistedState {
  version: 1
  numbers: BusinessNumber[]
  templates: Template[]
  media: MediaMeta[]
  /** `${phone_number_id}:${wa_id}` → epoch ms on the emulator clock. */
  last_inbound: Record<string, number>
  clock_offset_seconds: number
  config: EmulatorConfig
}

const OUTBOX_CAP = 20_000

export const pairKey = (phoneNumberId: string, waId: string): string => `${phoneNumberId}:${waId}`

export class EmulatorState {
  numbers = new Map<string, BusinessNumber>()
  templates = new Map<string, Template>()
  media = new Map<string, MediaMeta>()
  private mediaBytes = new Map<string, Buffer>()
  lastInbound = new Map<string, number>()
  conversations = new Map<string, { id: string; expiresAtMs: number; category: string }>()
  outbox: OutboxEntry[] = []
  outboxByWamid = new Map<string, OutboxEntry>()
  faults: Fault[] = []
  config: EmulatorConfig
  clockOffsetSeconds = 0

  private saveTimer: NodeJS.Timeout | null = null
  private saving: Promise<void> = Promise.resolve()

  constructor(
    private readonly baseConfig: EmulatorConfig,
    private readonly stateFile: string | undefined,
    private readonly saveDebounceMs: number,
  ) {
    this.config = cloneConfig(baseConfig)
  }

  /** Loads the state file if there is one; a missing file is a fresh start, a corrupt one is an error. */
  load(): void {
    if (!this.stateFile || !existsSync(this.stateFile)) return
    const parsed = JSON.parse(readFileSync(this.stateFile, 'utf8')) as Partial<PersistedState>
    for (const n of parsed.numbers ?? []) this.numbers.set(n.phone_number_id, n)
    for (const t of parsed.templates ?? []) this.templates.set(t.id, t)
    for (const m of parsed.media ?? []) this.media.set(m.id, m)
    for (const [k, v] of Object.entries(parsed.last_inbound ?? {})) this.lastInbound.set(k, v)
    this.clockOffsetSeconds = parsed.clock_offset_seconds ?? 0
    // Stored config is applied over the caller's defaults so new keys get their default value.
    if (parsed.config) this.config = mergeConfig(this.baseConfig, parsed.config)
  }

  /** Debounced: a burst of changes costs one write. */
  changed(): void {
    if (!this.stateFile || this.saveTimer) return
    this.saveTimer = setTimeout(() => { this.saveTimer = null; void this.flush() }, this.saveDebounceMs)
  }

  async flush(): Promise<void> {
    if (!this.stateFile) return
    if (this.saveTimer) { clearTimeout(this.saveTimer); this.saveTimer = null }
    const file = this.stateFile
    const snapshot: PersistedState = {
      version: 1,
      numbers: [...this.numbers.values()],
      templates: [...this.templates.values()],
      media: [...this.media.values()],
      last_inbound: Object.fromEntries(this.lastInbound),
      clock_offset_seconds: this.clockOffsetSeconds,
      config: this.config,
    }
    // Writes are chained so an older snapshot can never land after a newer one.
    this.saving = this.saving.then(async () => {
      await mkdir(dirname(file), { recursive: true })
      const tmp = `${file}.${process.pid}.tmp`
      await writeFile(tmp, JSON.stringify(snapshot))
      await rename(tmp, file)
    })
    await this.saving
  }

  private mediaDir(): string | null {
    return this.stateFile ? `${this.stateFile}.media` : null
  }

  async putMedia(meta: MediaMeta, bytes: Buffer): Promise<void> {
    this.media.set(meta.id, meta)
    this.mediaBytes.set(meta.id, bytes)
    const dir = this.mediaDir()
    if (dir) {
      await mkdir(dir, { recursive: true })
      await writeFile(join(dir, meta.id), bytes)
    }
    this.changed()
  }

  async getMediaBytes(id: string): Promise<Buffer | null> {
    const inMemory = this.mediaBytes.get(id)
    if (inMemory) return inMemory
    const dir = this.mediaDir()
    if (!dir || !this.media.has(id)) return null
    try {
      const bytes = await readFile(join(dir, id))
      this.mediaBytes.set(id, bytes)
      return bytes
    } catch {
      return null
    }
  }

  addOutbox(entry: OutboxEntry): void {
    this.outbox.push(entry)
    this.outboxByWamid.set(entry.wamid, entry)
    // A benchmark sends tens of thousands of messages; keep memory bounded by dropping the oldest.
    if (this.outbox.length > OUTBOX_CAP) {
      const dropped = this.outbox.splice(0, this.outbox.length - OUTBOX_CAP)
      for (const d of dropped) this.outboxByWamid.delete(d.wamid)
    }
  }

  numberByDisplayPhone(phone: string): BusinessNumber | undefined {
    const digits = phone.replace(/\D/g, '')
    for (const n of this.numbers.values()) if (n.display_phone_number.replace(/\D/g, '') === digits) return n
    return undefined
  }

  numbersOfWaba(wabaId: string): BusinessNumber[] {
    return [...this.numbers.values()].filter((n) => n.waba_id === wabaId)
  }

  throughputOf(n: BusinessNumber): number {
    return n.throughput_mps ?? this.config.default_throughput_mps
  }

  reset(keepNumbers: boolean): void {
    if (!keepNumbers) this.numbers.clear()
    this.templates.clear()
    this.media.clear()
    this.mediaBytes.clear()
    this.lastInbound.clear()
    this.conversations.clear()
    this.outbox = []
    this.outboxByWamid.clear()
    this.faults = []
    this.config = cloneConfig(this.baseConfig)
    this.clockOffsetSeconds = 0
    this.changed()
  }
}

export { DEFAULT_CONFIG }
