// `tasksynth schedule trigger NAME`: fire once now, as the timetable would (a paused schedule fires too).
import type { CommandModule } from 'yargs';
import { overlapPolicy } from '../../../client/schedules.js';
import { nameArgument, withScheduleClient } from './schedule-client.js';

export const scheduleTriggerCommand: CommandModule<object, { name: string; overlap?: string }> = {
  command: 'trigger <name>',
  describe: 'Fire a schedule once, now',
  builder: (y) =>
    nameArgument(y).option('overlap', { type: 'string', choices: ['skip', 'buffer-one', 'allow'], describe: 'override the overlap policy for this firing' }) as never,
  handler: async (args) => {
    const overlap = args.overlap === undefined ? undefined : overlapPolicy(args.overlap);
    await withScheduleClient(async (client) => {
      const handle = client.schedule.getHandle(args.name);
      // Without --overlap, the schedule's own policy applies (the SDK's default would let firings overlap).
      await handle.trigger(overlap ?? (await handle.describe()).policies.overlap);
      console.log(`schedule ${args.name} triggered; \`tasksynth schedule describe ${args.name}\` shows the firing`);
    });
  },
};
