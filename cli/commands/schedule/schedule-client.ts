// What every schedule subcommand shares: a Temporal client (TEMPORAL_ADDRESS, or the local dev server, started
// with its persistent database when it is not running), the job a config file describes, and clear errors for a
// schedule that does not exist.
import { resolve } from 'node:path';
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import type { Argv } from 'yargs';
import { checkScheduleName, type ScheduleOrigin, type ScheduledJob } from '../../../client/schedules.js';
import { UsageError } from '../../../core/usage-error.js';
import { loadConfig } from '../../../config/load-config.js';
import { statePaths } from '../../../config/paths.js';
import { Store } from '../../../data/store.js';
import { EnvironmentCatalog } from '../../../environments/catalog.js';
import { environmentRef } from '../../../environments/package.js';
import { DEFAULT_TASK_QUEUE } from '../../../worker/create-workers.js';
import { workerEngine } from '../../../worker/engine-provider.js';
import { withTemporalClient } from '../../temporal-client.js';

export function withScheduleClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  return withTemporalClient(async (client, address) => {
    try {
      return await fn(client);
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) {
        throw new UsageError(`no schedule named ${JSON.stringify(error.scheduleId)} on ${address} (see \`tasksynth schedule list\`)`);
      }
      throw error;
    }
  });
}

export const nameArgument = (y: Argv) =>
  y.positional('name', { type: 'string', demandOption: true, describe: 'the schedule\'s name (also the prefix of its run ids)' });

export interface JobArgs {
  config: string;
  'task-queue': string;
  'export-dir'?: string;
  'env-dir'?: string[];
  'store-id'?: string;
}

/** The store a schedule's firings write to: the one named, or this machine's (the default state directory). */
export function storeIdFor(named: string | undefined): string {
  if (named !== undefined) {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(named)) throw new UsageError(`--store-id ${JSON.stringify(named)}: a store id is letters, digits, '.', '_' or '-' (\`tasksynth worker --store\` prints it)`);
    return named;
  }
  const store = Store.open(statePaths.database());
  try {
    return store.storeId;
  } finally {
    store.close();
  }
}

/** The job a config file describes, checked whole before anything reaches Temporal. */
export function loadJob(name: string, args: JobArgs): { job: ScheduledJob; origin: Omit<ScheduleOrigin, 'every' | 'cron' | 'jitter'> } {
  checkScheduleName(name);
  if (args['store-id'] !== undefined) storeIdFor(args['store-id']); // its form is checked before anything is loaded
  const config = loadConfig(args.config, args['env-dir'] ?? []);
  const catalog = new EnvironmentCatalog(config.environments);
  const environments = config.families.map((f) => environmentRef(catalog.get(f.name)));
  const engine = workerEngine(config.model);
  const exportDir = args['export-dir'] === undefined ? null : resolve(args['export-dir']);
  const storeId = storeIdFor(args['store-id']);
  const job: ScheduledJob = { name, config, environments, taskQueue: args['task-queue'], engineFingerprint: engine.fingerprint, storeId, exportDir };
  const envDirs = (args['env-dir'] ?? []).map((d) => resolve(d));
  return { job, origin: { configFile: resolve(args.config), exportDir, model: engine.fingerprint, taskQueue: args['task-queue'], storeId, envDirs } };
}

export const jobOptions = {
  'task-queue': { type: 'string', default: DEFAULT_TASK_QUEUE, describe: 'the task queue the firing runs on (a worker must poll it)' },
  'export-dir': { type: 'string', describe: 'write each firing\'s accepted trajectories to DIR/RUN.openai-chat.jsonl (on the store worker\'s host)' },
  'env-dir': { type: 'string', array: true, describe: 'a folder of your own environment packages (repeatable)' },
  'store-id': { type: 'string', describe: 'the store the firings write to (default: this machine\'s; `tasksynth worker --store` prints its id)' },
} as const;

export const timingOptions = {
  every: { type: 'string', describe: 'fire at this interval, e.g. 6h or 30m' },
  cron: { type: 'string', describe: 'fire on this cron expression (UTC), e.g. "0 3 * * *"' },
  jitter: { type: 'string', describe: 'delay each firing by a random amount up to this, e.g. 5m' },
  overlap: { type: 'string', choices: ['skip', 'buffer-one', 'allow'], describe: 'when a firing is due while the last one still runs' },
  'catchup-window': { type: 'string', describe: 'after an outage, still take firings missed within this window, e.g. 1h' },
} as const;
