// `tasksynth schedule create NAME --config FILE (--every 6h | --cron "0 3 * * *")`: a synthesis job Temporal fires
// on a timetable. Each firing is its own run: id from the schedule and fire time, seeds derived from both.
import type { CommandModule } from 'yargs';
import { createSchedule, overlapPolicy, scheduleSpec } from '../../../client/schedules.js';
import { UsageError } from '../../../core/usage-error.js';
import { ScheduleAlreadyRunning } from '@temporalio/client';
import { formatTime } from './schedule-format.js';
import { jobOptions, loadJob, nameArgument, timingOptions, withScheduleClient, type JobArgs } from './schedule-client.js';

interface CreateArgs extends JobArgs {
  name: string;
  every?: string;
  cron?: string;
  jitter?: string;
  overlap?: string;
  'catchup-window'?: string;
  paused: boolean;
  note?: string;
}

export const scheduleCreateCommand: CommandModule<object, CreateArgs> = {
  command: 'create <name>',
  describe: 'Create a schedule that runs a synthesis config at an interval or on a cron expression',
  builder: (y) =>
    nameArgument(y)
      .option('config', { type: 'string', demandOption: true, describe: 'run configuration (YAML or JSON)' })
      .options(timingOptions)
      .options(jobOptions)
      .option('paused', { type: 'boolean', default: false, describe: 'create it paused' })
      .option('note', { type: 'string', describe: 'a note shown by describe' }) as never,
  handler: async (args) => {
    // Every option and the config are checked before Temporal is contacted.
    const timing = { every: args.every, cron: args.cron, jitter: args.jitter };
    scheduleSpec(timing);
    const overlap = overlapPolicy(args.overlap ?? 'skip');
    const { job, origin } = loadJob(args.name, args);
    await withScheduleClient(async (client) => {
      const handle = await createSchedule(client, job, {
        timing,
        overlap,
        catchupWindow: args['catchup-window'],
        origin: { ...origin, every: args.every ?? null, cron: args.cron ?? null, jitter: args.jitter ?? null },
        paused: args.paused,
        note: args.note,
      }).catch((error: unknown) => {
        if (error instanceof ScheduleAlreadyRunning) {
          throw new UsageError(`a schedule named ${JSON.stringify(args.name)} already exists (change it with \`schedule update\`, or \`schedule delete\` it first)`);
        }
        throw error;
      });
      const next = (await handle.describe()).info.nextActionTimes[0];
      console.log(`schedule ${args.name} created: ${args.every ? `every ${args.every}` : `cron "${args.cron}"`}${args.paused ? ' (paused)' : ''}`);
      console.log(`  config ${origin.configFile}: ${job.config.families.map((f) => f.name).join(', ')}`);
      console.log(`  next firing: ${next ? formatTime(next) : 'none'}; runs are named ${args.name}-<fire time>`);
      if (job.exportDir) console.log(`  each firing exports to ${job.exportDir}/<run id>.openai-chat.jsonl`);
      console.log(`  a worker must serve task queue ${job.taskQueue} with store ${job.storeId} and model ${job.engineFingerprint}: tasksynth worker --store`);
    });
  },
};
