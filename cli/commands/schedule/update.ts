// `tasksynth schedule update NAME [--config FILE] [--every|--cron] [--jitter] [--overlap] [--catchup-window]
// [--export-dir]`: change what is named and keep the rest. A new config applies from the next firing on.
import type { CommandModule } from 'yargs';
import { originOf, overlapPolicy, scheduleSpec, updateSchedule, type ScheduleChanges, type Timing } from '../../../client/schedules.js';
import { UsageError } from '../../../core/usage-error.js';
import { resolve } from 'node:path';
import { jobOptions, loadJob, nameArgument, storeIdFor, timingOptions, withScheduleClient } from './schedule-client.js';

interface UpdateArgs {
  name: string;
  config?: string;
  every?: string;
  cron?: string;
  jitter?: string;
  overlap?: string;
  'catchup-window'?: string;
  'task-queue'?: string;
  'export-dir'?: string;
  'env-dir'?: string[];
  'store-id'?: string;
}

export const scheduleUpdateCommand: CommandModule<object, UpdateArgs> = {
  command: 'update <name>',
  describe: 'Change a schedule\'s config, timetable or policies (the rest stays)',
  builder: (y) =>
    nameArgument(y)
      .option('config', { type: 'string', describe: 'a new run configuration for the firings to come' })
      .options(timingOptions)
      .options({ ...jobOptions, 'task-queue': { ...jobOptions['task-queue'], default: undefined } }) as never,
  handler: async (args) => {
    const named = ['config', 'every', 'cron', 'jitter', 'overlap', 'catchup-window', 'task-queue', 'export-dir', 'store-id'].filter((k) => args[k as keyof UpdateArgs] !== undefined);
    if (named.length === 0) throw new UsageError('nothing to change: name at least one of --config, --every, --cron, --jitter, --overlap, --catchup-window, --task-queue, --export-dir, --store-id');
    const overlap = args.overlap === undefined ? undefined : overlapPolicy(args.overlap);
    await withScheduleClient(async (client) => {
      const origin = originOf(await client.schedule.getHandle(args.name).describe());
      const changes: ScheduleChanges = { overlap, catchupWindow: args['catchup-window'], origin: {} };
      if (args.config !== undefined) {
        const exportDir = args['export-dir'] ?? origin?.exportDir ?? undefined;
        const loaded = loadJob(args.name, {
          config: args.config,
          'task-queue': args['task-queue'] ?? origin?.taskQueue ?? 'tasksynth',
          'export-dir': exportDir ?? undefined,
          // The folders it was made with, unless new ones are named.
          'env-dir': args['env-dir'] ?? origin?.envDirs,
          'store-id': args['store-id'] ?? origin?.storeId,
        });
        changes.job = loaded.job;
        Object.assign(changes.origin!, loaded.origin);
      } else {
        // Without --config the job stays as stored: only its queue or export directory changes (the config file
        // is not read again, so later edits to it do not slip in).
        if (args['task-queue'] !== undefined) {
          changes.taskQueue = args['task-queue'];
          changes.origin!.taskQueue = args['task-queue'];
        }
        if (args['store-id'] !== undefined) {
          changes.storeId = storeIdFor(args['store-id']);
          changes.origin!.storeId = changes.storeId;
        }
        if (args['export-dir'] !== undefined) {
          changes.exportDir = resolve(args['export-dir']);
          changes.origin!.exportDir = changes.exportDir;
        }
      }
      if (args.every !== undefined || args.cron !== undefined || args.jitter !== undefined) {
        const timing: Timing = args.every !== undefined || args.cron !== undefined
          ? { every: args.every, cron: args.cron, jitter: args.jitter ?? origin?.jitter ?? undefined }
          : { every: origin?.every ?? undefined, cron: origin?.cron ?? undefined, jitter: args.jitter };
        scheduleSpec(timing);
        changes.timing = timing;
        Object.assign(changes.origin!, { every: timing.every ?? null, cron: timing.cron ?? null, jitter: timing.jitter ?? null });
      }
      await updateSchedule(client, args.name, changes);
      console.log(`schedule ${args.name} updated: ${named.join(', ')}`);
    });
  },
};
