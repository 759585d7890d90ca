import type { Deps } from '../services/deps.js'
import { createDispatcher, registerOutboxGauges, type Dispatcher, type DispatcherOptions } from './dispatcher.js'
import { JobRunner } from './runner.js'
import { senderJob } from './senders.js'
import { broadcastJob } from './broadcasts.js'
import { webhookDelivererJob } from './webhook-deliverer.js'
import { cacheFollowersJob } from './cache-followers.js'

export { JobRunner, type Job } from './runner.js'
export type { Dispatcher, DispatcherOptions } from './dispatcher.js'

export interface JobsOptions {
  dispatcher?: DispatcherOptions
}

/** The background jobs of one process. Areas add their job here with one line. */
export function createJobs(deps: Deps, opts: JobsOptions = {}): { runner: JobRunner; dispatcher: Dispatcher } {
  const dispatcher = createDispatcher(deps, opts.dispatcher)
  registerOutboxGauges(deps)
  const runner = new JobRunner(deps.log).add(dispatcher).add(senderJob(deps)).add(broadcastJob(deps)).add(webhookDelivererJob(deps)).add(cacheFollowersJob(deps))
  return { runner, dispatcher }
}
