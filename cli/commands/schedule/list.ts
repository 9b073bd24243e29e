// `tasksynth schedule list`: every synthesis schedule on the Temporal service, with its timetable and next firing.
import Table from 'cli-table3';
import type { CommandModule } from 'yargs';
import { formatTime, timetable } from './schedule-format.js';
import { tableStyle } from '../../summary-table.js';
import { withScheduleClient } from './schedule-client.js';

export const scheduleListCommand: CommandModule = {
  command: 'list',
  describe: 'List synthesis schedules',
  handler: async () => {
    await withScheduleClient(async (client) => {
      const table = new Table({ head: ['schedule', 'timetable', 'state', 'next firing', 'last firing'], style: tableStyle() });
      let count = 0;
      for await (const summary of client.schedule.list()) {
        if (summary.action?.type !== 'startWorkflow' || summary.action.workflowType !== 'scheduledRun') continue;
        // A summary carries no action input, where the timetable as given is kept: describe each one.
        const s = await client.schedule.getHandle(summary.scheduleId).describe();
        const last = s.info.recentActions.at(-1);
        table.push([
          s.scheduleId,
          timetable(s),
          s.state.paused ? `paused${s.state.note ? `: ${s.state.note}` : ''}` : 'active',
          s.info.nextActionTimes[0] ? formatTime(s.info.nextActionTimes[0]) : '-',
          last ? formatTime(last.scheduledAt) : '-',
        ]);
        count++;
      }
      console.log(count === 0 ? 'no synthesis schedules (create one with `tasksynth schedule create`)' : table.toString());
    });
  },
};
