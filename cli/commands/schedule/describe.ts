// `tasksynth schedule describe NAME`: the timetable, the next firings, and each recent firing's run with its
// outcome; then the latest finished firing's summary tables.
import Table from 'cli-table3';
import type { CommandModule } from 'yargs';
import { originOf, recentFirings } from '../../../client/schedules.js';
import { formatTime, timetable } from './schedule-format.js';
import { tableStyle } from '../../summary-table.js';
import { nameArgument, withScheduleClient } from './schedule-client.js';

export const scheduleDescribeCommand: CommandModule<object, { name: string; next: number }> = {
  command: 'describe <name>',
  describe: 'Show a schedule: timetable, next firings, recent runs and their outcome',
  builder: (y) => nameArgument(y).option('next', { type: 'number', default: 5, describe: 'how many next fire times to show' }) as never,
  handler: async (args) => {
    await withScheduleClient(async (client) => {
      const d = await client.schedule.getHandle(args.name).describe();
      const origin = originOf(d);
      const lines = [
        `schedule ${d.scheduleId}: ${timetable(d)}, overlap ${(d.policies.overlap ?? 'SKIP').toLowerCase().replace('_', '-')}, catch-up window ${d.policies.catchupWindow / 1000} s`,
        `state: ${d.state.paused ? 'paused' : 'active'}${d.state.note ? ` (note: ${d.state.note})` : ''}`,
      ];
      if (origin) {
        lines.push(`config: ${origin.configFile}`, `model: ${origin.model}; task queue ${origin.taskQueue}; store ${origin.storeId ?? '?'}`, `export: ${origin.exportDir ?? 'none'}`);
      }
      lines.push(
        `firings: ${d.info.numActionsTaken} taken, ${d.info.numActionsSkippedOverlap} skipped (overlap), ${d.info.numActionsMissedCatchupWindow} missed (catch-up window)`,
        `next: ${d.state.paused ? 'none while paused' : d.info.nextActionTimes.slice(0, args.next).map(formatTime).join(', ') || 'none'}`,
      );
      console.log(lines.join('\n'));

      const firings = await recentFirings(client, d);
      if (firings.length === 0) {
        console.log('no firings yet');
        return;
      }
      const table = new Table({ head: ['fired', 'run', 'status', 'tasks accepted', 'episodes passed', 'export'], style: tableStyle() });
      for (const f of firings) {
        const r = f.result;
        table.push([
          formatTime(f.scheduledAt),
          r?.runId ?? f.workflowId,
          f.failure ? `${f.status}: ${f.failure}`.slice(0, 120) : f.status,
          r ? `${r.tasks.accepted}/${r.tasks.total}` : '-',
          r ? `${r.episodes.passed}/${r.episodes.done}` : '-',
          r?.export ? `${r.export.lines} lines: ${r.export.file}` : '-',
        ]);
      }
      console.log(table.toString());
      const latest = firings.filter((f) => f.result).at(-1);
      if (latest?.result) console.log(`\nlatest finished firing, run ${latest.result.runId}:\n${latest.result.summary}`);
    });
  },
};
