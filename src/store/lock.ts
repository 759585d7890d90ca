import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { hostname } from 'node:os'

// PGlite is one process's database: a second process opening the same folder would corrupt it.
// A lock file holding our pid guards the folder; a lock whose process is gone is taken over.

export interface DataDirLock {
  path: string
  release(): void
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The data folder ${dataDir} is in use by another Switchboard process (pid ${pid}). ` +
        'Stop that process first, or point SWITCHBOARD_DATA_DIR at another folder, or use DATABASE_URL for a Postgres server that several processes can share.',
    )
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function acquireDataDirLock(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true })
  const path = join(dataDir, 'switchboard.lock')
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx')
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() }))
      closeSync(fd)
      let released = false
      return {
        path,
        release() {
          if (released) return
          released = true
          rmSync(path, { force: true })
        },
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    let holder: { pid?: number; host?: string } = {}
    try {
      holder = JSON.parse(readFileSync(path, 'utf8'))
    } catch {
      // A half-written or empty lock file belongs to a process that died while writing it.
    }
    const pid = typeof holder.pid === 'number' ? holder.pid : 0
    const sameHost = !holder.host || holder.host === hostname()
    if (pid > 0 && pid !== process.pid && sameHost && isAlive(pid)) throw new DataDirLockedError(dataDir, pid)
    if (pid === process.pid) throw new DataDirLockedError(dataDir, pid)
    rmSync(path, { force: true })
  }
  throw new Error(`Could not take the lock on ${dataDir}`)
}
