// `tasksynth schedule delete NAME`: no more firings. Runs already going carry on, and finished runs stay in the store.
import type { CommandModule } from 'yargs';
import { nameArgument, withScheduleClient } from './schedule-client.js';

export const scheduleDeleteCommand: CommandModule<object, { name: string }> = {
  command: 'delete <name>',
  describe: 'Delete a schedule (running firings carry on; stored runs stay)',
  builder: (y) => nameArgument(y) as never,
  handler: async (args) => {
    await withScheduleClient(async (client) => {
      await client.schedule.getHandle(args.name).delete();
      console.log(`schedule ${args.name} deleted`);
    });
  },
};
