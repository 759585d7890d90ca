import { join } from 'node:path'
import { loadConfig } from '../config.js'
import { migrate, openDatabase } from '../store/index.js'
import { println } from './output.js'

export async function migrateCommand(): Promise<void> {
  const config = loadConfig()
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: join(config.dataDir, 'pglite'),
    poolSize: 2,
  })
  try {
    await migrate(database)
    println(`Migrations applied (${database.kind}).`)
  } finally {
    await database.close()
  }
}
