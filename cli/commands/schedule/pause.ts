// `tasksynth schedule pause|unpause NAME [--note TEXT]`: stop or resume a schedule's firings; runs already going
// carry on. The note says why, for whoever looks next (`describe` shows it).
import type { CommandModule } from 'yargs';
import { nameArgument, withScheduleClient } from './schedule-client.js';

interface PauseArgs {
  name: string;
  note?: string;
}

const pauseCommand = (verb: 'pause' | 'unpause'): CommandModule<object, PauseArgs> => ({
  command: `${verb} <name>`,
  describe: verb === 'pause' ? 'Pause a schedule (running firings carry on)' : 'Resume a paused schedule',
  builder: (y) => nameArgument(y).option('note', { type: 'string', describe: 'why (shown by describe)' }) as never,
  handler: async (args) => {
    await withScheduleClient(async (client) => {
      const handle = client.schedule.getHandle(args.name);
      const note = args.note ?? `${verb}d with tasksynth at ${new Date().toISOString()}`;
      await (verb === 'pause' ? handle.pause(note) : handle.unpause(note));
      console.log(`schedule ${args.name} ${verb}d (note: ${note})`);
    });
  },
});

export const schedulePauseCommand = pauseCommand('pause');
export const scheduleUnpauseCommand = pauseCommand('unpause');
