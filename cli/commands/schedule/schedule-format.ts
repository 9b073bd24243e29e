// How schedule commands print times and a schedule's timetable.
import type { ScheduleDescription, ScheduleSummary } from '@temporalio/client';
import { memoOf } from '../../../client/schedules.js';

export const formatTime = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** "every 6h", "cron 0 3 * * *", with jitter, from the memo `create` left (or the raw spec otherwise). */
export function timetable(description: Pick<ScheduleDescription, 'memo'> & Pick<ScheduleSummary, 'spec'>): string {
  const memo = memoOf(description);
  const jitter = memo?.jitter ? `, jitter ${memo.jitter}` : '';
  if (memo?.every) return `every ${memo.every}${jitter}`;
  if (memo?.cron) return `cron "${memo.cron}"${jitter}`;
  const every = description.spec?.intervals?.[0]?.every;
  return every === undefined ? 'calendar' : `every ${Number(every) / 1000} s`;
}
